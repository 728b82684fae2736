/**
 * Image batch loading: real photos fetched and decoded in prefetch workers
 * (the demo's own worker module, demo/image.worker.ts), resized there by the
 * resizeBilinear kernel straight into the shared ring, then normalized into
 * float32 CHW tensors with ImageNet's mean and std and collated in batches
 * of 4, ready for TF.js or ONNX Runtime Web. Two files are broken on purpose:
 * each fails its own element, with its name, and the rest of its batch goes on.
 */
import { prefetch, remoteFunctions, seq, smap, type PrefetchedSeq, type Seq } from '../src/index.js';
import { loadKernels, normalize, resizeBilinear, type ImageLike } from '../src/kernels.js';
import { RateMeter, formatMs, showStat } from './meters.js';
import { innermostMessage, showError, showProgress, showReady } from './status.js';
import { drawTensor, tensorSummary } from './tensor-view.js';
import astronaut from './data/astronaut.png?url&no-inline';
import camera from './data/camera.png?url&no-inline';
import chelsea from './data/chelsea.png?url&no-inline';
import chelseaWebp from './data/chelsea.webp?url&no-inline';
import coffee from './data/coffee.png?url&no-inline';
import coffeeProgressive from './data/coffee-progressive.jpg?url&no-inline';
import hubble from './data/hubble_deep_field.jpg?url&no-inline';
import randomBytes from './data/random-bytes.png?url&no-inline';
import rocket from './data/rocket.jpg?url&no-inline';
import truncated from './data/truncated.jpg?url&no-inline';

/** The photos in reading order, the two broken files among them. */
const photos: readonly { name: string; url: string }[] = [
  { name: 'astronaut.png', url: astronaut },
  { name: 'chelsea.png', url: chelsea },
  { name: 'coffee.png', url: coffee },
  { name: 'truncated.jpg', url: truncated },
  { name: 'rocket.jpg', url: rocket },
  { name: 'camera.png', url: camera },
  { name: 'hubble_deep_field.jpg', url: hubble },
  { name: 'chelsea.webp', url: chelseaWebp },
  { name: 'random-bytes.png', url: randomBytes },
  { name: 'coffee-progressive.jpg', url: coffeeProgressive },
];

const SIZE = 224;
const BATCH = 4;
const WORKERS = 2;
const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

const fns = remoteFunctions<typeof import('./image.worker.js').functions>(
  () => new Worker(new URL('./image.worker.ts', import.meta.url), { type: 'module' }),
);

/*
 * The pipeline. The natural one is a single chain run entirely in the workers:
 *
 *   batch(smap(normalize(…), smap(resizeBilinear(…), smap(fns.decode, urls))), 4)
 *
 * but seqring (at the time of writing) does not await a promise between
 * steps: `decode` is async (fetch, createImageBitmap), and a kernel given its
 * promise fails with "image data must be a Uint8Array…". Only the last kernel
 * of a prefetched pipeline awaits its input, and only on the shared ring once
 * the ring exists. So this demo keeps that shape: decode + resize in the
 * workers (with `slotBytes` given, so the ring exists before element 0), and
 * normalize + collate on this thread, on each leased 224×224 image. On a page
 * that is not cross-origin isolated (transfer transport) not even the last
 * kernel awaits, so there the workers only decode and resize runs here too.
 * Reported to the library; the chain above is the goal.
 */
const urls = photos.map((photo) => new URL(photo.url, location.href).href);
const resize = resizeBilinear({ width: SIZE, height: SIZE });
// The types say it too: smap(fns.decode, …) is a Seq of promises; the cast states what the kernel tail sees.
const decoded = smap(fns.decode, seq(urls)) as unknown as Seq<ImageLike<Uint8Array>>;
const resizeInWorkers = crossOriginIsolated;
const pipeline = resizeInWorkers ? smap(resize, decoded) : decoded;

/**
 * decode gives RGBA (grey and RGB photos too, so every element has one shape).
 * normalize takes the 4 channels with a 4th mean/std that leaves alpha as
 * x / 255; in CHW the alpha plane comes last, so the RGB tensor is the first
 * 3 × 224 × 224 values: a subarray, no copy.
 */
const toTensor = normalize({ mean: [...MEAN, 0], std: [...STD, 1] });
const PLANE = SIZE * SIZE;

interface Outcome {
  readonly name: string;
  readonly tensor?: Float32Array;
  readonly error?: string;
}

/** The code of the pipeline this page runs, shown under the results. */
function describePipeline(): void {
  const lines = [
    `// image.worker.ts: exposeFunctions({ decode })  (fetch → createImageBitmap → OffscreenCanvas → RGBA)`,
    `const fns = remoteFunctions<typeof import('./image.worker').functions>(`,
    `  () => new Worker(new URL('./image.worker.ts', import.meta.url), { type: 'module' }));`,
    resizeInWorkers
      ? `const resized = smap(resizeBilinear({ width: ${SIZE}, height: ${SIZE} }), smap(fns.decode, urls));\n` +
        `const p = prefetch(resized, { workers: ${WORKERS}, maxBuffered: ${BATCH}, slotBytes: ${SIZE} * ${SIZE} * 4 + 4096 });`
      : `const p = prefetch(smap(fns.decode, urls), { workers: ${WORKERS}, maxBuffered: ${BATCH} }); // not isolated: resize below`,
    `const toTensor = normalize({ mean: [${MEAN.join(', ')}, 0], std: [${STD.join(', ')}, 1] }); // RGBA in`,
    `const lease = await p.lease(i);`,
    resizeInWorkers
      ? `const rgb = toTensor(lease.value).data.subarray(0, 3 * ${SIZE} * ${SIZE}); // CHW: alpha is the last plane`
      : `const rgb = toTensor(resize(lease.value)).data.subarray(0, 3 * ${SIZE} * ${SIZE}); // CHW: alpha is the last plane`,
    `lease.release();`,
  ];
  document.getElementById('pipeline')!.textContent = lines.join('\n');
}

