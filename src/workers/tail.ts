/**
 * Slot tails: when a pipeline ends in a step that can write its output into
 * memory it is handed, the worker lets it write straight into the claimed
 * ring slot: no fresh output, no copy into the slot. Two shapes of pipeline
 * end so:
 *
 * - `smap(f, source)` where `f` is a WebAssembly kernel or a `writesInto`
 *   writer: the element is `f`'s output;
 * - `batch(smap(kernel, source), k)` without `collateFn`: each image of the
 *   group is written by the kernel where the slot's tree puts it (codec.ts:
 *   leaves in order, each 16-byte aligned), so a batch of images reaches the
 *   reader as views of the slot, as a single image does.
 *
 * Whatever does not fit the slot is computed into fresh memory and returned,
 * for the ordinary path to send by message. Errors are wrapped as smap's own
 * `at` wraps them, at the image's own index, so an element fails the same way
 * whether or not its last step took this path.
 */
import { batchGroups, type Plan, type PlanNode } from '../plan/plan.js';
import { wrapError } from '../seq/errors.js';
import { Seq } from '../seq/seq.js';
import type { KernelRuntime } from '../kernels/runtime.js';
import type { ImageLike, KernelPlan } from '../kernels/types.js';
import { alignUp } from '../ring/layout.js';
import type { Ring } from '../ring/ring.js';
import { READY, type Claim } from '../ring/slots.js';
import { KIND_TREE, KIND_TYPED, encodedBytes, plan as planEncoding, type Encoding } from '../ring/codec.js';
import { settling } from '../prefetch/settle.js';
import { fill, outputLength, writerOf } from './writer.js';

/** What a tail returns once the element is published in its slot. */
export const PUBLISHED: unique symbol = Symbol('published');

/** Bytes a kernel keeps free after its output for the image description (width, height, layout…). */
const DESCRIPTION_RESERVE = 256;

export interface SlotTail {
  /**
   * Evaluates element `claim.index` into `claim`'s slot and publishes it
   * (PUBLISHED), or returns the element for the ordinary path to send, or
   * (after an async step) a promise of either. Throws what the ordinary path
   * would throw.
   */
  readonly write: (ring: Ring, claim: Claim) => unknown;
}

/**
 * The slot tail of a rebuilt pipeline, if its root can take one. `nodes` are
 * the rebuilt sequences by plan node (the tail reads the very source the
 * pipeline reads, so caches in it are shared); `functions` the exposed ones.
 */
export function slotTail(
  plan: Plan,
  nodes: readonly Seq<unknown>[],
  functions: Readonly<Record<string, unknown>>,
  kernels: KernelRuntime | undefined,
): SlotTail | undefined {
  const root = plan.nodes[plan.root]!;
  const mapped = kernelMapping(root);
  if (mapped && kernels) return mappedTail(root, nodes[mapped.source]!, kernelWrite(mapped.call, kernels));
  const batched = batchOf(root, plan);
  if (batched && kernels) return batchTail(batched, nodes[plan.root]!, nodes[batched.source]!, kernels);
  const [f, src] = root.args;
  if (root.op !== 'smap' || root.args.length !== 2 || src!.t !== 'seq' || f!.t !== 'fn') return undefined;
  const writer = writerOf(functions[f.name]);
  return writer && mappedTail(root, nodes[src.id]!, writerWrite(f.name, writer));
}

/** `smap(kernel, source)`: the kernel call and the source's node, or undefined. */
function kernelMapping(node: PlanNode): { call: KernelPlan; source: number; site: string } | undefined {
  const [f, src] = node.args;
  if (node.op !== 'smap' || node.args.length !== 2 || f!.t !== 'kernel' || src!.t !== 'seq') return undefined;
  return { call: f.call as unknown as KernelPlan, source: src.id, site: node.site };
}

/** `batch(smap(kernel, source), k, { dropLast?, pad? })` (no collateFn), or undefined. */
function batchOf(node: PlanNode, plan: Plan): { call: KernelPlan; source: number; site: string; k: number; padded: boolean } | undefined {
  const groups = batchGroups(node);
  const mapped = groups && kernelMapping(plan.nodes[groups.source]!);
  return mapped && { ...mapped, k: groups.k, padded: groups.padded };
}

