/**
 * Kernel throughput: normalize a uint8 224×224×3 HWC image to float32 CHW,
 * images per second on one thread, WebAssembly (SIMD) against the plain-JS
 * reference, measured in the same run with interleaved repetitions.
 *
 * - `kernels.normalize.wasm_per_s`: the worker path, `KernelRuntime.runInto`
 *   writing into a slot of a shared memory (input copied into scratch).
 * - `kernels.normalize.wasm_fresh_per_s`: the main-thread kernel call, which also
 *   copies the output into a fresh Float32Array.
 * - `kernels.normalize.wasm_into_per_s`: the main-thread `kernel.into(image, out)`,
 *   which copies the output into one Float32Array the caller keeps.
 * - `kernels.normalize.js_per_s`: the plain-JS reference (src/kernels/reference.ts)
 *   writing into one reused Float32Array: like for like with wasm_per_s, which
 *   writes into a slot that already exists.
 * - `kernels.normalize.js_fresh_per_s`: the same, allocating its output per
 *   image (what a JS `smap` function returning a new array costs; compare
 *   with wasm_fresh_per_s).
 *
 *
 * And resizeBilinear, a 512×384 RGB photo-sized image to 224×224, images per
 * second on one thread: `kernels.resize.wasm_per_s` (the source in the
 * kernel's memory, as a SharedStore source is, the output into a slot) and
 * `kernels.resize.js_per_s` (the plain-JS reference, which returns a fresh
 * 150 KB array: a small part of its time), interleaved the same way.
 *
 * Runs in the bench page and in Node (`node --import tsx -e "…run(console.log)"`).
 */
import { KernelRuntime, kernelModules, loadKernels, normalize, resizeBilinear } from '../../src/kernels.js';
import { normalize as normalizeJs, normalizeInto as normalizeJsInto, resizeBilinear as resizeJs } from '../../src/kernels/reference.js';

type Report = (name: string, value: number, unit: string) => void;

const WIDTH = 224, HEIGHT = 224, CHANNELS = 3;
/** A photo's size, as decoded before a resize (the demo's photos are 300–640 pixels a side). */
const PHOTO_WIDTH = 512, PHOTO_HEIGHT = 384;
const ROUNDS = 5;
const ROUND_MS = 200; // ROUNDS × ROUND_MS ≈ 1 s per method

/** Images per second of `step`, run repeatedly for about `ms` milliseconds. */
function rate(step: () => void, ms: number): number {
  let count = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    step();
    count++;
    now = performance.now();
  }
  return count / ((now - start) / 1000);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export async function run(report: Report): Promise<void> {
  await loadKernels();
  const data = new Uint8Array(WIDTH * HEIGHT * CHANNELS);
  let seed = 12345;
  for (let i = 0; i < data.length; i++) data[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
  const image = { data, width: WIDTH, height: HEIGHT, channels: CHANNELS };
  const options = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

  const kernel = normalize(options);
  const slotBytes = WIDTH * HEIGHT * CHANNELS * 4;
  const photoBytes = PHOTO_WIDTH * PHOTO_HEIGHT * CHANNELS;
  const memory = new WebAssembly.Memory({ initial: Math.ceil((slotBytes + photoBytes) / 65536), maximum: 1024, shared: true });
  // A photo-sized source where a SharedStore's would be: in the kernels' memory, after the slot.
  const photo = { data: new Uint8Array(memory.buffer, slotBytes, photoBytes), width: PHOTO_WIDTH, height: PHOTO_HEIGHT, channels: CHANNELS };
  for (let i = 0; i < photoBytes; i++) photo.data[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
  const resize = resizeBilinear({ width: WIDTH, height: HEIGHT });
  const runtime = KernelRuntime.create(await kernelModules(), memory);
  const jsOut = new Float32Array(WIDTH * HEIGHT * CHANNELS);
  const intoOut = new Float32Array(WIDTH * HEIGHT * CHANNELS);
  let sink = 0;
  const methods: Record<string, () => void> = {
    wasm_per_s: () => {
      sink += runtime.runInto(kernel.kernelCall, image, 0).data[7];
    },
    wasm_fresh_per_s: () => {
      sink += kernel(image).data[7];
    },
    wasm_into_per_s: () => {
      sink += kernel.into(image, intoOut).data[7];
    },
    js_per_s: () => {
      sink += normalizeJsInto(image, options, jsOut).data[7];
    },
    js_fresh_per_s: () => {
      sink += normalizeJs(image, options).data[7];
    },
    resize_wasm_per_s: () => {
      sink += runtime.runInto(resize.kernelCall, photo, 0).data[7]!;
    },
    resize_js_per_s: () => {
      sink += resizeJs(photo, { width: WIDTH, height: HEIGHT }).data[7]!;
    },
  };
  const rates: Record<string, number[]> = {};
  for (const name of Object.keys(methods)) {
    rate(methods[name], 50); // warm up (JIT tiers, scratch growth)
    rates[name] = [];
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, step] of Object.entries(methods)) rates[name].push(rate(step, ROUND_MS));
  }
  if (Number.isNaN(sink)) throw new Error('kernels bench: NaN in the output');
  const what: Record<string, string> = {
    wasm_per_s: 'WebAssembly, into an existing slot of a shared memory',
    wasm_fresh_per_s: 'WebAssembly, main-thread call returning a fresh array',
    wasm_into_per_s: 'WebAssembly, main-thread kernel.into one Float32Array the caller keeps',
    js_per_s: 'plain-JS reference, into an existing array',
    js_fresh_per_s: 'plain-JS reference, returning a fresh array',
  };
  for (const name of Object.keys(what)) {
    report(`kernels.normalize.${name}`, median(rates[name]), `images/s, uint8 224×224×3 → float32 CHW, one thread, ${what[name]} (median of ${ROUNDS})`);
  }
  report('kernels.normalize.wasm_over_js', median(rates.wasm_per_s) / median(rates.js_per_s), 'ratio of the medians, both writing into an existing output');
  const resized = `images/s, uint8 ${PHOTO_WIDTH}×${PHOTO_HEIGHT}×3 → 224×224×3 bilinear, one thread`;
  report('kernels.resize.wasm_per_s', median(rates.resize_wasm_per_s), `${resized}, WebAssembly, source in its memory, into an existing slot (median of ${ROUNDS})`);
  report('kernels.resize.js_per_s', median(rates.resize_js_per_s), `${resized}, plain-JS reference, returning a fresh array (median of ${ROUNDS})`);
  report('kernels.resize.wasm_over_js', median(rates.resize_wasm_per_s) / median(rates.resize_js_per_s), 'ratio of the medians');
}
