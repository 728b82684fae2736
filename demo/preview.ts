/**
 * Dataset preview: scroll through the 10,000 Fashion-MNIST test images.
 *
 * The pipeline is lazy: `gather` picks the order (seeded shuffle, one class),
 * the `resizeBilinear` kernel scales each 28×28 image to 84×84, and
 * `prefetch` evaluates it in workers that write straight into a shared ring.
 * The grid reads only the tiles on screen (random access); a jump in the
 * scroll position restarts the read-ahead window there.
 */
import { gather, prefetch, seq, smap, type PrefetchedSeq } from '../src/index.js';
import { loadKernels, resizeBilinear, type ImageLike } from '../src/kernels.js';
import { classNames, loadFashionMnist, type FashionMnist } from './fashion-mnist.js';
import { LatencyMeter, RateMeter, formatMs, showStat } from './meters.js';
import { innermostMessage, showError, showProgress, showReady } from './status.js';
import { VirtualGrid, type GridTile } from './virtual-grid.js';
import shippedImages from './data/t10k-images-idx3-ubyte.gz?url&no-inline';
import shippedLabels from './data/t10k-labels-idx1-ubyte.gz?url&no-inline';

const TILE = 84;
const workers = Math.max(2, Math.min(4, (navigator.hardwareConcurrency || 2) - 1));
/** About two screens of tiles evaluated ahead of the reader. */
const maxBuffered = 96;
/** Reads pending at once: enough to keep the workers busy, few enough that a fast scroll leaves little stale work. */
const maxPending = 24;

const resize = resizeBilinear({ width: TILE, height: TILE });

/** mulberry32: a small seeded PRNG, so a shuffle can be replayed from its seed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Dataset indexes in shuffled (seeded Fisher–Yates) or stored order, kept to one class if asked. */
function orderFor(labels: Uint8Array, seed: number | null, label: number | null): Int32Array {
  const order = Int32Array.from({ length: labels.length }, (_, i) => i);
  if (seed !== null) {
    const random = mulberry32(seed);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
  }
  return label === null ? order : order.filter((i) => labels[i] === label);
}

interface View {
  readonly order: Int32Array;
  readonly tiles: PrefetchedSeq<ImageLike<Uint8Array>>;
}

class Preview {
  private view: View | undefined;
  /** Bumped on every new view: reads of an older one are ignored when they settle. */
  private generation = 0;
  private readonly pending = new Set<number>();
  private readonly done = new Set<number>();
  private lastRead = -1;
  private restarts = 0;
  private readonly delivered = new RateMeter();
  private readonly latency = new LatencyMeter();
  private readonly grid: VirtualGrid;
  private readonly pixels = new ImageData(TILE, TILE);
  private seed: number | null = null;
  private label: number | null = null;

  constructor(private readonly data: FashionMnist, viewport: HTMLElement) {
    this.grid = new VirtualGrid(viewport, {
      cellWidth: TILE + 20,
      cellHeight: TILE + 34,
      tileSize: TILE,
      onShow: (tile) => this.blank(tile),
      onRange: () => this.pump(),
    });
  }

  /** Rebuilds the pipeline for the current order and class, and restarts its workers. */
  show(seed: number | null, label: number | null): void {
    this.seed = seed;
    this.label = label;
    const old = this.view;
    this.generation++;
    this.pending.clear();
    this.done.clear();
    this.lastRead = -1;
    const order = orderFor(this.data.labels, seed, label);
    const pipeline = smap(resize, gather(seq(this.data.images), order));
    this.view = { order, tiles: prefetch(pipeline, { workers, maxBuffered }) };
    void old?.tiles.close(); // its pending reads reject; they belong to an older generation
    describePipeline(order.length, seed, label);
    document.getElementById('read-error')!.hidden = true;
    const grid = document.getElementById('grid')!;
    grid.dataset.label = label === null ? 'all' : classNames[label];
    grid.dataset.seed = seed === null ? 'none' : String(seed);
    this.grid.reset(order.length);
  }

  get current(): { seed: number | null; label: number | null } {
    return { seed: this.seed, label: this.label };
  }

  /** A tile came into view: caption now (labels are on this thread), pixels when the workers deliver. */
  private blank(tile: GridTile): void {
    const source = this.view!.order[tile.index]!;
    const name = classNames[this.data.labels[source]!];
    tile.element.dataset.index = String(tile.index);
    tile.element.dataset.source = String(source);
    tile.element.dataset.label = name;
    tile.element.dataset.state = 'loading';
    tile.element.title = `element ${tile.index} of the view, image #${source} of the test split`;
    tile.caption.innerHTML = '';
    const strong = document.createElement('span');
    strong.className = 'label';
    strong.textContent = name;
    const small = document.createElement('span');
    small.className = 'source';
    small.textContent = `#${source}`;
    tile.caption.append(strong, small);
    this.done.delete(tile.index);
    tile.canvas.getContext('2d')!.clearRect(0, 0, TILE, TILE);
  }

  /** Starts reads for visible tiles not drawn yet, lowest index first, at most `maxPending` at once. */
  private pump(): void {
    const [start, stop] = this.grid.range;
    for (let i = start; i < stop && this.pending.size < maxPending; i++) {
      if (!this.done.has(i) && !this.pending.has(i)) void this.read(i);
    }
  }

