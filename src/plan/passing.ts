/**
 * Which kernel outputs reach the element untouched.
 *
 * Some steps pass their sources' values along without looking at them:
 * `collate` puts them in an array, `batch` in groups, `gather` and `cycle`
 * pick which one. A kernel output that reaches the element only through such
 * steps is not seen by anything before it is written into the ring slot, so
 * a worker can leave it uncomputed until then and have the kernel write it
 * straight into its place in the slot (`src/workers/late.ts`). One that any
 * function sees on the way (a user's `smap`, a second kernel, `debug`, a
 * `collateFn`) is computed as usual.
 */
import { batchGroups, type Plan, type PlanArg, type PlanNode } from './plan.js';

/** Whether `node` hands the value of its source at argument `position` on as it is. */
function passesAlong(node: PlanNode, position: number): boolean {
  switch (node.op) {
    case 'interleave':
      return true;
    case 'collate':
    case 'concatenate':
    case 'cycle':
    case 'sliceView':
    case 'unbatch':
    case 'monitorThroughput':
      return position === 0;
    case 'gather':
    case 'take':
      return position === 0; // the indexes are read as numbers
    case 'switchSeq':
    case 'caseSeq':
      return position > 0; // the selector is read
    case 'batch':
      return position === 0 && batchGroups(node) !== undefined; // a collateFn sees the items
    default:
      // Everything else sees the value, and so does `addCache`: the user asked for it to be kept computed.
      return false;
  }
}

/** Every sequence an argument refers to, however deep in a list or object. */
function seqsIn(arg: PlanArg, out: number[]): number[] {
  if (arg.t === 'seq') out.push(arg.id);
  else if (arg.t === 'list') for (const a of arg.v) seqsIn(a, out);
  else if (arg.t === 'obj') for (const a of Object.values(arg.v)) seqsIn(a, out);
  return out;
}

/**
 * The nodes `smap(kernel, source)` whose outputs reach the plan's element
 * only through steps that pass values along (or are the element).
 */
export function kernelsWrittenLate(plan: Plan): Set<number> {
  // Nodes whose values reach the element untouched; a node's consumers come after it in the table.
  const untouched = new Array<boolean>(plan.nodes.length).fill(true);
  const consumed = new Array<boolean>(plan.nodes.length).fill(false);
  for (let id = plan.nodes.length - 1; id >= 0; id--) {
    const node = plan.nodes[id]!;
    const reaches = id === plan.root || (consumed[id]! && untouched[id]!);
    node.args.forEach((arg, position) => {
      for (const source of seqsIn(arg, [])) {
        consumed[source] = true;
        if (!reaches || !passesAlong(node, position)) untouched[source] = false;
      }
    });
    untouched[id] = reaches;
  }
  const late = new Set<number>();
  plan.nodes.forEach((node, id) => {
    const [f, source] = node.args;
    if (untouched[id] && node.op === 'smap' && node.args.length === 2 && f!.t === 'kernel' && source!.t === 'seq') late.add(id);
  });
  return late;
}
