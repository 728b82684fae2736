/**
 * Prefetch throughput and latency in the page (cross-origin isolated, so the
 * shared ring), against the Comlink baseline measured in the same run.
 *
 * What is timed, everywhere: worker start-up is excluded. Each seqring
 * measurement makes a fresh prefetch, warms it up by reading its LAST element
 * (which starts the workers, sizes the ring from that element, and leaves a
 * read-ahead window holding nothing else), waits a moment so every worker has
 * attached the ring, then times a full pass 0 … n-1 with `for await` (leased
 * views). The pass starts with a jump to 0, so no element of it was computed
 * before the clock started. Every element is checked (first and last value
 * equal to the index), so the figures measure real delivery.
 * The Comlink baseline (bench/baseline/comlink.ts) excludes start-up the same
 * way: each worker answers one call before its clock starts.
 *
 * The large case is measured twice on seqring's side: with `filled`, which
 * returns a fresh array as the baseline's worker does (the runtime copies it
 * into its slot), and with `largeInto`, the same values from a writer
 * (`writesInto`) that the runtime hands the slot itself.
 *
 * The small case is also read through a window of WIDE_WINDOW elements,
 * interleaved with the usual 16: what one read costs must not grow with the
 * window (it did: a window of 1024 ran about a fifth as fast as one of 16).
 *
 * Seqring and baseline runs are interleaved (ROUNDS rounds, medians reported)
 * because the machine is shared and noisy.
 */
import { arange, prefetch, remoteFunctions, repeat, smap, type PrefetchedSeq, type Seq } from '../../src/index.js';
import { comlinkThroughput } from '../baseline/comlink.js';
import type { functions } from '../workers/bench.worker.js';
import { mulberry32 } from '../../test/helpers/random.js';
import { passSize } from '../pass-size.js';

type Report = (name: string, value: number, unit: string) => void;

const ROUNDS = 3;
/** Target duration of one timed pass. */
const PASS_SECONDS = 1.5;
const MAX_BUFFERED = 16;
/** The wide window the small case is also read through. */
const WIDE_WINDOW = 1024;
const SMALL = 256;
const LARGE = 150528; // 224 × 224 × 3 float32 (bench.worker.ts `largeInto` has it built in)
/** Float32 holds every integer up to 2^24 exactly: the per-element check needs that. */
const MAX_N = 2 ** 24;

const fns = remoteFunctions<typeof functions>(
  () => new Worker(new URL('../workers/bench.worker.ts', import.meta.url), { type: 'module' }),
);

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at), hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}


/** How the worker makes each element: `filled` returns a fresh array (as the baseline does); `writer` is `largeInto`. */
type Maker = 'plain' | 'writer';

/** Elements i < n: `floats` float32 values all equal to i. */
function elements(n: number, floats: number, maker: Maker): Seq<Float32Array> {
  if (maker === 'plain') return smap(fns.filled, arange(n), repeat(floats));
  if (floats !== LARGE) throw new Error(`bench prefetch: the writer makes Float32Array(${LARGE}) only, not ${floats}`);
  return smap(fns.largeInto, arange(n));
}

/** A prefetch of `elements(n, floats, maker)`, warmed up as the header says. */
async function openFilled(n: number, floats: number, workers = 2, maker: Maker = 'plain', maxBuffered = MAX_BUFFERED): Promise<PrefetchedSeq<Float32Array>> {
  const p = prefetch(elements(n, floats, maker), { workers, maxBuffered });
  if (p.transport !== 'shared') console.warn(`bench prefetch: transport is ${p.transport}, not shared`);
  const last = await p.get(n - 1);
  if (last[0] !== n - 1) throw new Error(`bench prefetch: warm-up element ${n - 1} arrived wrong (${last[0]})`);
  await pause(100); // let every worker finish starting and attach the ring
  return p;
}

/** Times one full `for await` pass over `p`, checking every element; elements per second. */
async function timedPass(p: PrefetchedSeq<Float32Array>, floats: number): Promise<number> {
  let i = 0;
  const start = performance.now();
  for await (const v of p) {
    if (v.length !== floats || v[0] !== i || v[floats - 1] !== i) {
      throw new Error(`bench prefetch: element ${i} arrived wrong (length ${v.length}, first ${v[0]}, last ${v[floats - 1]})`);
    }
    i++;
  }
  const seconds = (performance.now() - start) / 1000;
  if (i !== p.length) throw new Error(`bench prefetch: a pass read ${i} of ${p.length} elements`);
  return i / seconds;
}

/** One fresh prefetch, `passes` timed passes (rates in elements/s). */
async function seqringPasses(n: number, floats: number, passes: number, maker: Maker = 'plain', maxBuffered = MAX_BUFFERED): Promise<number[]> {
  const p = await openFilled(n, floats, 2, maker, maxBuffered);
  try {
    const rates: number[] = [];
    for (let k = 0; k < passes; k++) rates.push(await timedPass(p, floats));
    return rates;
  } finally {
    await p.close();
  }
}

