/**
 * How values are laid out in a slot (src/ring/codec.ts): typed arrays and
 * trees round-trip through shared memory as views or copies, everything else
 * plans as CLONE, and errors keep what the reader shows.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import vm from 'node:vm';
import {
  Descriptions, KIND_CLONE, KIND_TREE, KIND_TYPED, dtypeCode, encodeError, encodedBytes, plan, read, readText, serializeError, write,
  type Encoding, type TypedArray,
} from '../../src/ring/codec.js';
import { Ring } from '../../src/ring/ring.js';

const T = { timeout: 5_000 };

/** A ring slot to write into: 16-aligned, in shared memory, with canaries around it. */
function slot(bytes = 4096): { ring: Ring; at: number } {
  const ring = Ring.create({ slotCount: 2, slotBytes: bytes });
  return { ring, at: ring.dataOffset(1) };
}

function roundTrip(value: unknown, copy: boolean): { got: unknown; e: Encoding; ring: Ring; at: number } {
  const { ring, at } = slot();
  const e = plan(value);
  assert.ok(encodedBytes(e) <= ring.slotBytes);
  write(e, ring.buffer, at);
  const got = read(ring.buffer, at + e.dataAt, e.kind, e.dtype, e.dataBytes, e.meta?.byteLength ?? 0, copy);
  assert.deepEqual(ring.damagedGuards(), []);
  return { got, e, ring, at };
}

const samples: readonly TypedArray[] = [
  new Int8Array([-128, -1, 0, 1, 127]),
  new Uint8Array([0, 1, 254, 255, 7]),
  new Uint8ClampedArray([0, 128, 255]),
  new Int16Array([-32768, -2, 0, 32767]),
  new Uint16Array([0, 1, 65535]),
  new Int32Array([-(2 ** 31), -1, 0, 2 ** 31 - 1]),
  new Uint32Array([0, 1, 2 ** 32 - 1]),
  new Float32Array([-0, 1.5, Infinity, -Infinity, NaN, 3.4e38]),
  new Float64Array([-0, Math.PI, Number.MAX_VALUE, Number.MIN_VALUE, NaN]),
  new BigInt64Array([-(2n ** 63n), -1n, 0n, 2n ** 63n - 1n]),
  new BigUint64Array([0n, 1n, 2n ** 64n - 1n]),
];

describe('typed arrays (TYPED)', () => {
  for (const a of samples) {
    const name = a.constructor.name;
    test(`${name} round-trips as a view into the slot and as a copy`, T, () => {
      const view = roundTrip(a, false);
      assert.equal(view.e.kind, KIND_TYPED);
      assert.equal(view.e.dtype, dtypeCode(a));
      assert.equal(view.e.dataBytes, a.byteLength);
      assert.equal(view.e.meta, undefined);
      const v = view.got as TypedArray;
      assert.equal(v.constructor, a.constructor);
      assert.deepEqual(v, a);
      assert.equal(v.buffer, view.ring.buffer, 'a view reads the slot in place');
      assert.equal(v.byteOffset, view.at);
      const c = roundTrip(a, true).got as TypedArray;
      assert.equal(c.constructor, a.constructor);
      assert.deepEqual(c, a);
      assert.ok(!(c.buffer instanceof SharedArrayBuffer), 'a copy is the caller\'s own');
    });
  }

  test('a subarray (non-zero byteOffset) carries only its own elements', T, () => {
    const whole = new Float64Array([1, 2, 3, 4, 5]);
    const { got, e } = roundTrip(whole.subarray(1, 4), true);
    assert.equal(e.dataBytes, 24);
    assert.deepEqual(got, new Float64Array([2, 3, 4]));
  });

  test('an empty typed array round-trips', T, () => {
    assert.deepEqual(roundTrip(new Int16Array(0), true).got, new Int16Array(0));
  });

  test('dtype codes are distinct and non-zero for every supported type', T, () => {
    const codes = samples.map(dtypeCode);
    assert.equal(new Set(codes).size, samples.length);
    assert.ok(codes.every((c) => c > 0));
  });
});

