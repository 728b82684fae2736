/**
 * SharedStore (src/ring/store.ts): source data in shared memory that a ring
 * can share, allocated without overlapping anything else in that memory, and
 * recognised through another buffer object of the same memory.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Ring } from '../../src/ring/ring.js';
import { SharedStore, sharesMemory } from '../../src/ring/store.js';

const T = { timeout: 10_000 };
const PAGE = 65536;

describe('SharedStore', () => {
  test('alloc hands out zeroed, 16-byte aligned, disjoint arrays in the store memory, growing it as needed', T, () => {
    const store = new SharedStore(1000);
    const a = store.alloc(Uint8Array, 10).fill(1);
    const b = store.alloc(Float32Array, 7).fill(2);
    const c = store.alloc(Uint8Array, 3 * PAGE).fill(3); // past the first page: the store grows
    for (const v of [a, b, c]) {
      assert.ok(v.buffer instanceof SharedArrayBuffer);
      assert.equal(v.byteOffset % 16, 0);
    }
    assert.ok(a.byteOffset + a.byteLength <= b.byteOffset && b.byteOffset + b.byteLength <= c.byteOffset);
    assert.ok(a.every((x) => x === 1) && b.every((x) => x === 2) && c.every((x) => x === 3), 'no allocation overwrote another');
    assert.ok(store.memory.buffer.byteLength >= c.byteOffset + c.byteLength);
    assert.equal(store.bytesUsed, 10 + 28 + 3 * PAGE);
    assert.deepEqual([...store.alloc(Uint8Array, 4)], [0, 0, 0, 0]);
  });

  test('allocations made after a ring was placed in the store never land on the ring', T, () => {
    const store = new SharedStore(100);
    const before = store.alloc(Uint8Array, 100).fill(7);
    const ring = Ring.create({ slotCount: 3, slotBytes: 1000, memory: store.memory });
    assert.ok(ring.at >= before.byteOffset + before.byteLength);
    // More than the store's first page holds, and then some: each must go past the ring.
    const after = [store.alloc(Uint8Array, PAGE).fill(9), store.alloc(Uint8Array, 50).fill(9)];
    for (const v of after) {
      const overlaps = v.byteOffset < ring.dataOffset(2) + 1000 + 16 && v.byteOffset + v.byteLength > ring.at;
      assert.equal(overlaps, false, `allocation at ${v.byteOffset} overlaps the ring at ${ring.at}`);
    }
    assert.deepEqual(ring.damagedGuards(), []);
    assert.ok(before.every((x) => x === 7));
    assert.equal(Ring.attach(ring.location).slotCount, 3, 'a worker attaches at the ring\'s offset');
  });

  test('sharesMemory tells the store memory behind another buffer object, and nothing else', T, () => {
    const store = new SharedStore(64);
    const old = store.memory.buffer;
    store.memory.grow(1); // the memory now gives a new buffer object; `old` still shows the same bytes
    assert.notEqual(store.memory.buffer, old);
    assert.equal(sharesMemory(old, store.memory), true);
    const lookalike = new SharedArrayBuffer(old.byteLength);
    assert.equal(sharesMemory(lookalike, store.memory), false, 'a buffer without the mark');
    const copy = new SharedArrayBuffer(old.byteLength);
    new Uint8Array(copy).set(new Uint8Array(old, 0, 16)); // the mark copied, not shared
    new Uint8Array(old)[0] ^= 0xff; // ...then the store's mark changes under it: only the real one follows
    assert.equal(sharesMemory(copy, store.memory), false);
    assert.equal(sharesMemory(old, store.memory), true);
    const plain = new WebAssembly.Memory({ initial: 1, maximum: 2, shared: true });
    assert.equal(sharesMemory(plain.buffer, plain), false, 'a memory that is not a store has no mark to match');
    assert.equal(sharesMemory(new ArrayBuffer(64), store.memory), false);
  });

  test('bad sizes are RangeErrors; prefetch takes only a SharedStore', T, async () => {
    assert.throws(() => new SharedStore(-1), { name: 'RangeError', message: /bytes must be an integer >= 0/ });
    assert.throws(() => new SharedStore(2 ** 40), { name: 'RangeError', message: /more than a store holds/ });
    const store = new SharedStore(0);
    assert.throws(() => store.alloc(Uint8Array, 1.5), { name: 'RangeError', message: /length must be an integer >= 0/ });
    assert.throws(() => store.alloc(Uint8Array, 2 ** 33), { name: 'RangeError', message: /cannot grow the store/ });
    const { prefetch, seq } = await import('../../src/index.js');
    assert.throws(() => prefetch(seq([1]), { store: {} as never }), { name: 'TypeError', message: /store must be a SharedStore/ });
  });
});
