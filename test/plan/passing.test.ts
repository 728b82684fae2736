/**
 * Which kernel outputs reach the element untouched (src/plan/passing.ts):
 * those a worker may leave uncomputed until the kernel writes them into the
 * ring slot. Plans are made from real pipelines, as prefetch makes them.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { addCache, arange, batch, caseSeq, collate, concatenate, cycle, debug, gather, interleave, seq, smap, switchSeq, unbatch, type Seq } from '../../src/index.js';
import { normalize, resizeBilinear } from '../../src/kernels.js';
import { toPlan } from '../../src/plan/plan.js';
import { kernelsWrittenLate } from '../../src/plan/passing.js';
import { fixtureFunctions } from '../helpers/workers.js';

const images = seq([{ data: new Uint8Array(12), width: 2, height: 2, channels: 3 }]);
const labels = seq([7]);

/** The ops of the kernel steps written late in `pipeline`'s plan, as `op(kernel)` in plan order. */
function late(pipeline: Seq<unknown>): string[] {
  const { plan } = toPlan(pipeline);
  return [...kernelsWrittenLate(plan)].sort((a, b) => a - b).map((id) => {
    const f = plan.nodes[id]!.args[0]!;
    return `${plan.nodes[id]!.op}(${f.t === 'kernel' ? f.call.kernel : f.t})`;
  });
}

describe('kernel outputs written late', () => {
  const toModel = normalize({ mean: 0.5, std: 0.25 });
  const resize = resizeBilinear({ width: 2, height: 2 });

  test('a kernel output that is the element, or is in it through collate, batch, concatenate, gather, cycle, interleave, switchSeq, caseSeq, unbatch or a slice', () => {
    const mapped = smap(toModel, images);
    assert.deepEqual(late(mapped), ['smap(normalize)']);
    assert.deepEqual(late(collate([mapped, labels])), ['smap(normalize)']);
    assert.deepEqual(late(batch(collate([mapped, labels]), 4)), ['smap(normalize)']);
    assert.deepEqual(late(batch(mapped, 4, { pad: { data: new Float32Array(12), width: 2, height: 2 } })), ['smap(normalize)']);
    assert.deepEqual(late(unbatch(batch(mapped, 4), 4, 1)), ['smap(normalize)']);
    assert.deepEqual(late(concatenate([mapped, smap(resize, images)])), ['smap(normalize)', 'smap(resizeBilinear)']);
    assert.deepEqual(late(gather(mapped, [0, 0])), ['smap(normalize)']);
    assert.deepEqual(late(cycle(mapped, 3)), ['smap(normalize)']);
    assert.deepEqual(late(interleave(labels, mapped)), ['smap(normalize)']);
    assert.deepEqual(late(switchSeq(seq([true]), mapped, smap(resize, images))), ['smap(normalize)', 'smap(resizeBilinear)']);
    assert.deepEqual(late(caseSeq(seq([0]), mapped)), ['smap(normalize)']);
    assert.deepEqual(late(mapped.slice(0, 1)), ['smap(normalize)']);
  });

  test('a kernel output something looks at on the way is computed as usual: a second kernel, a user function, a collateFn, debug, or a cache', () => {
    const { fns } = fixtureFunctions();
    const mapped = smap(toModel, images);
    assert.deepEqual(late(smap(toModel, smap(resize, images))), ['smap(normalize)'], 'only the last of a chain');
    assert.deepEqual(late(smap(fns.addOne as never, mapped)), []);
    assert.deepEqual(late(batch(mapped, 2, { collateFn: fns.addOne as never })), []);
    assert.deepEqual(late(debug(mapped, fns.addOne as never)), []);
    assert.deepEqual(late(addCache(mapped)), [], 'a cache keeps outputs computed');
    assert.deepEqual(late(collate([addCache(mapped), labels])), []);
  });

  test('a kernel output read both untouched and by a function is computed as usual, and so is a selector', () => {
    const { fns } = fixtureFunctions();
    const mapped = smap(toModel, images);
    assert.deepEqual(late(collate([mapped, smap(fns.addOne as never, mapped)])), []);
    assert.deepEqual(late(collate([mapped, batch(smap(fns.addOne as never, batch(mapped, 1)), 1)])), []);
    // Kernel outputs as a selector would be read (and fail there), so they are computed.
    const asSelector = smap(toModel, images) as unknown as Seq<boolean>;
    assert.deepEqual(late(switchSeq(asSelector, labels, labels)), []);
    assert.deepEqual(late(caseSeq(asSelector as unknown as Seq<number>, labels)), []);
    assert.deepEqual(late(collate([arange(1), labels])), []);
  });
});