describe('trees (TREE)', () => {
  const tree = () => ({
    image: new Float32Array([1, 2, 3]),
    label: 7,
    name: 'cat',
    ok: true,
    parts: [new Uint8Array([1, 2, 3, 4, 5]), -2.5, 'x', false, [new Int16Array([-1, 1]), { deep: new Float64Array([0.1]) }]],
    meta: { bytes: new Uint8Array([9]), big: new BigInt64Array([-5n]), n: 0 },
  });

  for (const copy of [false, true]) {
    test(`nested objects and arrays with typed arrays, numbers, strings and booleans round-trip (${copy ? 'copy' : 'view'})`, T, () => {
      const { got, e, ring } = roundTrip(tree(), copy);
      assert.equal(e.kind, KIND_TREE);
      assert.deepEqual(got, tree());
      const leaf = (got as ReturnType<typeof tree>).parts[0] as Uint8Array;
      if (copy) assert.ok(!(leaf.buffer instanceof SharedArrayBuffer));
      else assert.equal(leaf.buffer, ring.buffer);
    });
  }

  test('every leaf starts 16-byte aligned, in the plan and in memory', T, () => {
    const { got, e } = roundTrip(tree(), false);
    assert.equal(e.leaves.length, 6);
    for (const { offset } of e.leaves) assert.equal(offset % 16, 0, `leaf at ${offset}`);
    const views: TypedArray[] = [];
    const collect = (v: unknown): void => {
      if (ArrayBuffer.isView(v)) views.push(v as TypedArray);
      else if (v && typeof v === 'object') Object.values(v).forEach(collect);
    };
    collect(got);
    assert.equal(views.length, 6);
    for (const v of views) assert.equal(v.byteOffset % 16, 0);
    assert.ok(e.dataBytes >= e.leaves.at(-1)!.offset + e.leaves.at(-1)!.array.byteLength);
  });

  test('an object with a null prototype is a tree too', T, () => {
    const o = Object.assign(Object.create(null) as Record<string, unknown>, { a: new Int32Array([4]) });
    const { got, e } = roundTrip(o, true);
    assert.equal(e.kind, KIND_TREE);
    assert.deepEqual({ ...(got as object) }, { a: new Int32Array([4]) });
  });

  // Tree numbers travel in a JSON description, which has no NaN, ±Infinity or -0.
  test('non-finite numbers and -0 in a tree round-trip', T, () => {
    const { got } = roundTrip({ x: new Float32Array([1]), n: NaN, p: Infinity, m: -Infinity, z: -0 }, true);
    assert.deepEqual(got, { x: new Float32Array([1]), n: NaN, p: Infinity, m: -Infinity, z: -0 });
  });
});

describe('leaves keep their alignment modulo 8 (so V8 copies them a word at a time)', () => {
  /** Views at every byte offset their type allows, 1 to 7 (and 0) bytes into a bigger buffer. */
  function shifted(): TypedArray[] {
    const out: TypedArray[] = [];
    for (const a of samples) {
      const size = a.BYTES_PER_ELEMENT;
      for (let bytes = 0; bytes < 8; bytes += size) {
        const whole = new (a.constructor as { new (n: number): TypedArray })(a.length + 8 / size);
        const view = whole.subarray(bytes / size, bytes / size + a.length);
        view.set(a as never);
        out.push(view);
      }
    }
    return out;
  }

  test('a typed array at any byte offset starts its slot data at that offset modulo 8, and round-trips', T, () => {
    const views = shifted();
    assert.ok(views.some((v) => v.byteOffset % 8 === 7) && views.some((v) => v.byteOffset % 8 === 4), 'odd and half-word offsets are covered');
    for (const v of views) {
      const { got, e, at } = roundTrip(v, false);
      const label = `${v.constructor.name} at byte ${v.byteOffset}`;
      assert.equal(e.kind, KIND_TYPED, label);
      assert.equal(e.dataAt, v.byteOffset % 8, label);
      assert.equal(encodedBytes(e), e.dataAt + v.byteLength, label);
      assert.equal((got as TypedArray).byteOffset, at + (v.byteOffset % 8), label);
      assert.deepEqual(got, v, label);
      assert.deepEqual(roundTrip(v, true).got, v, `${label}, copied`);
    }
  });

  test('each leaf of a tree sits at its own offset modulo 8 in the slot, and the tree round-trips', T, () => {
    const bytes = new Uint8Array(64).map((_, k) => k * 7);
    const floats = new Float32Array(16).map((_, k) => k / 3);
    const value = { a: bytes.subarray(3, 40), b: floats.subarray(1, 9), c: new Float64Array([Math.E]), d: [bytes.subarray(5, 6), new Int16Array(8).subarray(3)] };
    const { got, e, ring } = roundTrip(value, false);
    assert.equal(e.kind, KIND_TREE);
    assert.deepEqual(got, value);
    const leaves = [(got as typeof value).a, (got as typeof value).b, (got as typeof value).c, ...(got as typeof value).d];
    const sources = [value.a, value.b, value.c, ...value.d];
    leaves.forEach((leaf, k) => {
      assert.equal(leaf.buffer, ring.buffer, `leaf ${k} is a view into the slot`);
      assert.equal(leaf.byteOffset % 8, sources[k]!.byteOffset % 8, `leaf ${k}`);
    });
    for (let k = 1; k < e.leaves.length; k++) {
      assert.ok(e.leaves[k]!.offset >= e.leaves[k - 1]!.offset + e.leaves[k - 1]!.array.byteLength, `leaf ${k} does not overlap the one before`);
    }
  });

  test('a slot that held a shifted array, then an aligned one, reads the aligned one right (the shift is per element)', T, () => {
    const ring = Ring.create({ slotCount: 1, slotBytes: 256 });
    const odd = new Uint8Array(64).map((_, k) => k).subarray(5, 37);
    const even = new Uint8Array(32).map((_, k) => 200 - k);
    for (const v of [odd, even, odd]) {
      ring.writeEncoded(0, plan(v));
      assert.deepEqual(ring.readEncoded(0, true), new Uint8Array(v));
    }
    assert.deepEqual(ring.damagedGuards(), []);
  });
});

