// Runs in its own process (node --test isolates files), so nothing is loaded yet.
// The tests run in order: the first one loads nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { grayscale, loadKernels } from '../../src/kernels.js';
import { prefetch, remoteFunctions, seq, smap } from '../../src/index.js';
import { tsWorker } from '../helpers/workers.js';
import type { functions } from '../fixtures/kernels.worker.js';

test('a worker function calling a kernel, while this thread has loaded none, fails its element saying to await loadKernels()', { timeout: 60_000 }, async () => {
  const fns = remoteFunctions<typeof functions>(() => tsWorker(new URL('../fixtures/kernels.worker.ts', import.meta.url)));
  const images = [{ data: new Uint8Array([10, 20, 30, 40, 50, 60]), width: 2, height: 1, channels: 3 }];
  const p = prefetch(smap(fns.grayWithMean, seq(images)), { workers: 1 });
  try {
    await assert.rejects(p.get(0), (e: Error) =>
      e.name === 'EvaluationError' && /`await loadKernels\(\)`/.test(String((e.cause as Error | undefined)?.message)));
  } finally {
    await p.close();
  }
});

test('calling a kernel before loadKernels() says to await loadKernels()', async () => {
  const kernel = grayscale();
  const image = { data: new Uint8Array(12), width: 2, height: 2 };
  assert.throws(() => kernel(image), { name: 'Error', message: /^grayscale: .*`await loadKernels\(\)`/ });
  await loadKernels();
  assert.deepEqual([...kernel(image).data], [0, 0, 0, 0]);
});
