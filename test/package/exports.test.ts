/**
 * What ships: `npm run build` writes ESM and .d.ts to dist/, and Node 20
 * imports all three entry points through the package's `exports`.
 * (`npm test` builds before the unit tests run.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

function built(): void {
  assert.ok(existsSync(`${root}dist/index.js`), 'dist/ is missing: run `npm run build` first (npm test does)');
}

/** Runs an ES module snippet with plain Node (no tsx) from the package root, so `seqring` resolves through `exports`. */
function runNode(code: string): string {
  return execFileSync(process.execPath, ['--input-type=module', '-e', code], { cwd: root, encoding: 'utf8', timeout: 60_000 });
}

test('the three entry points import from Node through the package exports, with their types beside them', () => {
  built();
  for (const d of ['index', 'worker', 'kernels']) {
    assert.ok(existsSync(`${root}dist/${d}.js`), `dist/${d}.js`);
    assert.ok(existsSync(`${root}dist/${d}.d.ts`), `dist/${d}.d.ts`);
  }
  const out = runNode(`
    const s = await import('seqring');
    const w = await import('seqring/worker');
    const k = await import('seqring/kernels');
    console.log(JSON.stringify({
      core: ['seq', 'smap', 'gather', 'batch', 'prefetch', 'remoteFunctions', 'EvaluationError', 'seterr'].filter((n) => typeof s[n] !== 'function'),
      worker: typeof w.exposeFunctions,
      kernels: ['normalize', 'resizeBilinear', 'hwcToChw', 'toFloat32', 'grayscale', 'loadKernels', 'registerKernels', 'stack'].filter((n) => typeof k[n] !== 'function'),
      batch: s.batch(s.smap((x) => x * 2, s.arange(5)), 2).toArray(),
    }));
  `);
  const r = JSON.parse(out) as { core: string[]; worker: string; kernels: string[]; batch: number[][] };
  assert.deepEqual(r.core, [], 'missing from seqring');
  assert.equal(r.worker, 'function');
  assert.deepEqual(r.kernels, [], 'missing from seqring/kernels');
  assert.deepEqual(r.batch, [[0, 2], [4, 6], [8]]);
});

test('the built package prefetches in its own worker entry (dist/workers/entry.js) with kernels from build/', () => {
  built();
  const out = runNode(`
    const { prefetch, seq, smap } = await import('seqring');
    const { loadKernels, toFloat32 } = await import('seqring/kernels');
    await loadKernels();
    const images = Array.from({ length: 6 }, (_, i) => ({ data: new Uint8Array(12).fill(i), width: 2, height: 2, channels: 3 }));
    const p = prefetch(smap(toFloat32({ scale: 2 }), seq(images)), { workers: 2 });
    const got = [];
    for await (const im of p) got.push(im.data[0]);
    await p.close();
    console.log(JSON.stringify({ transport: p.transport, got }));
  `);
  assert.deepEqual(JSON.parse(out), { transport: 'shared', got: [0, 2, 4, 6, 8, 10] });
});