describe('plain data travels as a description alone', () => {
  for (const [name, v] of [
    ['a number', 3],
    ['a negative zero', -0],
    ['a string', 'abc'],
    ['a boolean', true],
    ['an array of numbers', [1, 2, 3]],
    ['a plain object without typed arrays', { a: 1, b: 'x', c: [false, NaN] }],
  ] as [string, unknown][]) {
    test(`${name} plans as a TREE with no leaves and round-trips`, T, () => {
      const { got, e } = roundTrip(v, false);
      assert.equal(e.kind, KIND_TREE);
      assert.equal(e.leaves.length, 0);
      assert.equal(e.dataBytes, 0);
      assert.deepEqual(got, v);
    });
  }
});

describe('everything else plans as CLONE', () => {
  class Point {
    constructor(readonly x = new Float32Array(2)) {}
  }
  const values: [string, unknown][] = [
    ['a Map', new Map([['a', new Float32Array(2)]])],
    ['a Set', new Set([new Uint8Array(1)])],
    ['a class instance', new Point()],
    ['a Date', new Date(0)],
    ['a tree holding a Map', { a: new Float32Array(2), m: new Map() }],
    ['a tree holding a class instance', [new Float32Array(2), new Point()]],
    ['a tree holding null', { a: new Float32Array(2), n: null }],
    ['a tree holding undefined', { a: new Float32Array(2), u: undefined }],
    ['a tree holding a function', { a: new Float32Array(2), f: () => 1 }],
    ['a tree holding a DataView', { a: new Float32Array(2), d: new DataView(new ArrayBuffer(4)) }],
    ['a DataView', new DataView(new ArrayBuffer(8))],
    ['null', null],
    ['undefined', undefined],
    ['a tree nested deeper than 32', Array.from({ length: 40 }).reduce<unknown>((inner) => [inner], new Uint8Array(1))],
  ];
  for (const [name, v] of values) {
    test(`${name} plans as CLONE, with nothing to write`, T, () => {
      const e = plan(v);
      assert.equal(e.kind, KIND_CLONE);
      assert.equal(encodedBytes(e), 0);
      assert.deepEqual(e.leaves, []);
    });
  }

  test('reading a CLONE slot is refused', T, () => {
    const { ring, at } = slot();
    assert.throws(() => read(ring.buffer, at, KIND_CLONE, 0, 0, 0, false), /read of a slot of kind 3/);
  });

  // A subclass (a user's class, Node's Buffer) must not make the element fail: it travels as its base type.
  test('a typed array subclass travels as its base type', T, () => {
    class Image extends Float32Array {}
    const { ring, at } = slot();
    for (const [v, base] of [[new Image([1, 2]), Float32Array], [Buffer.from([1, 2]), Uint8Array]] as const) {
      const e = plan(v);
      assert.equal(e.kind, KIND_TYPED);
      write(e, ring.buffer, at);
      const got = read(ring.buffer, at, e.kind, e.dtype, e.dataBytes, 0, true);
      assert.ok(got instanceof base);
      assert.deepEqual(Array.from(got as ArrayLike<number>), [1, 2]);
    }
    assert.equal(plan({ a: new Image(2) }).kind, KIND_TREE);
  });

  test('typed arrays of another realm (a vm context\'s, as an iframe\'s would be) travel by their type, alone and in trees', T, () => {
    const foreign = vm.runInNewContext('({ f: new Float32Array([1.5, -2, 3]), b: new BigInt64Array([-7n]), view: new DataView(new ArrayBuffer(4)) })') as {
      f: Float32Array; b: BigInt64Array; view: DataView;
    };
    assert.ok(!(foreign.f instanceof Float32Array), 'the array is of another realm');
    const alone = roundTrip(foreign.f, true);
    assert.equal(alone.e.kind, KIND_TYPED);
    assert.equal(alone.e.dtype, dtypeCode(new Float32Array(0)));
    assert.deepEqual(alone.got, new Float32Array([1.5, -2, 3]));
    const tree = roundTrip({ f: foreign.f, b: foreign.b }, true);
    assert.equal(tree.e.kind, KIND_TREE);
    assert.deepEqual(tree.got, { f: new Float32Array([1.5, -2, 3]), b: new BigInt64Array([-7n]) });
    assert.equal(plan(foreign.view).kind, KIND_CLONE, 'a DataView of another realm is no typed array: structured clone');
    assert.equal(plan({ v: foreign.view }).kind, KIND_CLONE);
  });

  test('a key named __proto__ in a tree stays a key', T, () => {
    const v = JSON.parse('{"__proto__": 5}') as Record<string, unknown>;
    v.a = new Uint8Array([1]);
    const { got } = roundTrip(v, true);
    assert.deepEqual(Object.keys(got as object).sort(), ['__proto__', 'a']);
    assert.equal(Object.getOwnPropertyDescriptor(got, '__proto__')?.value, 5);
  });

  test('one description is parsed once for elements that share it, and anew when its bytes change', T, (t) => {
    const { ring, at } = slot();
    const descriptions = new Descriptions();
    const parse = t.mock.method(JSON, 'parse');
    const readBack = (value: unknown) => {
      const e = plan(value);
      write(e, ring.buffer, at);
      return read(ring.buffer, at, e.kind, e.dtype, e.dataBytes, e.meta!.byteLength, false, descriptions) as {
        data: Uint8Array; width: number;
      };
    };
    const views: Uint8Array[] = [];
    for (let i = 0; i < 5; i++) {
      const got = readBack({ data: new Uint8Array([i, i + 1]), width: 7 });
      assert.deepEqual([...got.data], [i, i + 1]);
      assert.equal(got.width, 7);
      views.push(got.data);
    }
    assert.equal(parse.mock.callCount(), 1, 'five elements with one description: parsed once');
    assert.notEqual(views[0], views[1], 'each element still gets views of its own');
    // Same length, one byte different: must not be mistaken for the cached one.
    const changed = readBack({ data: new Uint8Array([9, 9]), width: 8 });
    assert.equal(changed.width, 8);
    assert.equal(parse.mock.callCount(), 2);
    const again = readBack({ data: new Uint8Array([1, 1]), width: 7 });
    assert.equal(again.width, 7);
    assert.equal(parse.mock.callCount(), 3);
  });

  test('a description past the end of the buffer last read (the memory grew) is read from the new buffer', T, () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 4, shared: true });
    const descriptions = new Descriptions();
    const readAt = (at: number, width: number) => {
      const e = plan({ data: new Uint8Array([1, 2]), width });
      write(e, memory.buffer, at);
      return (read(memory.buffer, at, e.kind, e.dtype, e.dataBytes, e.meta!.byteLength, false, descriptions) as { width: number }).width;
    };
    assert.equal(readAt(0, 7), 7);
    memory.grow(1); // a new buffer object, longer than the one read before
    assert.equal(readAt(65536 + 256, 8), 8, 'a different description, in the new pages');
    assert.equal(readAt(65536 + 512, 8), 8, 'the same description again, in the new pages');
  });
});

