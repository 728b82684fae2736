// Runs in its own process (node --test isolates files), so nothing is loaded yet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { grayscale, loadKernels } from '../../src/kernels.js';

test('calling a kernel before loadKernels() says to await loadKernels()', async () => {
  const kernel = grayscale();
  const image = { data: new Uint8Array(12), width: 2, height: 2 };
  assert.throws(() => kernel(image), { name: 'Error', message: /^grayscale: .*`await loadKernels\(\)`/ });
  await loadKernels();
  assert.deepEqual([...kernel(image).data], [0, 0, 0, 0]);
});