/** Reads `source[i]` as smap's `at` does: its errors wrapped at `i`, in the smap made at `site`. */
function readInput(source: Seq<unknown>, i: number, site: string): unknown {
  try {
    return Seq.read(source, i);
  } catch (error) {
    throw wrapError(error, i, 'smap', site);
  }
}

/** Writes the element made from `input` into `claim`'s slot and publishes it, or returns it when it does not fit. */
type WriteInput = (ring: Ring, claim: Claim, input: unknown) => unknown;

/**
 * The tail of `smap(f, source)`: reads the input as smap does and hands it
 * to `write`. After an async step, it writes once the input settles (only
 * then a promise per element), and a rejection passes unwrapped, as smap's
 * own promise-returning call leaves it.
 */
function mappedTail(root: PlanNode, source: Seq<unknown>, write: WriteInput): SlotTail {
  return {
    write: (ring, claim) => {
      const input = readInput(source, claim.index, root.site);
      if (input instanceof Promise) return input.then((ready: unknown) => write(ring, claim, ready));
      try {
        return write(ring, claim, input);
      } catch (error) {
        throw wrapError(error, claim.index, 'smap', root.site);
      }
    },
  };
}

/** A kernel writes its output at the slot's start, its description after it. */
function kernelWrite(call: KernelPlan, kernels: KernelRuntime): WriteInput {
  const describe = outputDescriptions();
  return (ring, claim, input) => {
    const image = kernels.runInto(call, input as ImageLike, ring.dataOffset(claim.slot), ring.slotBytes - DESCRIPTION_RESERVE);
    if (!image) return kernels.run(call, input as ImageLike);
    const e = describe(image); // the data leaf is already in place: writing it again is skipped
    if (encodedBytes(e) > ring.slotBytes) return image; // the description does not fit after all
    ring.writeEncoded(claim.slot, e);
    ring.slots.finish(claim, READY);
    return PUBLISHED;
  };
}

/** A `writesInto` writer fills a typed array over the slot's data. */
function writerWrite(name: string, writer: NonNullable<ReturnType<typeof writerOf>>): WriteInput {
  const size = writer.type.BYTES_PER_ELEMENT;
  return (ring, claim, input) => {
    const length = outputLength(writer, input, name); // errors name the function as the worker module exposes it
    const at = ring.dataOffset(claim.slot);
    // A bare typed array has no description after it, so no reserve. Slot data is 16-byte
    // aligned: the alignment test only guards against a layout change.
    if (length * size > ring.slotBytes || at % size !== 0) {
      const out = new writer.type(length);
      fill(writer, input, out, name);
      return out;
    }
    // The view is the one allocation of this path: the writer needs an object to write through.
    fill(writer, input, new writer.type(ring.buffer, at, length), name);
    ring.setLayout(claim.slot, KIND_TYPED, writer.dtype, length * size, 0);
    ring.slots.finish(claim, READY);
    return PUBLISHED;
  };
}

/**
 * `batch(smap(kernel, source), k)`: the group's images are read first, then
 * each is written by the kernel right after the one before (16-byte
 * aligned, as codec.ts lays out a tree's leaves), and the group's
 * description goes after them. After an async step (a decode), the group is
 * written once its images settle, as the ordinary path delivers such a
 * group (settle.ts). A padded last group goes the ordinary way (its padding
 * is the user's value, copied), and a group too big for the slot comes back
 * in fresh memory.
 */