describe('write', () => {
  test('a leaf already in place in the slot is not copied; others are', T, (t) => {
    const { ring, at } = slot();
    const inPlace = new Float32Array(ring.buffer, at, 4);
    inPlace.set([1, 2, 3, 4]);
    const set = t.mock.method(Uint8Array.prototype, 'set');
    write(plan(inPlace), ring.buffer, at);
    assert.equal(set.mock.callCount(), 0, 'TYPED in place: no copy at all');

    const e = plan({ a: inPlace, b: new Uint8Array([5, 6]) });
    assert.equal(e.leaves[0]!.offset, 0);
    write(e, ring.buffer, at);
    assert.equal(set.mock.callCount(), 2, 'one copy for the other leaf, one for the description');
    const copied = set.mock.calls.map((c) => (c.arguments[0] as Uint8Array).byteLength);
    assert.deepEqual(copied, [2, e.meta!.byteLength]);
    t.mock.restoreAll();
    assert.deepEqual(read(ring.buffer, at, e.kind, e.dtype, e.dataBytes, e.meta!.byteLength, true), {
      a: new Float32Array([1, 2, 3, 4]), b: new Uint8Array([5, 6]),
    });
  });

  test('a leaf of the same buffer at another place is copied', T, () => {
    const { ring, at } = slot();
    const elsewhere = new Int32Array(ring.buffer, ring.dataOffset(0), 2);
    elsewhere.set([11, 12]);
    write(plan(elsewhere), ring.buffer, at);
    assert.deepEqual(new Int32Array(ring.buffer, at, 2), new Int32Array([11, 12]));
  });

  test('write stays inside the bytes the plan announced', T, () => {
    const ring = Ring.create({ slotCount: 2, slotBytes: 128 });
    const e = plan({ a: new Uint8Array(3), b: new Uint8Array(3) });
    assert.equal(e.leaves[1]!.offset, 16, 'b starts at the next 16-byte boundary');
    assert.ok(encodedBytes(e) <= 128, `fits: ${encodedBytes(e)}`);
    new Uint8Array(ring.buffer, ring.dataOffset(0), 128).fill(0xee);
    write(e, ring.buffer, ring.dataOffset(0));
    assert.deepEqual(ring.damagedGuards(), []);
    const after = new Uint8Array(ring.buffer, ring.dataOffset(0) + encodedBytes(e), 128 - encodedBytes(e));
    assert.ok(after.every((b) => b === 0xee), 'nothing written past encodedBytes');
  });
});

