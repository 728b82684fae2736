/**
 * Image batch loading: real photos fetched and decoded in prefetch workers
 * (the demo's own worker module, demo/image.worker.ts), then resized by the
 * resizeBilinear kernel and normalized by the normalize kernel in the same
 * workers, into float32 CHW tensors with ImageNet's mean and std, written
 * straight into the ring. This thread only copies each tensor's RGB planes
 * into its batch of 4 ([n, 3, 224, 224], ready for TF.js or ONNX Runtime
 * Web). Two files are broken on purpose: each fails its own element, with its
 * name, and the rest of its batch goes on.
 */
import { prefetch, remoteFunctions, seq, smap, type PrefetchedSeq } from '../src/index.js';
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
const PLANE = SIZE * SIZE;
const BATCH = 4;
const WORKERS = 2;
const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

const fns = remoteFunctions<typeof import('./image.worker.js').functions>(
  () => new Worker(new URL('./image.worker.ts', import.meta.url), { type: 'module' }),
);

/*
 * The whole chain runs in the workers: decode is async (fetch,
 * createImageBitmap) and each kernel awaits the image before it. decode gives
 * RGBA (grey and RGB photos too, so every element has one shape); normalize
 * takes the 4 channels, with a 4th mean/std that leaves alpha as x / 255. In
 * CHW the alpha plane comes last, so the RGB tensor is the first 3 × 224 × 224
 * values of each element.
 */
const urls = photos.map((photo) => new URL(photo.url, location.href).href);
const tensors = smap(
  normalize({ mean: [...MEAN, 0], std: [...STD, 1] }),
  smap(resizeBilinear({ width: SIZE, height: SIZE }), smap(fns.decode, seq(urls))),
);

interface Outcome {
  readonly name: string;
  readonly error?: string;
}

