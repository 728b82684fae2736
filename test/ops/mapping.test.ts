import { test, describe, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { smap, starmap, seterr, EvaluationError, seq, arange, cycle } from '../../src/ops/index.js';

/** The error `f` throws (fails the test if it returns). */
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  return assert.fail('expected an error');
}

describe('smap', () => {
  afterEach(() => void seterr('wrap'));

  test('evaluates nothing until an element is read, then once per read', () => {
    const calls: number[] = [];
    const m = smap((x: number) => (calls.push(x), x * 2), [1, 2, 3]);
    assert.deepEqual(calls, []);
    assert.equal(m.get(1), 4);
    assert.equal(m.get(-1), 6);
    assert.deepEqual(calls, [2, 3]);
  });

  test('passes the aligned elements of several sequences, with the length of the first', () => {
    const m = smap((a: number, b: string, c: boolean) => `${a}${b}${c}`, [1, 2], ['x', 'y', 'z'], cycle([true, false]));
    assert.equal(m.length, 2);
    assert.deepEqual(m.toArray(), ['1xtrue', '2yfalse']);
  });

  test('rejects a missing sequence, a non-function and a shorter sequence', () => {
    assert.throws(() => (smap as (f: unknown) => unknown)((x: number) => x), { name: 'RangeError', message: /smap: at least one sequence/ });
    assert.throws(() => smap(42 as unknown as (x: number) => number, [1]), { name: 'TypeError', message: /smap: f must be a function, got 42/ });
    assert.throws(() => smap((a: number, b: number) => a + b, [1, 2, 3], [1]), { name: 'RangeError', message: /smap: sequence 1 has length 1/ });
    assert.throws(() => smap((x: number) => x, 'abc' as unknown as number[]), { name: 'TypeError', message: /smap: sequence 0/ });
  });

  test('wraps errors of f in an EvaluationError naming the index and the creation site, keeping the cause', () => {
    const boom = new Error('bad pixel');
    const m = smap((x: number) => {
      if (x === 3) throw boom;
      return x;
    }, arange(10));
    assert.equal(m.get(2), 2);
    const error = thrown(() => m.get(3));
    assert.ok(error instanceof EvaluationError);
    assert.equal(error.index, 3);
    assert.equal(error.cause, boom);
    assert.match(error.message, /item 3 in smap/);
    assert.match(error.message, /mapping\.test\.ts/, error.message);
    assert.match(error.message, /bad pixel/);
  });

  test('an error inside a nested smap is reported once, by the innermost map', () => {
    const inner = smap((x: number) => {
      if (x === 4) throw new TypeError('inner');
      return x;
    }, arange(10));
    const outer = smap((x: number) => x + 1, inner.slice(2, 8));
    try {
      outer.get(2);
      assert.fail('should throw');
    } catch (error) {
      assert.ok(error instanceof EvaluationError);
      assert.equal(error.index, 4);
      assert.ok(error.cause instanceof TypeError);
    }
  });

  test("seterr('passthrough') rethrows the user's error unchanged", () => {
    const boom = new RangeError('mine');
    const m = smap(() => {
      throw boom;
    }, [1]);
    assert.equal(seterr('passthrough'), 'passthrough');
    assert.throws(() => m.get(0), (e) => e === boom);
    seterr('wrap');
    assert.throws(() => m.get(0), EvaluationError);
    assert.throws(() => seterr('loud' as 'wrap'), RangeError);
  });

  test('a function returning a promise gives the promise as is', async () => {
    const m = smap(async (x: number) => x + 1, [1, 2]);
    const p = m.get(1);
    assert.ok(p instanceof Promise);
    assert.equal(await p, 3);
  });

  test('is read-only', () => {
    const m = smap((x: number) => x, [1, 2]);
    assert.equal(m.writable, false);
    assert.throws(() => m.set(0, 1), { name: 'TypeError', message: /smap\.set: this sequence is read-only/ });
  });

  test('describes itself as smap(f, ...sequences)', () => {
    const f = (a: number, b: number) => a + b;
    const a = seq([1]);
    const d = smap(f, a, [2]).describe();
    assert.equal(d.op, 'smap');
    assert.equal(d.args[0], f);
    assert.equal(d.args[1], a);
    assert.equal(d.args.length, 3);
  });
});

describe('starmap', () => {
  test('calls f with the elements of each argument list spread', () => {
    const s = starmap((a: number, b: number, c: number) => a * 100 + b * 10 + c, [[1, 2, 3], [4, 5, 6]] as [number, number, number][]);
    assert.deepEqual(s.toArray(), [123, 456]);
  });

  test('accepts typed arrays as argument lists', () => {
    const s = starmap((a: number, b: number) => a - b, [Float64Array.of(5, 3)] as unknown as [number, number][]);
    assert.equal(s.get(0), 2);
  });

  test('rejects a non-function and wraps errors naming starmap', () => {
    assert.throws(() => starmap(null as unknown as (x: number) => number, [[1]] as [number][]), { name: 'TypeError', message: /starmap: f must be a function/ });
    const s = starmap((_x: number) => {
      throw new Error('nope');
    }, [[1]] as [number][]);
    assert.throws(() => s.get(0), (e: unknown) => e instanceof EvaluationError && /item 0 in starmap/.test(e.message));
  });
});
