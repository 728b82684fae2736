/**
 * Compile-only type tests (`npx tsc --noEmit -p test/types/tsconfig.json`):
 * element types follow values through pipelines, fluent and functional.
 * A wrong inference fails to compile.
 */
import { assert, type IsExact } from 'conditional-type-checks';
import {
  Seq,
  seq,
  smap,
  starmap,
  arange,
  gather,
  take,
  cycle,
  interleave,
  repeat,
  uniter,
  switchSeq,
  caseSeq,
  collate,
  concatenate,
  batch,
  unbatch,
  split,
  addCache,
  debug,
  monitorThroughput,
  type ElementOf,
  type GatheredSeq,
  type ThroughputMonitor,
} from '../../src/ops/index.js';

declare const xs: Seq<number>;
declare const names: string[];
declare const pixels: Float32Array;
declare const decode: (x: number) => Float32Array;

// smap: the return type of f; parameters inferred from the sequences.
const decoded = smap(decode, xs);
assert<IsExact<typeof decoded, Seq<Float32Array>>>(true);
const sums = smap((a, b) => `${a}${b.toFixed()}`, names, pixels);
assert<IsExact<typeof sums, Seq<string>>>(true);
const lengths = smap((s) => s.length, names);
assert<IsExact<ElementOf<typeof lengths>, number>>(true);
// @ts-expect-error f's parameter must accept the sequence's elements
smap((s: string) => s, xs);

// starmap: f's parameters from the tuple elements.
declare const pairs: Seq<[number, string]>;
const joined = starmap((n, s) => s.repeat(n), pairs);
assert<IsExact<typeof joined, Seq<string>>>(true);

// batch: arrays of the element type, or collateFn's return type.
const groups = batch(smap(decode, xs), 4);
assert<IsExact<typeof groups, Seq<Float32Array[]>>>(true);
assert<IsExact<ElementOf<typeof groups>, Float32Array[]>>(true);
const stacked = batch(xs, 4, { collateFn: (items) => Float32Array.from(items) });
assert<IsExact<typeof stacked, Seq<Float32Array<ArrayBuffer>>>>(true);
const padded = batch(names, 3, { pad: '', dropLast: false });
assert<IsExact<typeof padded, Seq<string[]>>>(true);
// @ts-expect-error pad must be an element
batch(names, 3, { pad: 0 });
// @ts-expect-error collateFn receives the elements
batch(names, 3, { collateFn: (items: number[]) => items });

// unbatch undoes batch.
const flat = unbatch(groups, 4);
assert<IsExact<typeof flat, Seq<Float32Array>>>(true);
const flatPixels = unbatch(smap(decode, xs), 16);
assert<IsExact<typeof flatPixels, Seq<number>>>(true);

// collate: a tuple of the element types.
const zipped = collate([xs, names]);
assert<IsExact<typeof zipped, Seq<[number, string]>>>(true);

// concatenate / interleave: the union of the element types.
const both = concatenate([xs, seq(names)]);
assert<IsExact<ElementOf<typeof both>, number | string>>(true);
const mixed = interleave(xs, names, [true]);
assert<IsExact<typeof mixed, Seq<number | string | boolean>>>(true);

// Indexing keeps the element type.
const picked = gather(names, [2, 0]);
assert<IsExact<typeof picked, GatheredSeq<string>>>(true);
assert<IsExact<ElementOf<typeof picked>, string>>(true);
assert<IsExact<typeof picked.indexes, ArrayLike<number>>>(true);
assert<IsExact<ElementOf<ReturnType<typeof take<boolean>>>, boolean>>(true);
assert<IsExact<typeof arange, typeof arange>>(true);
assert<IsExact<ReturnType<typeof arange>, Seq<number>>>(true);
assert<IsExact<ReturnType<typeof cycle<string>>, Seq<string>>>(true);
const threes = repeat(3, 10);
assert<IsExact<typeof threes, Seq<number>>>(true);
const lines = uniter(new Set(['a', 'b']));
assert<IsExact<typeof lines, Seq<string>>>(true);
const chosen = switchSeq([true, false], xs, names);
assert<IsExact<typeof chosen, Seq<number | string>>>(true);
const cased = caseSeq([0, 1, 2], xs, names, pixels);
assert<IsExact<typeof cased, Seq<number | string>>>(true);
const parts = split(names, 1);
assert<IsExact<typeof parts, Seq<Seq<string>>>>(true);
parts.get(0).assign(['a']);
// @ts-expect-error a part takes elements of the source
parts.get(0).assign([1]);
assert<IsExact<ReturnType<typeof addCache<number>>, Seq<number>>>(true);
const watched = debug(xs, (i, v) => void (i + v));
assert<IsExact<typeof watched, Seq<number>>>(true);
const monitored = monitorThroughput(names);
assert<IsExact<typeof monitored, ThroughputMonitor<string>>>(true);
assert<IsExact<ReturnType<typeof monitored.throughput>, number>>(true);

// Fluent forms infer the same types.
const fluentGroups = xs.map(decode).batch(4);
assert<IsExact<typeof fluentGroups, Seq<Float32Array[]>>>(true);
const fluentStacked = xs.batch(2, { collateFn: (items) => new Float64Array(items) });
assert<IsExact<typeof fluentStacked, Seq<Float64Array<ArrayBuffer>>>>(true);
const fluentFlat = fluentGroups.unbatch(4);
assert<IsExact<typeof fluentFlat, Seq<Float32Array>>>(true);
const fluentStar = pairs.starmap((n, s) => s.length + n);
assert<IsExact<typeof fluentStar, Seq<number>>>(true);
const fluentCat = xs.concat(names, [true]);
assert<IsExact<typeof fluentCat, Seq<number | string | boolean>>>(true);
const fluentZip = xs.collate(names, pixels);
assert<IsExact<typeof fluentZip, Seq<[number, string, number]>>>(true);
const fluentMix = xs.interleave(names);
assert<IsExact<typeof fluentMix, Seq<number | string>>>(true);
assert<IsExact<ReturnType<typeof xs.gather>, GatheredSeq<number>>>(true);
assert<IsExact<ReturnType<typeof xs.take>, GatheredSeq<number>>>(true);
assert<IsExact<ReturnType<typeof xs.cycle>, Seq<number>>>(true);
assert<IsExact<ReturnType<typeof xs.cache>, Seq<number>>>(true);
assert<IsExact<ReturnType<typeof xs.split>, Seq<Seq<number>>>>(true);
assert<IsExact<ReturnType<typeof xs.debug>, Seq<number>>>(true);
assert<IsExact<ReturnType<typeof xs.monitorThroughput>, ThroughputMonitor<number>>>(true);
const chained = seq(names).map((s) => s.length).gather([0]).cycle(3).cache(2);
assert<IsExact<typeof chained, Seq<number>>>(true);
// @ts-expect-error unbatch needs a sequence of groups
xs.unbatch(2);
// @ts-expect-error starmap needs a sequence of argument lists
xs.starmap((a: number) => a);
