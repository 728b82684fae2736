/**
 * Memory stays bounded by the ring: the image pipeline of pipeline.ts
 * (uint8 224×224×3 sources in a SharedArrayBuffer → normalize in 2 workers →
 * leased views), read in 20 full passes over one prefetch, with the page's
 * memory measured after the first and after the last by
 * `performance.measureUserAgentSpecificMemory()` (the page and its workers;
 * it waits for a garbage collection, so each measurement takes seconds).
 * Nothing per element outlives its lease, so the two should be about equal.
 */
import { cycle, prefetch, seq, smap } from '../../src/index.js';
import { loadKernels, normalize } from '../../src/kernels.js';
import { NORMALIZE, S, sharedImages } from '../image-sources.js';

type Report = (name: string, value: number, unit: string) => void;

const IMAGES = 64;
const PER_PASS = 5000;
const PASSES = 20;
const MB = 2 ** 20;

type MemoryMeasurement = { bytes: number };
type MeasureMemory = () => Promise<MemoryMeasurement>;

export async function run(report: Report): Promise<void> {
  const measure = (performance as unknown as { measureUserAgentSpecificMemory?: MeasureMemory }).measureUserAgentSpecificMemory;
  if (typeof measure !== 'function') throw new Error('bench memory: performance.measureUserAgentSpecificMemory is not available here (it needs a cross-origin-isolated Chromium page)');
  await loadKernels();
  const images = sharedImages(IMAGES, 4242);
  const kernel = normalize(NORMALIZE);
  const p = prefetch(smap(kernel, cycle(seq(images), PER_PASS)), { workers: 2, maxBuffered: 16 });
  try {
    let first = 0;
    let last = 0;
    for (let pass = 1; pass <= PASSES; pass++) {
      let i = 0;
      for await (const out of p) {
        if (out.data.length !== S) throw new Error(`bench memory: element ${i} has ${out.data.length} values`);
        i++;
      }
      if (i !== PER_PASS) throw new Error(`bench memory: a pass read ${i} of ${PER_PASS} images`);
      if (pass === 1) first = (await measure.call(performance)).bytes;
      if (pass === PASSES) last = (await measure.call(performance)).bytes;
      if (pass === 1 || pass === PASSES) console.log(`bench memory: after pass ${pass}: ${((pass === 1 ? first : last) / MB).toFixed(1)} MB`);
    }
    const what = `the page and its 2 workers, image pipeline (${IMAGES} sources of 147 KB, maxBuffered 16)`;
    report('memory.pipeline.after_pass_1_mb', first / MB, `MB, ${what}, measureUserAgentSpecificMemory after the first pass of ${PER_PASS} images`);
    report('memory.pipeline.after_pass_20_mb', last / MB, `MB, the same after pass ${PASSES} (${PASSES * PER_PASS} images read in all)`);
    report('memory.pipeline.growth_mb', (last - first) / MB, `MB, after pass ${PASSES} minus after pass 1`);
  } finally {
    await p.close();
  }
}
