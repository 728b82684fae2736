/**
 * The portable description of a pipeline, and how to make one.
 *
 * A worker cannot receive closures, so `prefetch` turns the user's `Seq` into
 * a plan: a table of nodes, each the factory call that rebuilds one sequence
 * (`describe()`), with arguments that are data, references to other nodes,
 * functions the user exposed from a worker module, or kernels. A worker
 * rebuilds the pipeline from it once (`fromPlan`). A step that cannot run in a
 * worker fails here, by name.
 */
import { Seq } from '../seq/seq.js';
import { isRemoteFunction, type RemoteRef, type WorkerFactory } from './remote.js';

/** A kernel call as kernels describe themselves (see src/kernels). */
export interface KernelCallRef {
  readonly module: string;
  readonly kernel: string;
  readonly options: Readonly<Record<string, unknown>>;
}

/** One argument of a factory call, tagged with what it is. */
export type PlanArg =
  | { readonly t: 'seq'; readonly id: number }
  | { readonly t: 'fn'; readonly name: string }
  | { readonly t: 'kernel'; readonly call: KernelCallRef }
  | { readonly t: 'data'; readonly v: unknown }
  | { readonly t: 'list'; readonly v: readonly PlanArg[] }
  | { readonly t: 'obj'; readonly v: Readonly<Record<string, PlanArg>> }
  | { readonly t: 'undef' };

export interface PlanNode {
  readonly op: string;
  readonly args: readonly PlanArg[];
  /** Where the user created this sequence, so worker errors point at it. */
  readonly site: string;
}

export interface Plan {
  readonly nodes: readonly PlanNode[];
  readonly root: number;
  /** Names of the exposed functions the plan calls. */
  readonly functions: readonly string[];
  /** Whether the plan holds kernels (workers then need the kernel modules). */
  readonly usesKernels: boolean;
}

export interface PlanResult {
  readonly plan: Plan;
  /** The factory of the user's worker module, when the plan calls exposed functions. */
  readonly factory: WorkerFactory | undefined;
}

function isKernelFunction(f: unknown): f is { kernelCall: KernelCallRef } {
  return typeof f === 'function' && typeof (f as { kernelCall?: unknown }).kernelCall === 'object';
}