/**
 * Seqring against Comlink for one element size, interleaved; medians. With
 * `writer`, each round also times the writer's prefetch (one pass), between the two.
 */
async function throughput(label: string, floats: number, transfer: boolean, passes: number, writer = false) {
  // Calibration (not reported): size each side's n for about PASS_SECONDS per pass.
  const guess = floats <= 1024 ? 20_000 : 300;
  const pass = { seconds: PASS_SECONDS, max: MAX_N };
  const nSeqring = await passSize(async (n) => (await seqringPasses(n, floats, 1))[0], { ...pass, guess, min: 1000 });
  const nWriter = writer ? await passSize(async (n) => (await seqringPasses(n, floats, 1, 'writer'))[0], { ...pass, guess, min: 1000 }) : 0;
  const nComlink = await passSize(
    (n) => comlinkThroughput({ n, floats, inFlight: 8, workers: 2, transfer }),
    { ...pass, guess: Math.max(100, guess >> 3), min: 500 },
  );
  console.log(`bench prefetch: ${label}: n = ${nSeqring} (seqring)${writer ? `, ${nWriter} (seqring writer)` : ''}, ${nComlink} (comlink) for ~${PASS_SECONDS} s passes`);
  const seqring: number[][] = [];
  const written: number[] = [];
  const comlink: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const rates = await seqringPasses(nSeqring, floats, passes);
    seqring.push(rates);
    if (writer) written.push((await seqringPasses(nWriter, floats, 1, 'writer'))[0]);
    const c = await comlinkThroughput({ n: nComlink, floats, inFlight: 8, workers: 2, transfer });
    comlink.push(c);
    console.log(
      `bench prefetch: ${label} round ${round + 1}/${ROUNDS}: seqring ${rates.map((r) => r.toFixed(0)).join(' / ')} per s, ` +
        `${writer ? `seqring writer ${written.at(-1)!.toFixed(0)} per s, ` : ''}comlink${transfer ? ' (transfer)' : ''} ${c.toFixed(0)} per s`,
    );
  }
  return { seqring, written, comlink };
}

/** The small case through windows of MAX_BUFFERED and WIDE_WINDOW elements, interleaved: one pass each per round. */
async function windowWidth(report: Report): Promise<void> {
  const n = await passSize(async (k) => (await seqringPasses(k, SMALL, 1, 'plain', WIDE_WINDOW))[0], { seconds: PASS_SECONDS, max: MAX_N, guess: 20_000, min: 4 * WIDE_WINDOW });
  const narrow: number[] = [];
  const wide: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    narrow.push((await seqringPasses(n, SMALL, 1))[0]!);
    wide.push((await seqringPasses(n, SMALL, 1, 'plain', WIDE_WINDOW))[0]!);
    console.log(`bench prefetch: window round ${round + 1}/${ROUNDS}: maxBuffered ${MAX_BUFFERED} ${narrow.at(-1)!.toFixed(0)} per s, ${WIDE_WINDOW} ${wide.at(-1)!.toFixed(0)} per s (n = ${n})`);
  }
  report(
    'prefetch.small.seqring_window_1024_per_s',
    median(wide),
    `elements/s, Float32Array(256), 2 workers, one full pass after warm-up, for await, maxBuffered ${WIDE_WINDOW} (median of ${ROUNDS})`,
  );
  report('prefetch.small.window_1024_over_16', median(wide) / median(narrow), `ratio of the medians, maxBuffered ${WIDE_WINDOW} against ${MAX_BUFFERED} in the same rounds`);
}

/** Latency of random `get`s (a restart of the window each time). */
async function restartLatency(report: Report): Promise<void> {
  const n = 100_000;
  const seed = 20240611;
  console.log(`bench prefetch: restart: 200 gets at random indexes (mulberry32 seed ${seed})`);
  const rand = mulberry32(seed);
  const p = await openFilled(n, SMALL);
  try {
    const times: number[] = [];
    for (let k = 0; k < 220; k++) {
      const i = Math.floor(rand() * n);
      const start = performance.now();
      const v = await p.get(i);
      const ms = performance.now() - start;
      if (v[0] !== i || v[SMALL - 1] !== i) throw new Error(`bench prefetch: get(${i}) returned ${v[0]}`);
      if (k >= 20) times.push(ms); // the first 20 warm the workers' code paths
    }
    report('prefetch.restart.p50_ms', quantile(times, 0.5), 'ms per get(random i), Float32Array(256), 2 workers, 200 gets after 20 uncounted');
    report('prefetch.restart.p90_ms', quantile(times, 0.9), 'ms per get(random i), same 200 gets');
  } finally {
    await p.close();
  }
}

/** The per-index sleep of bench.worker.ts `sleepy`: 5–10 ms. */
function sleepMs(i: number): number {
  return 5 + (((i * 2654435761) >>> 0) % 6);
}

