/**
 * A prefetch dropped without close() does not outlive its last reference:
 * a FinalizationRegistry closes it and its workers end, and the process exits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('a prefetch dropped without close() is closed once collected, and its workers exit', { timeout: 60_000 }, () => {
  const script = `
    import { prefetch, smap, arange } from './src/index.ts';
    import { fixtureFunctions } from './test/helpers/workers.ts';
    const { fns, made } = fixtureFunctions();
    const exited = [];
    async function use() {
      const p = prefetch(smap(fns.addOne, arange(100)), { workers: 2 });
      const v = await p.get(3);
      for (const w of made) exited.push(new Promise((r) => w.once('exit', r)));
      return v; // p is dropped here, never closed
    }
    const v = await use();
    const deadline = Date.now() + 20000;
    let done = false;
    Promise.all(exited).then(() => { done = true; });
    while (!done && Date.now() < deadline) {
      globalThis.gc();
      await new Promise((r) => setTimeout(r, 50));
    }
    console.log(JSON.stringify({ v, workers: made.length, exited: done }));
  `;
  const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: root, encoding: 'utf8', timeout: 50_000,
  });
  const r = JSON.parse(out.trim().split('\n').pop()!) as { v: number; workers: number; exited: boolean };
  assert.equal(r.v, 4);
  assert.equal(r.workers, 2);
  assert.equal(r.exited, true, 'the workers of the dropped prefetch exited');
});