/** The code of the pipeline this page runs, shown under the results. */
function describePipeline(): void {
  const lines = [
    `// image.worker.ts: exposeFunctions({ decode })  (fetch → createImageBitmap → OffscreenCanvas → RGBA)`,
    `const fns = remoteFunctions<typeof import('./image.worker').functions>(`,
    `  () => new Worker(new URL('./image.worker.ts', import.meta.url), { type: 'module' }));`,
    `const tensors = smap(normalize({ mean: [${MEAN.join(', ')}, 0], std: [${STD.join(', ')}, 1] }),`,
    `  smap(resizeBilinear({ width: ${SIZE}, height: ${SIZE} }), smap(fns.decode, seq(urls))));`,
    `const p = prefetch(tensors, { workers: ${WORKERS}, maxBuffered: ${BATCH} }); // all three steps run in the workers`,
    `// on this thread, per element: copy the RGB planes (CHW: alpha is the last plane) into the batch`,
    `const lease = await p.lease(i);`,
    `batch.set(lease.value.data.subarray(0, 3 * ${SIZE} * ${SIZE}), k * 3 * ${SIZE} * ${SIZE});`,
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

/** "Batch 1: Float32Array [3, 3, 224, 224] (1.7 MB), without truncated.jpg" for the stacked good tensors. */
function batchHeading(outcomes: readonly Outcome[], stacked: Float32Array, number: number): string {
  const failed = outcomes.filter((o) => o.error).map((o) => o.name);
  const mb = (stacked.byteLength / 2 ** 20).toFixed(1);
  const shape = `Float32Array [${stacked.length / (3 * PLANE)}, 3, ${SIZE}, ${SIZE}] (${mb} MB)`;
  return `Batch ${number}: ${shape}` + (failed.length ? `, without ${failed.join(', ')}` : '');
}

/** "Float32Array, 4 × 224 × 224, chw": what the workers wrote for one element. */
function describeElement(image: ImageLike<Float32Array>): string {
  return `${image.data.constructor.name}, ${image.channels} × ${image.height} × ${image.width}, ${image.layout}`;
}

/**
 * Where the leased tensors lived: views into the shared ring (transport
 * 'shared'), or buffers of their own (transport 'transfer').
 */
function describeBuffers(own: readonly number[], total: number): string {
  if (total === 0) return '–';
  if (own.length === 0) return `all ${total} views into a SharedArrayBuffer`;
  if (own.length === total) return `all ${total} in their own ArrayBuffers`;
  const which = own.length > 1 ? `elements ${own.join(', ')} in their own buffers` : `element ${own[0]} in its own buffer`;
  return `${total - own.length} of ${total} views into a SharedArrayBuffer (${which})`;
}

function layOut(results: HTMLElement): { cards: HTMLElement[]; headings: HTMLElement[] } {
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
  return { cards, headings };
}

async function run(p: PrefetchedSeq<ImageLike<Float32Array>>, button: HTMLButtonElement): Promise<void> {
  button.disabled = true;
  const results = document.getElementById('batches')!;
  results.replaceChildren();
  results.dataset.done = 'false';
  const { cards, headings } = layOut(results);

  const rate = new RateMeter();
  let failed = 0;
  const own: number[] = [];
  let waited = 0;
  let element = '–';
  const started = performance.now();
  for (let start = 0; start < photos.length; start += BATCH) {
    // Collate on this thread: each good tensor's RGB planes go into the next place of the batch.
    const stacked = new Float32Array(BATCH * 3 * PLANE);
    const outcomes: Outcome[] = [];
    let filled = 0;
    for (let i = start; i < Math.min(start + BATCH, photos.length); i++) {
      const name = photos[i]!.name;
      const asked = performance.now();
      try {
        const lease = await p.lease(i);
        const place = stacked.subarray(filled * 3 * PLANE, (filled + 1) * 3 * PLANE);
        try {
          const image = lease.value;
          // A page that is not isolated has no SharedArrayBuffer at all.
          const inRing = typeof SharedArrayBuffer !== 'undefined' && image.data.buffer instanceof SharedArrayBuffer;
          if (!inRing) own.push(i);
          cards[i]!.dataset.buffer = inRing ? 'shared' : 'own';
          element = describeElement(image);
          place.set(image.data.subarray(0, 3 * PLANE));
        } finally {
          lease.release(); // copied into the batch: the ring slot can be reused now
        }
        waited += performance.now() - asked;
        rate.mark();
        showTensor(cards[i]!, place);
        outcomes.push({ name });
        filled++;
      } catch (error) {
        failed++;
        showFailure(cards[i]!, name, innermostMessage(error));
        outcomes.push({ name, error: innermostMessage(error) });
      }
    }
    headings[start / BATCH]!.textContent = batchHeading(outcomes, stacked.subarray(0, filled * 3 * PLANE), start / BATCH + 1);
  }
  const seconds = (performance.now() - started) / 1000;
  const good = photos.length - failed;
  showStat('images', `${good} of ${photos.length}`);
  showStat('failed', String(failed));
  showStat('element', element);
  showStat('buffers', describeBuffers(own, good));
  showStat('rate', `${(good / seconds).toFixed(1)} images/s`);
  showStat('total', formatMs(seconds * 1000));
  showStat('wait', formatMs(good ? waited / good : undefined));
  results.dataset.done = 'true';
  button.disabled = false;
}

async function main(): Promise<void> {
  showProgress('loading the WebAssembly kernels…');
  await loadKernels();
  const p = prefetch(tensors, { workers: WORKERS, maxBuffered: BATCH });
  describePipeline();
  showStat('transport', p.transport);
  showStat('workers', String(WORKERS));
  showProgress(`decoding, resizing and normalizing ${photos.length} photos in ${WORKERS} workers…`);
  const again = document.getElementById('again') as HTMLButtonElement;
  again.addEventListener('click', () => void run(p, again).catch((e: unknown) => showError('Image loading', e)));
  await run(p, again);
  showReady(`Image batch loading (${photos.length} photos, 2 broken on purpose)`);
}

main().catch((error: unknown) => showError('Image loading', error));
