/**
 * A dedicated worker that itself runs prefetch (as an app might, to keep its
 * page free): seqring's own workers and a user's worker module, nested in
 * this one, with a kernel step. Posts what it read back to the page.
 */
import { arange, batch, prefetch, remoteFunctions, repeat, seq, smap } from '../../src/index.js';
import { grayscale, loadKernels } from '../../src/kernels.js';
import * as reference from '../../src/kernels/reference.js';
import type { functions } from './prefetch.worker.js';

const fns = remoteFunctions<typeof functions>(() => new Worker(new URL('./prefetch.worker.ts', import.meta.url), { type: 'module' }));

async function run(): Promise<unknown> {
  await loadKernels();
  const batches = prefetch(batch(arange(20), 8), { workers: 2 });
  const viaUser = prefetch(smap(fns.filled, arange(50), repeat(4)), { workers: 2, maxBuffered: 4 });
  const images = Array.from({ length: 12 }, (_, i) => ({ data: new Uint8Array(6 * 5 * 3).map((_, k) => (k * 7 + i) & 255), width: 6, height: 5, channels: 3 }));
  const grey = prefetch(smap(grayscale(), seq(images)), { workers: 2 });
  try {
    const b: number[][] = [];
    for await (const x of batches) b.push([...x]);
    const u: number[] = [];
    for await (const x of viaUser) u.push(x[0]! + x[3]!);
    let greyDifferences = 0;
    for (let i = 0; i < images.length; i++) {
      const got = await grey.get(i);
      const want = reference.grayscale(images[i]!);
      for (let k = 0; k < want.data.length; k++) if (got.data[k] !== want.data[k]) greyDifferences++;
    }
    return { isolated: crossOriginIsolated, transports: [batches.transport, viaUser.transport, grey.transport], batches: b, viaUser: u, greyDifferences };
  } finally {
    await Promise.all([batches.close(), viaUser.close(), grey.close()]);
  }
}

run().then(
  (value) => postMessage({ ok: true, value }),
  (e: unknown) => postMessage({ ok: false, error: e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e) }),
);