function batchTail(
  b: { call: KernelPlan; site: string; k: number; padded: boolean },
  groups: Seq<unknown>,
  source: Seq<unknown>,
  kernels: KernelRuntime,
): SlotTail {
  const { call, site, k } = b;
  // Errors are wrapped at the image's index where smap's `at` wraps them: for inputs that were
  // there at once, not for those that came through a promise (smap leaves a rejection as it is).
  const failed = (error: unknown, j: number, wrap: boolean): unknown => (wrap ? wrapError(error, j, 'smap', site) : error);
  /** An image of the slot, copied out of it (the slot is reused once the group is sent). */
  const copiedOut = (image: ImageLike): ImageLike => ({ ...image, data: image.data.slice() });
  /** The ordinary image `j`: the kernel's output in fresh memory. */
  const fresh = (j: number, input: ImageLike, wrap: boolean): ImageLike => {
    try {
      return kernels.run(call, input);
    } catch (error) {
      throw failed(error, j, wrap);
    }
  };
  const describe = outputDescriptions();
  const writeGroup = (ring: Ring, claim: Claim, start: number, inputs: readonly ImageLike[], wrap: boolean): unknown => {
    const base = ring.dataOffset(claim.slot);
    const images = new Array<ImageLike>(inputs.length);
    let at = 0;
    for (let q = 0; q < inputs.length; q++) {
      at = alignUp(at);
      let image: ImageLike | undefined;
      try {
        // Only the images' data must fit before they are computed (a description that does not
        // fit after them is found below): a reserve per image, as a single image keeps, made
        // groups of small images, or a slot of exactly their size, never fit.
        image = kernels.runInto(call, inputs[q]!, base + at, ring.slotBytes - at);
      } catch (error) {
        throw failed(error, start + q, wrap);
      }
      // Too big for the slot: the images in it are copied out, the rest made fresh.
      if (!image) return inputs.map((x, p) => (p < q ? copiedOut(images[p]!) : fresh(start + p, x, wrap)));
      images[q] = image;
      at += image.data.byteLength;
    }
    const e = describe(images); // the leaves are in place already: writing them again is skipped
    if (encodedBytes(e) > ring.slotBytes) return images.map(copiedOut);
    ring.writeEncoded(claim.slot, e);
    ring.slots.finish(claim, READY);
    return PUBLISHED;
  };
  return {
    write: (ring, claim) => {
      const start = claim.index * k;
      const stop = Math.min(start + k, source.length);
      if (b.padded && stop - start < k) return settling(Seq.read(groups, claim.index));
      const inputs = new Array<unknown>(stop - start);
      let pending = false;
      for (let j = start; j < stop; j++) {
        const input = readInput(source, j, site);
        if (input instanceof Promise) pending = true;
        inputs[j - start] = input;
      }
      if (!pending) return writeGroup(ring, claim, start, inputs as ImageLike[], true);
      // The images here already are checked now: a bad one fails the group at once, as in the
      // ordinary path, where the kernel runs on them while the group is read.
      inputs.forEach((x, q) => {
        if (x instanceof Promise) return;
        try {
          kernels.outputOf(call, x as ImageLike);
        } catch (error) {
          throw failed(error, start + q, true);
        }
      });
      return Promise.all(inputs).then((ready) => writeGroup(ring, claim, start, ready as ImageLike[], false));
    },
  };
}

/**
 * The slot encoding of each kernel output, or group of them. A pipeline's
 * outputs mostly share one shape, and so one description (codec.ts): it is
 * made when the shapes change, not per element: making it (a walk, JSON
 * text, its bytes) cost a worker 10–15 µs per 224×224 image in Chromium
 * here, a tenth of the image's time. Kernel outputs are all made by one
 * object literal in runtime.ts, so the same shapes give the same description.
 */
function outputDescriptions(): (value: ImageLike | readonly ImageLike[]) => Encoding {
  let last: { value: ImageLike | readonly ImageLike[]; encoding: Encoding } | undefined;
  return (value) => {
    if (last && sameShapes(value, last.value)) {
      const offsets = last.encoding.leaves;
      const leaves = Array.isArray(value)
        ? value.map((image: ImageLike, q) => ({ array: image.data, offset: offsets[q]!.offset }))
        : [{ array: (value as ImageLike).data, offset: offsets[0]!.offset }];
      return { ...last.encoding, leaves };
    }
    const encoding = planEncoding(value);
    // Only a tree with one leaf per image can be reused this way (kernels make nothing else).
    const images = Array.isArray(value) ? value.length : 1;
    last = encoding.kind === KIND_TREE && encoding.leaves.length === images ? { value, encoding } : undefined;
    return encoding;
  };
}

/** Whether `a` and `b` are both one image, or groups of as many, of the same shapes and pixel types. */
function sameShapes(a: ImageLike | readonly ImageLike[], b: ImageLike | readonly ImageLike[]): boolean {
  if (!Array.isArray(a) || !Array.isArray(b)) return !Array.isArray(a) && !Array.isArray(b) && sameShape(a as ImageLike, b as ImageLike);
  return a.length === b.length && a.every((image: ImageLike, q) => sameShape(image, b[q]!));
}

function sameShape(a: ImageLike, b: ImageLike): boolean {
  return a.data.constructor === b.data.constructor && a.data.length === b.data.length && a.width === b.width &&
    a.height === b.height && a.channels === b.channels && a.layout === b.layout;
}
