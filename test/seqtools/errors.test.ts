/** SeqTools' error reporting (errors.py, test_mapping): wrapped with the site, or passed through. */
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { smap, seterr, EvaluationError, collate, batch } from '../../src/ops/index.js';

class CustomError extends Error {}

afterEach(() => void seterr('wrap'));

test('an error deep in a pipeline surfaces as an EvaluationError of the failing map, with the cause', () => {
  const data = Array.from({ length: 10 }, (_, i) => i);
  const decode = smap((x: number) => {
    if (x === 7) throw new CustomError('corrupt item');
    return x;
  }, data);
  const pipeline = batch(collate([decode, data]), 4);
  assert.deepEqual(pipeline.get(0), [[0, 0], [1, 1], [2, 2], [3, 3]]);
  try {
    pipeline.get(1);
    assert.fail('should throw');
  } catch (error) {
    assert.ok(error instanceof EvaluationError);
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'EvaluationError');
    assert.equal(error.index, 7);
    assert.ok(error.cause instanceof CustomError);
    assert.match(error.message, /Failed to evaluate item 7 in smap created at:/);
    assert.match(error.message, /errors\.test\.ts/);
    assert.match(error.message, /CustomError|corrupt item/);
  }
});

test("passthrough mode throws the user's own error", () => {
  const m = smap(() => {
    throw new CustomError('raw');
  }, [1]);
  seterr('passthrough');
  assert.throws(() => m.get(0), CustomError);
  assert.equal(seterr(), 'passthrough');
});

test('non-Error throwables are wrapped too', () => {
  const m = smap(() => {
    throw 'a string';
  }, [1]);
  assert.throws(() => m.get(0), (e: unknown) => e instanceof EvaluationError && e.cause === 'a string' && /a string/.test(e.message));
});
