/**
 * seqring's own Node workers (src/workers/endpoint.ts `nodeWorker`) start
 * whatever flags the process was started with: Node refuses V8 and process
 * flags (--max-old-space-size, --expose-gc) when they are handed to a worker
 * explicitly, and --input-type (from `node -e`) when it is inherited by a
 * file worker. Each case runs a prefetch in a child process with those flags.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const index = new URL('../../src/index.ts', import.meta.url).href;
/** Two built-in workers (no factory: plain data) deliver 40 elements; prints their sum and the transport. */
const script = `
  import { prefetch, seq } from ${JSON.stringify(index)};
  const p = prefetch(seq(Array.from({ length: 40 }, (_, i) => new Float64Array([i, 2 * i]))), { workers: 2, maxBuffered: 4 });
  let sum = 0;
  for await (const v of p) sum += v[0] + v[1];
  console.log(JSON.stringify({ sum, transport: p.transport }));
  await p.close();
`;
const want = { sum: 3 * (39 * 40) / 2, transport: 'shared' };

function run(args: string[]): { sum: number; transport: string } {
  const out = execFileSync(process.execPath, args, { encoding: 'utf8', timeout: 50_000, stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(out.trim().split('\n').pop()!) as { sum: number; transport: string };
}

const T = { timeout: 60_000 };

for (const flags of [['--max-old-space-size=512'], ['--expose-gc'], ['--enable-source-maps']]) {
  test(`a script run with ${flags.join(' ')} gets its elements from seqring's workers`, T, () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'seqring-flags-')), 'main.mts');
    writeFileSync(file, script);
    assert.deepEqual(run([...flags, '--import', 'tsx', file]), want);
  });

  test(`node ${flags.join(' ')} -e (so also --input-type) gets its elements from seqring's workers`, T, () => {
    assert.deepEqual(run([...flags, '--import', 'tsx', '--input-type=module', '-e', script]), want);
  });
}