/** Seconds until `workers` workers, each taking the lowest index left when free, finish n elements of `ms(i)` ms. */
function schedule(n: number, workers: number, ms: (i: number) => number): number {
  const free = new Array<number>(workers).fill(0);
  for (let i = 0; i < n; i++) {
    const k = free.indexOf(Math.min(...free));
    free[k]! += ms(i);
  }
  return Math.max(...free) / 1000;
}

async function seedSleep(report: Report): Promise<void> {
  const n = 1000, workers = 4;
  let ideal = 0;
  for (let i = 0; i < n; i++) ideal += sleepMs(i);
  ideal /= workers * 1000;
  const seconds: number[] = [];
  // Per round: the mean overshoot of that pass's own sleeps, and the best pass they allow
  // (the same schedule with each element's sleep as long as it really blocked).
  const overshoots: number[] = [];
  const floors: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const p = prefetch(smap(fns.sleepy, arange(n)), { workers, maxBuffered: MAX_BUFFERED });
    try {
      if ((await p.get(n - 1))[0] !== n - 1) throw new Error('bench prefetch: sleepy warm-up arrived wrong');
      await pause(300); // four workers to start on two cores
      const overMs = new Float64Array(n);
      let i = 0;
      const start = performance.now();
      for await (const v of p) {
        if (v[0] !== i) throw new Error(`bench prefetch: sleepy element ${i} arrived wrong (${v[0]})`);
        overMs[i++] = v[3] / 1000;
      }
      seconds.push((performance.now() - start) / 1000);
      overshoots.push(overMs.reduce((a, b) => a + b, 0) / n);
      floors.push(schedule(n, workers, (k) => sleepMs(k) + overMs[k]));
      console.log(
        `bench prefetch: seed sleep round ${round + 1}/${ROUNDS}: ${seconds.at(-1)!.toFixed(3)} s ` +
          `(ideal ${ideal.toFixed(3)} s; its sleeps overshot ${overshoots.at(-1)!.toFixed(3)} ms each, which allows ${floors.at(-1)!.toFixed(3)} s at best)`,
      );
    } finally {
      await p.close();
    }
  }
  report('prefetch.seed_sleep_s', median(seconds), `s per full pass, 1000 elements sleeping 5–10 ms, 4 workers, maxBuffered 16, after warm-up (median of ${ROUNDS})`);
  report('prefetch.seed_sleep_ideal_s', ideal, 's, sum of the sleeps / 4');
  report('prefetch.seed_sleep_overshoot_ms', median(overshoots), `ms, how much longer than asked each sleep of a timed pass blocked, measured in the worker (mean per pass, median of ${ROUNDS})`);
  report(
    'prefetch.seed_sleep_floor_s',
    median(floors),
    `s, the best pass those sleeps allow: each element's sleep as long as it blocked, elements in index order to the first free worker (per pass, median of ${ROUNDS})`,
  );
}

export async function run(report: Report): Promise<void> {
  if (!crossOriginIsolated) throw new Error('bench prefetch: the page is not cross-origin isolated');

  const small = await throughput('small', SMALL, false, 2);
  const first = small.seqring.map((r) => r[0]);
  const second = small.seqring.map((r) => r[1]);
  const unit = 'elements/s, Float32Array(256), 2 workers, one full pass after warm-up';
  report('prefetch.small.seqring_per_s', median(first), `${unit}, for await, maxBuffered 16 (median of ${ROUNDS})`);
  report('prefetch.small.comlink_per_s', median(small.comlink), `${unit}, 8 calls in flight, structured clone (median of ${ROUNDS})`);
  report('prefetch.small.seqring_over_comlink', median(first) / median(small.comlink), 'ratio of the medians');
  report('prefetch.small.seqring_epoch2_per_s', median(second), 'elements/s, second full pass over the same prefetch');
  report(
    'prefetch.epoch2_over_epoch1',
    median(small.seqring.map(([a, b]) => b / a)),
    `pass 2 / pass 1 throughput of one prefetch (small case; pass 1 after warm-up), median of ${ROUNDS}`,
  );

  await windowWidth(report);

  const large = await throughput('large', LARGE, true, 1, true);
  const largeUnit = 'elements/s, Float32Array(150528), 2 workers, one full pass after warm-up';
  report('prefetch.large.seqring_per_s', median(large.seqring.map((r) => r[0])), `${largeUnit}, for await, maxBuffered 16 (median of ${ROUNDS})`);
  report('prefetch.large.comlink_transfer_per_s', median(large.comlink), `${largeUnit}, 8 calls in flight, transferred (median of ${ROUNDS})`);
  report('prefetch.large.seqring_over_comlink', median(large.seqring.map((r) => r[0])) / median(large.comlink), 'ratio of the medians');
  report(
    'prefetch.large.seqring_write_per_s',
    median(large.written),
    `${largeUnit}, a writer (writesInto) filling the ring slot, for await, maxBuffered 16 (median of ${ROUNDS}, same rounds)`,
  );
  report('prefetch.large.seqring_write_over_comlink', median(large.written) / median(large.comlink), 'ratio of the medians');

  await restartLatency(report);
  await seedSleep(report);
}
