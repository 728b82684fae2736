/**
 * Compile-only type tests for what crosses into workers: prefetched element
 * types, remote functions, and kernels (also after an async step).
 */
import { assert, type IsExact } from 'conditional-type-checks';
import { SharedStore, arange, batch, collate, prefetch, remoteFunctions, seq, smap, type Lease, type PrefetchOptions, type PrefetchedSeq, type Seq, type Settled } from '../../src/index.js';
import { grayscale, hwcToChw, normalize, resizeBilinear, stack, type ImageLike } from '../../src/kernels.js';

declare const images: Seq<ImageLike<Uint8Array>>;
declare const f: (x: number) => Float32Array;

const fns = remoteFunctions<{
  decode: (url: string) => Promise<ImageLike<Uint8ClampedArray>>;
  scale: (x: number, k: number) => number;
}>(() => new Worker('w.js'));

// Remote stand-ins keep the worker functions' types.
assert<IsExact<ReturnType<typeof fns.scale>, number>>(true);
assert<IsExact<ElementOfSeq<ReturnType<typeof smap<[Seq<number>, Seq<number>], number>>>, number>>(true);

type ElementOfSeq<S> = S extends Seq<infer T> ? T : never;

// prefetch resolves promised elements: the reader gets the value.
const decoded = smap(fns.decode, seq(['a.png']));
assert<IsExact<typeof decoded, Seq<Promise<ImageLike<Uint8ClampedArray>>>>>(true);
assert<IsExact<ReturnType<typeof prefetch<Promise<ImageLike<Uint8ClampedArray>>>>, PrefetchedSeq<ImageLike<Uint8ClampedArray>>>>(true);

// Kernels keep pixel types, and pass promises through.
const tensors = smap(normalize({ mean: [0.5], std: [0.5] }), smap(resizeBilinear({ width: 8, height: 8 }), images));
assert<IsExact<typeof tensors, Seq<ImageLike<Float32Array>>>>(true);
const later = smap(normalize({ mean: [0.5], std: [0.5] }), smap(resizeBilinear({ width: 8, height: 8 }), decoded));
assert<IsExact<typeof later, Seq<Promise<ImageLike<Float32Array>>>>>(true);
const p = later.prefetch({ workers: 2 });
assert<IsExact<typeof p, PrefetchedSeq<ImageLike<Float32Array>>>>(true);
// A batch of promised images arrives as a group of images, as does a batch of those after kernels.
assert<IsExact<typeof prefetch<Promise<ImageLike<Uint8ClampedArray>>[]>, (s: Seq<Promise<ImageLike<Uint8ClampedArray>>[]>, o?: PrefetchOptions) => PrefetchedSeq<ImageLike<Uint8ClampedArray>[]>>>(true);
// Settled names what prefetch delivers: promises awaited, one level into an array, tuples kept.
assert<IsExact<Settled<Promise<number>[]>, number[]>>(true);
assert<IsExact<Settled<readonly [Promise<string>, number]>, [string, number]>>(true);
assert<IsExact<Settled<Promise<Promise<number>[]>>, Promise<number>[]>>(true);
const groups = batch(later, 4).prefetch();
assert<IsExact<typeof groups, PrefetchedSeq<ImageLike<Float32Array>[]>>>(true);
// stack keeps the pixel type of a group.
declare const group: ImageLike<Float32Array>[];
assert<IsExact<ReturnType<typeof stack<Float32Array>>, Float32Array>>(true);
const tensor = stack(group);
assert<IsExact<typeof tensor, Float32Array>>(true);
// @ts-expect-error: stack takes images, not arrays
stack([new Float32Array(4)]);

// kernel.into takes an array of the kernel's output type and gives an image of it.
declare const rgb: ImageLike<Uint8Array>;
const intoFloats = normalize({ mean: [0.5], std: [0.5] }).into(rgb, new Float32Array(12));
assert<IsExact<typeof intoFloats, ImageLike<Float32Array>>>(true);
// @ts-expect-error: normalize's output is float32, not uint8
normalize({ mean: [0.5], std: [0.5] }).into(rgb, new Uint8Array(12));
// @ts-expect-error: grayscale's output is uint8, not float32
grayscale().into(rgb, new Float32Array(4));
grayscale().into(rgb, new Uint8ClampedArray(4)); // uint8 output: either uint8 array (an ImageData's, say)
const planes = hwcToChw().into(normalize({ mean: [0.5], std: [0.5], layout: 'hwc' })(rgb), new Float32Array(12));
assert<IsExact<typeof planes, ImageLike<Float32Array>>>(true);
// @ts-expect-error: hwcToChw of float32 gives float32
hwcToChw().into(normalize({ mean: [0.5], std: [0.5], layout: 'hwc' })(rgb), new Uint8Array(12));

// Leases and iteration carry the element type.
const q = prefetch(batch(smap(f, arange(10)), 4));
assert<IsExact<Awaited<ReturnType<typeof q.get>>, Float32Array[]>>(true);
assert<IsExact<Awaited<ReturnType<typeof q.lease>>, Lease<Float32Array[]>>>(true);

// A SharedStore hands out the array type asked for; prefetch takes only a store as `store`.
const store = new SharedStore(1024);
const pixels = store.alloc(Uint8Array, 12);
assert<IsExact<typeof pixels, Uint8Array>>(true);
assert<IsExact<ReturnType<typeof store.alloc<Float32ArrayConstructor>>, Float32Array>>(true);
assert<IsExact<ReturnType<typeof store.alloc<Uint8ClampedArrayConstructor>>, Uint8ClampedArray>>(true);
// @ts-expect-error: a DataView is not an array a store hands out
store.alloc(DataView, 4);
const fromStore = prefetch(smap(normalize({ mean: [0.5], std: [0.5] }), seq([{ data: pixels, width: 2, height: 2 }])), { store });
assert<IsExact<typeof fromStore, PrefetchedSeq<ImageLike<Float32Array>>>>(true);
// @ts-expect-error: a memory is not a store
prefetch(seq([1]), { store: new WebAssembly.Memory({ initial: 1 }) });
// Deeper: a batch of (promised image, label) pairs, and plain objects holding promises, up to four
// levels; objects with nothing pending, typed arrays and images keep their own types.
assert<IsExact<Settled<[Promise<ImageLike<Float32Array>>, number][]>, [ImageLike<Float32Array>, number][]>>(true);
assert<IsExact<Settled<{ image: Promise<ImageLike<Uint8Array>>; label: number }>, { image: ImageLike<Uint8Array>; label: number }>>(true);
assert<IsExact<Settled<ImageLike<Float32Array>[]>, ImageLike<Float32Array>[]>>(true);
assert<IsExact<Settled<{ images: Promise<ImageLike<Float32Array>>[]; id: string }>, { images: ImageLike<Float32Array>[]; id: string }>>(true);
assert<IsExact<Settled<[{ image: Promise<1> }, 2][]>, [{ image: 1 }, 2][]>>(true);
assert<IsExact<Settled<Promise<1>[][][][][]>, Promise<1>[][][][][]>>(true);
assert<IsExact<Settled<Promise<1>[][][][]>, 1[][][][]>>(true);
const labelled = batch(collate([later, arange(10)]), 4).prefetch();
assert<IsExact<typeof labelled, PrefetchedSeq<[ImageLike<Float32Array>, number][]>>>(true);