describe('errors', () => {
  class ParseError extends Error {
    override name = 'ParseError';
  }

  test('serializeError keeps name, message, stack, index and the cause chain', T, () => {
    const root = new TypeError('root cause');
    const mid = new ParseError('mid', { cause: root });
    const top = new RangeError('top', { cause: mid });
    (top as { index?: number }).index = 12;
    const s = serializeError(top);
    assert.equal(s.name, 'RangeError');
    assert.equal(s.message, 'top');
    assert.equal(s.stack, top.stack);
    assert.equal(s.index, 12);
    assert.equal(s.cause?.name, 'ParseError');
    assert.equal(s.cause?.message, 'mid');
    assert.equal(s.cause?.stack, mid.stack);
    assert.equal(s.cause?.index, undefined);
    assert.equal(s.cause?.cause?.name, 'TypeError');
    assert.equal(s.cause?.cause?.message, 'root cause');
    assert.equal(s.cause?.cause?.cause, undefined);
  });

  test('values thrown that are not Errors become an Error with their text, also as causes', T, () => {
    assert.deepEqual(serializeError('boom'), { name: 'Error', message: 'boom' });
    assert.deepEqual(serializeError(42), { name: 'Error', message: '42' });
    const s = serializeError(new Error('outer', { cause: 'inner' }));
    assert.deepEqual(s.cause, { name: 'Error', message: 'inner' });
  });

  test('a non-numeric index is left out', T, () => {
    const e = Object.assign(new Error('x'), { index: '3' });
    assert.equal('index' in serializeError(e), false);
  });

  test('a cause chain is cut after a few levels (cycles end)', T, () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b; // a cycle
    let s = serializeError(a);
    let depth = 0;
    while (s.cause) {
      s = s.cause;
      depth++;
    }
    assert.equal(depth, 4);
  });

  test('encodeError text in shared memory reads back as the same error', T, () => {
    const { ring, at } = slot();
    const e = serializeError(Object.assign(new RangeError('bad ü ∑'), { index: 3 }));
    const text = encodeError(e);
    new Uint8Array(ring.buffer).set(text, at);
    assert.deepEqual(JSON.parse(readText(ring.buffer, at, text.byteLength)), e);
  });
});