  private async read(i: number): Promise<void> {
    const { generation, view } = this;
    if (!view) return;
    // The library's rule: reading i wants i … i+maxBuffered; anything else restarts the window.
    if (this.lastRead >= 0 && (i < this.lastRead || i > this.lastRead + maxBuffered)) this.restarts++;
    this.lastRead = i;
    this.pending.add(i);
    const started = performance.now();
    try {
      const lease = await view.tiles.lease(i);
      try {
        if (generation !== this.generation) return;
        this.latency.add(performance.now() - started);
        this.delivered.mark();
        const tile = this.grid.tile(i);
        if (tile) this.draw(tile, lease.value);
        this.done.add(i);
      } finally {
        lease.release(); // the pixels are on the canvas now: the slot goes back to the ring
      }
    } catch (error) {
      if (generation !== this.generation) return; // the view was replaced and closed
      const message = innermostMessage(error);
      const tile = this.grid.tile(i);
      if (tile) {
        tile.element.dataset.state = 'error';
        tile.element.title = message;
        tile.caption.textContent = 'read failed';
      }
      showReadError(i, message);
      this.done.add(i);
    } finally {
      if (generation === this.generation) {
        this.pending.delete(i);
        this.pump();
      }
    }
  }

  /** Grey 84×84 into the tile's canvas, through one reused ImageData. */
  private draw(tile: GridTile, image: ImageLike<Uint8Array>): void {
    const grey = image.data;
    const rgba = this.pixels.data;
    for (let p = 0, q = 0; p < grey.length; p++, q += 4) {
      const v = grey[p]!;
      rgba[q] = rgba[q + 1] = rgba[q + 2] = v;
      rgba[q + 3] = 255;
    }
    tile.canvas.getContext('2d')!.putImageData(this.pixels, 0, 0);
    tile.element.dataset.state = 'drawn';
  }

  showNumbers(): void {
    const view = this.view;
    if (!view) return;
    const [start, stop] = this.grid.range;
    showStat('transport', view.tiles.transport);
    showStat('workers', String(workers));
    showStat('rate', this.delivered.describe());
    showStat('latency', formatMs(this.latency.median()));
    showStat('reads', this.delivered.total.toLocaleString('en'));
    showStat('restarts', this.restarts.toLocaleString('en'));
    showStat('range', stop > start ? `${(start + 1).toLocaleString('en')}–${stop.toLocaleString('en')} of ${view.order.length.toLocaleString('en')}` : 'none');
  }
}

/** The first failed read, in full, above the grid (a tile has room for two words only). */
function showReadError(index: number, message: string): void {
  const notice = document.getElementById('read-error')!;
  if (!notice.hidden) return;
  notice.hidden = false;
  notice.textContent = `Reading element ${index} failed: ${message}`;
}

function describePipeline(length: number, seed: number | null, label: number | null): void {
  const how = [seed === null ? 'stored order' : `shuffled with seed ${seed}`, label === null ? 'all classes' : `only ${classNames[label]}`];
  const text =
    `// order: ${length.toLocaleString('en')} dataset indexes (${how.join(', ')})\n` +
    `const tiles = smap(resizeBilinear({ width: ${TILE}, height: ${TILE} }), gather(seq(images), order));\n` +
    `const p = prefetch(tiles, { workers: ${workers}, maxBuffered: ${maxBuffered} });\n` +
    `// for each tile that scrolls into view:\n` +
    `const lease = await p.lease(i); draw(lease.value); lease.release();`;
  document.getElementById('pipeline')!.textContent = text;
}

/** `?images=…&labels=…` loads other IDX files (e.g. `/data/fashion-mnist/…`, served as stored gzip bytes). */
function dataUrls(): { images: string; labels: string } {
  const query = new URLSearchParams(location.search);
  return { images: query.get('images') ?? shippedImages, labels: query.get('labels') ?? shippedLabels };
}

async function main(): Promise<void> {
  showProgress('loading the WebAssembly kernels…');
  await loadKernels();
  showProgress('downloading Fashion-MNIST…');
  const data = await loadFashionMnist(dataUrls(), showProgress);
  const counts = new Array<number>(classNames.length).fill(0);
  for (const label of data.labels) counts[label]!++;

  const filter = document.getElementById('class') as HTMLSelectElement;
  filter.add(new Option(`All classes (${data.count.toLocaleString('en')})`, 'all'));
  classNames.forEach((name, label) => filter.add(new Option(`${name} (${counts[label]!.toLocaleString('en')})`, String(label))));

  showStat('memory', `${(data.pixels.byteLength / 2 ** 20).toFixed(1)} MB in ${data.shared ? 'a SharedArrayBuffer' : 'an ArrayBuffer'}`);
  showStat('gzip', data.gzip);

  const preview = new Preview(data, document.getElementById('grid')!);
  const query = new URLSearchParams(location.search);
  const seedParam = query.get('seed');
  let nextSeed = seedParam !== null && Number.isInteger(Number(seedParam)) ? Number(seedParam) : 1;
  const seedLabel = document.getElementById('seed')!;
  const apply = (seed: number | null, label: number | null): void => {
    preview.show(seed, label);
    seedLabel.textContent = seed === null ? 'stored order' : `shuffled with seed ${seed}`;
  };

  filter.addEventListener('change', () => {
    apply(preview.current.seed, filter.value === 'all' ? null : Number(filter.value));
  });
  document.getElementById('shuffle')!.addEventListener('click', () => {
    apply(nextSeed++, preview.current.label);
  });
  document.getElementById('unshuffle')!.addEventListener('click', () => {
    apply(null, preview.current.label);
  });

  apply(seedParam !== null ? nextSeed++ : null, null);
  setInterval(() => preview.showNumbers(), 250);
  preview.showNumbers();
  document.getElementById('controls')!.hidden = false;
  showReady(`Fashion-MNIST (${data.count.toLocaleString('en')} images of ${data.width}×${data.height})`);
}

main().catch((error: unknown) => showError('Loading Fashion-MNIST', error));