function photoCard(name: string, index: number): HTMLElement {
  const card = document.createElement('figure');
  card.className = 'photo';
  card.dataset.name = name;
  card.dataset.index = String(index);
  card.dataset.state = 'loading';
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = SIZE;
  const caption = document.createElement('figcaption');
  caption.innerHTML = `<div class="name"></div><div class="detail">waiting for the workers…</div>`;
  caption.querySelector('.name')!.textContent = name;
  card.append(canvas, caption);
  return card;
}

function showTensor(card: HTMLElement, tensor: Float32Array): void {
  drawTensor(card.querySelector('canvas')!, tensor, SIZE, SIZE, MEAN, STD);
  const [range, means] = tensorSummary(tensor, PLANE);
  const detail = card.querySelector('.detail')!;
  detail.replaceChildren();
  for (const line of [`float32 [3, ${SIZE}, ${SIZE}]`, range, means]) {
    const div = document.createElement('div');
    div.textContent = line;
    detail.append(div);
  }
  card.dataset.state = 'done';
}

function showFailure(card: HTMLElement, name: string, message: string): void {
  const failed = document.createElement('div');
  failed.className = 'failed';
  failed.textContent = `${name} failed`;
  card.querySelector('canvas')!.replaceWith(failed);
  card.querySelector('.detail')!.textContent = message;
  card.dataset.state = 'error';
  card.title = message;
}

/** Stacks a batch's tensors into one [n, 3, H, W] Float32Array (what a model's input takes). */
function collate(tensors: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(tensors.length * 3 * PLANE);
  tensors.forEach((t, k) => out.set(t, k * 3 * PLANE));
  return out;
}

function batchHeading(outcomes: readonly Outcome[], number: number): string {
  const good = outcomes.filter((o) => o.tensor);
  const failed = outcomes.filter((o) => o.error).map((o) => o.name);
  const stacked = collate(good.map((o) => o.tensor!));
  const mb = (stacked.byteLength / 2 ** 20).toFixed(1);
  const shape = `Float32Array [${good.length}, 3, ${SIZE}, ${SIZE}] (${mb} MB)`;
  return `Batch ${number}: ${shape}` + (failed.length ? `, without ${failed.join(', ')}` : '');
}

async function run(p: PrefetchedSeq<ImageLike<Uint8Array>>, button: HTMLButtonElement): Promise<void> {
  button.disabled = true;
  const results = document.getElementById('batches')!;
  results.replaceChildren();
  results.dataset.done = 'false';
  const cards: HTMLElement[] = [];
  const headings: HTMLElement[] = [];
  for (let start = 0; start < photos.length; start += BATCH) {
    const section = document.createElement('section');
    section.className = 'batch';
    const heading = document.createElement('h2');
    heading.textContent = `Batch ${start / BATCH + 1}: waiting…`;
    const row = document.createElement('div');
    row.className = 'photos';
    photos.slice(start, start + BATCH).forEach((photo, k) => {
      const card = photoCard(photo.name, start + k);
      cards.push(card);
      row.append(card);
    });
    section.append(heading, row);
    headings.push(heading);
    results.append(section);
  }

  const rate = new RateMeter();
  let failed = 0;
  let waited = 0;
  const started = performance.now();
  let batch: Outcome[] = [];
  for (let i = 0; i < photos.length; i++) {
    const name = photos[i]!.name;
    const asked = performance.now();
    try {
      const lease = await p.lease(i);
      let tensor: Float32Array;
      try {
        const image = resizeInWorkers ? lease.value : resize(lease.value);
        tensor = toTensor(image).data.subarray(0, 3 * PLANE);
      } finally {
        lease.release(); // normalize made its own array: the ring slot can be reused now
      }
      waited += performance.now() - asked;
      rate.mark();
      showTensor(cards[i]!, tensor);
      batch.push({ name, tensor });
    } catch (error) {
      failed++;
      showFailure(cards[i]!, name, innermostMessage(error));
      batch.push({ name, error: innermostMessage(error) });
    }
    if (batch.length === BATCH || i === photos.length - 1) {
      headings[Math.floor(i / BATCH)]!.textContent = batchHeading(batch, Math.floor(i / BATCH) + 1);
      batch = [];
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const good = photos.length - failed;
  showStat('images', `${good} of ${photos.length}`);
  showStat('failed', String(failed));
  showStat('rate', `${(good / seconds).toFixed(1)} images/s`);
  showStat('total', formatMs(seconds * 1000));
  showStat('wait', formatMs(good ? waited / good : undefined));
  results.dataset.done = 'true';
  button.disabled = false;
}

async function main(): Promise<void> {
  showProgress('loading the WebAssembly kernels…');
  await loadKernels();
  const p = resizeInWorkers
    ? prefetch(pipeline, { workers: WORKERS, maxBuffered: BATCH, slotBytes: PLANE * 4 + 4096 })
    : prefetch(pipeline, { workers: WORKERS, maxBuffered: BATCH });
  describePipeline();
  showStat('transport', p.transport);
  showStat('workers', String(WORKERS));
  showProgress(`decoding ${photos.length} photos in ${WORKERS} workers…`);
  const again = document.getElementById('again') as HTMLButtonElement;
  again.addEventListener('click', () => void run(p, again).catch((e: unknown) => showError('Image loading', e)));
  await run(p, again);
  showReady(`Image batch loading (${photos.length} photos, 2 broken on purpose)`);
}

main().catch((error: unknown) => showError('Image loading', error));
