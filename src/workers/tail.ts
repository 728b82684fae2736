/**
 * The slot tail: when a pipeline's last step is `smap(f, source)` and `f`
 * can write its output into memory it is handed (a WebAssembly kernel, or a
 * `writesInto` writer), the worker evaluates `source` and lets `f` write
 * straight into the claimed ring slot: no fresh output, no copy into the slot.
 * An output too big for the slot is computed once into fresh memory and
 * returned, for the ordinary path to send by message.
 *
 * Errors are wrapped as smap's own `at` wraps them, so an element fails the
 * same way whether or not its last step took this path.
 */
import type { Plan } from '../plan/plan.js';
import { wrapError } from '../seq/errors.js';
import { Seq } from '../seq/seq.js';
import type { KernelRuntime } from '../kernels/runtime.js';
import type { ImageLike } from '../kernels/types.js';
import type { Ring } from '../ring/ring.js';
import { READY, type Claim } from '../ring/slots.js';
import { KIND_TREE, KIND_TYPED, dtypeCode, encodedBytes, plan as planEncoding, type Encoding } from '../ring/codec.js';
import { fill, outputLength, writerOf } from './writer.js';

/** What `writeTail` returns once the element is published in its slot. */
export const PUBLISHED: unique symbol = Symbol('published');

/** Bytes a kernel keeps free after its output for the image description (width, height, layout…). */
const DESCRIPTION_RESERVE = 256;

export interface SlotTail {
  readonly source: Seq<unknown>;
  /** Where the user created the smap. */
  readonly site: string;
  /** Writes the element made from `input` into `claim`'s slot and publishes it, or returns it when it does not fit. */
  readonly write: (ring: Ring, claim: Claim, input: unknown) => unknown;
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
  const [f, src] = root.args;
  if (root.op !== 'smap' || root.args.length !== 2 || src!.t !== 'seq') return undefined;
  const source = nodes[src.id]!;
  if (f!.t === 'kernel' && kernels) {
    const call = f.call;
    const describe = outputDescriptions();
    return {
      source,
      site: root.site,
      write: (ring, claim, input) => {
        const image = kernels.runInto(call as never, input as never, ring.dataOffset(claim.slot), ring.slotBytes - DESCRIPTION_RESERVE);
        if (!image) return kernels.run(call as never, input as never);
        const e = describe(image); // the data leaf is already in place: writing it again is skipped
        if (encodedBytes(e) > ring.slotBytes) return image; // the description does not fit after all
        ring.writeEncoded(claim.slot, e);
        ring.slots.finish(claim, READY);
        return PUBLISHED;
      },
    };
  }
  const writer = f!.t === 'fn' ? writerOf(functions[f.name]) : undefined;
  if (writer) {
    const name = (f as { name: string }).name; // errors name the function as the worker module exposes it
    const size = writer.type.BYTES_PER_ELEMENT;
    return {
      source,
      site: root.site,
      write: (ring, claim, input) => {
        const length = outputLength(writer, input, name);
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
      },
    };
  }
  return undefined;
}

/**
 * The slot encoding of each kernel output. A pipeline's outputs mostly share
 * one shape, and so one description (codec.ts): it is made when the shape
 * changes, not per element: making it (a walk, JSON text, its bytes) cost a
 * worker 10–15 µs per 224×224 image in Chromium here, a tenth of the image's
 * time. Kernel outputs are all made by one object literal in runtime.ts, so
 * the same shape gives the same description.
 */
function outputDescriptions(): (image: ImageLike) => Encoding {
  let last: { image: ImageLike; dtype: number; encoding: Encoding } | undefined;
  return (image) => {
    const data = image.data;
    const dtype = dtypeCode(data);
    if (
      last && dtype === last.dtype && data.length === last.image.data.length && image.width === last.image.width &&
      image.height === last.image.height && image.channels === last.image.channels && image.layout === last.image.layout
    ) {
      return { ...last.encoding, leaves: [{ array: data, offset: last.encoding.leaves[0]!.offset }] };
    }
    const encoding = planEncoding(image);
    // Only a tree with the image's one leaf can be reused this way (kernels make nothing else).
    last = encoding.kind === KIND_TREE && encoding.leaves.length === 1 ? { image, dtype, encoding } : undefined;
    return encoding;
  };
}

/** Evaluates element `claim.index` through `tail`: PUBLISHED, a value to send, or (after an async step) a promise of either. */
export function writeTail(ring: Ring, claim: Claim, tail: SlotTail): unknown {
  try {
    const input = Seq.read(tail.source, claim.index);
    // An async step before the tail: it writes once the input settles (only then a promise per
    // element), and its rejection passes unwrapped, as smap's own promise-returning call leaves it.
    if (input instanceof Promise) return input.then((ready: unknown) => tail.write(ring, claim, ready));
    return tail.write(ring, claim, input);
  } catch (error) {
    throw wrapError(error, claim.index, 'smap', tail.site);
  }
}
