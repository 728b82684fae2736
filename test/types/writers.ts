/**
 * Compile-only type tests for writers (`writesInto`): a writer is typed as the
 * plain function it also is, through `remoteFunctions` and `prefetch`, and its
 * `out` is the array type over any buffer (it may be a view into shared memory).
 */
import { assert, type IsExact } from 'conditional-type-checks';
import { arange, prefetch, remoteFunctions, smap, type Lease, type PrefetchedSeq, type Seq } from '../../src/index.js';
import { writesInto } from '../../src/worker.js';

const functions = {
  ramp: writesInto(Float32Array, () => 4, (i: number, out) => {
    assert<IsExact<typeof out, Float32Array>>(true);
    assert<IsExact<typeof out.buffer, ArrayBufferLike>>(true);
    out.fill(i);
  }),
  pixels: writesInto(Uint8ClampedArray, (size: { width: number; height: number }) => size.width * size.height * 4, (size, out) => {
    assert<IsExact<typeof size, { width: number; height: number }>>(true);
    out.fill(255);
  }),
  ids: writesInto(BigInt64Array, (n: number) => n, (n, out) => out.fill(BigInt(n))),
};

// The writer is the plain function: argument in, typed array out.
assert<IsExact<typeof functions.ramp, (arg: number) => Float32Array>>(true);
assert<IsExact<typeof functions.pixels, (arg: { width: number; height: number }) => Uint8ClampedArray>>(true);
assert<IsExact<typeof functions.ids, (arg: number) => BigInt64Array>>(true);

// Through remoteFunctions and prefetch: reads are promises of the array.
const fns = remoteFunctions<typeof functions>(() => new Worker('w.js'));
assert<IsExact<ReturnType<typeof fns.ramp>, Float32Array>>(true);
assert<IsExact<Parameters<typeof fns.ramp>, [arg: number]>>(true);
const mapped = smap(fns.ramp, arange(10));
assert<IsExact<typeof mapped, Seq<Float32Array>>>(true);
const p = mapped.prefetch({ workers: 2 });
assert<IsExact<typeof p, PrefetchedSeq<Float32Array>>>(true);
assert<IsExact<typeof p.get, (i: number) => Promise<Float32Array>>>(true);
assert<IsExact<ReturnType<typeof p.lease>, Promise<Lease<Float32Array>>>>(true);
const q = prefetch(smap(fns.pixels, [{ width: 2, height: 2 }]));
assert<IsExact<Awaited<ReturnType<typeof q.get>>, Uint8ClampedArray>>(true);

// Only typed arrays the ring carries; `write` and `length` must agree with the argument.
// @ts-expect-error a DataView is not a typed array
writesInto(DataView, () => 1, () => {});
// @ts-expect-error an Array is not a typed array
writesInto(Array, () => 1, () => {});
// @ts-expect-error write takes the argument length takes
writesInto(Float32Array, (i: number) => i, (s: string, out) => out.fill(s.length));
// @ts-expect-error out is a Float32Array, not a Uint8Array
writesInto(Float32Array, (i: number) => i, (i, out: Uint8Array) => out.fill(i));
// @ts-expect-error length returns a number
writesInto(Float32Array, (i: number) => String(i), (i, out) => out.fill(i));