/** Sources that pass to workers by structured clone (or shared, for SharedArrayBuffer-backed arrays). */
function isPortableData(v: unknown, depth = 0): boolean {
  if (v === null || v === undefined) return true;
  const t = typeof v;
  if (t === 'number' || t === 'string' || t === 'boolean' || t === 'bigint') return true;
  if (t !== 'object') return false;
  if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return true;
  if (typeof SharedArrayBuffer !== 'undefined' && v instanceof SharedArrayBuffer) return true;
  if (typeof Blob !== 'undefined' && v instanceof Blob) return true;
  if (v instanceof URL || v instanceof Date || v instanceof RegExp) return true;
  if (typeof ImageData !== 'undefined' && v instanceof ImageData) return true;
  if (typeof ImageBitmap !== 'undefined' && v instanceof ImageBitmap) return true;
  if (typeof FileList !== 'undefined' && v instanceof FileList) return true;
  if (depth > 64) return true; // deep data: let structured clone judge it
  if (Array.isArray(v)) {
    // Checking a long array of numbers element by element would cost more than it is worth; sample it.
    const step = v.length > 1024 ? Math.floor(v.length / 256) : 1;
    for (let i = 0; i < v.length; i += step) if (!isPortableData(v[i], depth + 1)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const x of Object.values(v as object)) if (!isPortableData(x, depth + 1)) return false;
  return true;
}

const ADVICE = "Use prefetch({ method: 'async' }) to evaluate on this thread, or expose the function from a worker module (exposeFunctions) and use remoteFunctions.";

/** Describes `root` as a plan; throws TypeError naming the first step that cannot run in a worker. */
export function toPlan(root: Seq<unknown>): PlanResult {
  const nodes: PlanNode[] = [];
  const ids = new Map<Seq<unknown>, number>();
  const functions = new Set<string>();
  let factory: WorkerFactory | undefined;
  let usesKernels = false;

  const visit = (s: Seq<unknown>): number => {
    const known = ids.get(s);
    if (known !== undefined) return known;
    const d = s.describe();
    const step = `${d.op} (created at:\n${s.createdAt})`;
    const encode = (v: unknown, depth: number): PlanArg => {
      if (v instanceof Seq) return { t: 'seq', id: visit(v) };
      if (v === undefined) return { t: 'undef' };
      if (typeof v === 'function') {
        if (isKernelFunction(v)) {
          usesKernels = true;
          return { t: 'kernel', call: v.kernelCall };
        }
        if (isRemoteFunction(v)) {
          const ref: RemoteRef = v.remote;
          if (factory !== undefined && factory !== ref.factory) {
            throw new TypeError(`prefetch: step ${step} calls ${ref.name} from a second worker module; a prefetch runs one worker module (one remoteFunctions factory).`);
          }
          factory = ref.factory;
          functions.add(ref.name);
          return { t: 'fn', name: ref.name };
        }
        throw new TypeError(
          `prefetch: step ${step} uses the function ${v.name || '(anonymous)'}, which cannot run in a worker (a worker cannot receive closures). ${ADVICE}`,
        );
      }
      if (depth < 4 && Array.isArray(v) && v.some((x) => x instanceof Seq || typeof x === 'function')) {
        return { t: 'list', v: v.map((x) => encode(x, depth + 1)) };
      }
      if (depth < 4 && v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
        const o: Record<string, PlanArg> = {};
        for (const [k, x] of Object.entries(v)) o[k] = encode(x, depth + 1);
        return { t: 'obj', v: o };
      }
      if (!isPortableData(v)) {
        const what = v !== null && typeof v === 'object' ? (v as object).constructor?.name ?? 'object' : typeof v;
        throw new TypeError(`prefetch: step ${step} holds a ${what}, which cannot be sent to a worker. ${ADVICE}`);
      }
      return { t: 'data', v };
    };
    const args = d.args.map((a) => encode(a, 0));
    const id = nodes.length;
    nodes.push({ op: d.op, args, site: s.createdAt });
    ids.set(s, id);
    return id;
  };

  const rootId = visit(root);
  return { plan: { nodes, root: rootId, functions: [...functions], usesKernels }, factory };
}

/**
 * What a `batch(source, k, options)` node says about its groups: arrays of
 * `k` items (the last one shorter unless padded), or undefined for any other
 * node and for a batch whose `collateFn` makes something else of them.
 */
export function batchGroups(node: PlanNode): { source: number; k: number; padded: boolean } | undefined {
  const [s, k, o] = node.args;
  if (node.op !== 'batch' || s?.t !== 'seq' || k?.t !== 'data' || typeof k.v !== 'number') return undefined;
  const options: Readonly<Record<string, PlanArg>> = o?.t === 'obj' ? o.v : {};
  if (options.collateFn !== undefined) return undefined;
  return { source: s.id, k: k.v, padded: options.pad !== undefined };
}

/** What a worker rebuilds a plan with. */
export interface PlanEnvironment {
  /** Public factories by `describe().op` name. */
  readonly factories: Readonly<Record<string, (...args: never[]) => Seq<unknown>>>;
  /** The functions the worker module exposed. */
  readonly functions: Readonly<Record<string, (...args: never[]) => unknown>>;
  /** Rebuilds a kernel function from its call, for the step at plan node `node`. */
  readonly kernel: (call: KernelCallRef, node: number) => (...args: never[]) => unknown;
}

/** Rebuilds the pipeline a plan describes (in a worker). */
export function fromPlan(plan: Plan, env: PlanEnvironment): Seq<unknown> {
  return fromPlanNodes(plan, env)[plan.root]!;
}

/** Rebuilds every node of a plan once; node `i` of the plan is element `i` of the result. */
export function fromPlanNodes(plan: Plan, env: PlanEnvironment): Seq<unknown>[] {
  const built: Seq<unknown>[] = [];
  const decode = (a: PlanArg, node: number): unknown => {
    switch (a.t) {
      case 'seq':
        return built[a.id];
      case 'fn': {
        const f = env.functions[a.name];
        if (typeof f !== 'function') throw new TypeError(`worker: the worker module exposes no function named ${a.name}`);
        return f;
      }
      case 'kernel':
        return env.kernel(a.call, node);
      case 'data':
        return a.v;
      case 'list':
        return a.v.map((x) => decode(x, node));
      case 'obj': {
        const o: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(a.v)) o[k] = decode(x, node);
        return o;
      }
      case 'undef':
        return undefined;
    }
  };
  plan.nodes.forEach((node, id) => {
    const make = env.factories[node.op] as ((...args: unknown[]) => Seq<unknown>) | undefined;
    if (!make) throw new TypeError(`worker: unknown step ${node.op} in plan`);
    const s = make(...node.args.map((a) => decode(a, id)));
    s.createdAt = node.site;
    built.push(s);
  });
  return built;
}
