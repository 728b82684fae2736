/**
 * Where Comlink's messages go, in a browser and in Node.
 *
 * A Web Worker (and a worker's `self`) is already a Comlink endpoint. Node's
 * `worker_threads` speaks `on`/`off` instead, so it goes through Comlink's
 * node adapter. This is the only file that knows the difference.
 */
import type { Endpoint } from 'comlink';
import type { WorkerLike } from '../plan/remote.js';

/** The specifier is built at run time so browser bundlers leave Node's module alone. */
const NODE_WORKERS = ['node', 'worker_threads'].join(':');

export const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string' && typeof (globalThis as { window?: unknown }).window === 'undefined';

interface NodeWorkerLike extends WorkerLike {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
  unref?(): void;
}

export function isNodeWorker(w: WorkerLike): w is NodeWorkerLike {
  return typeof (w as Partial<NodeWorkerLike>).on === 'function' && typeof (w as { addEventListener?: unknown }).addEventListener !== 'function';
}

type NodeAdapter = (nep: unknown) => Endpoint;
let nodeAdapter: NodeAdapter | undefined;

/** Loads Comlink's node adapter (Node only); call once before `endpointOf` on a Node worker. */
export async function prepareNode(): Promise<void> {
  if (nodeAdapter) return;
  const spec = 'comlink/dist/esm/node-adapter.mjs';
  nodeAdapter = ((await import(/* @vite-ignore */ spec)) as { default: NodeAdapter }).default;
}

export function endpointOf(w: WorkerLike): Endpoint {
  if (isNodeWorker(w)) {
    if (!nodeAdapter) throw new Error('seqring: prepareNode() was not awaited');
    return nodeAdapter(w);
  }
  return w as unknown as Endpoint;
}

/** The endpoint a worker module talks to its creator through. */
export async function parentEndpoint(): Promise<Endpoint> {
  if (isNode) {
    const { parentPort } = (await import(/* @vite-ignore */ NODE_WORKERS)) as typeof import('node:worker_threads');
    if (!parentPort) throw new Error('exposeFunctions: this module is not running in a worker');
    await prepareNode();
    return nodeAdapter!(parentPort);
  }
  return globalThis as unknown as Endpoint;
}

/** Starts seqring's own worker entry (used when the plan calls no exposed functions). */
export async function builtinWorker(): Promise<WorkerLike> {
  // In Node the entry sits beside this file: entry.ts in the sources (tsx), entry.js once built.
  const here = new URL(import.meta.url);
  const ext = here.pathname.endsWith('.ts') ? '.ts' : '.js';
  const url = new URL(`./entry${ext}`, here);
  if (isNode) return nodeWorker(url);
  // Written out literally so that Vite (dev and build) and other bundlers see and bundle the entry.
  return new Worker(new URL('./entry.js', import.meta.url), { type: 'module', name: 'seqring' });
}

/**
 * A Node worker running the module at `url`. Node 20 does not pass module
 * hooks (tsx) on to workers, so a `.ts` module (the sources, under tsx) is
 * started through a bootstrap that registers tsx in the worker first.
 */
export async function nodeWorker(url: URL): Promise<WorkerLike> {
  const { Worker } = (await import(/* @vite-ignore */ NODE_WORKERS)) as typeof import('node:worker_threads');
  const make = (execArgv: string[] | undefined): WorkerLike => {
    const flags = execArgv === undefined ? {} : { execArgv };
    if (!url.pathname.endsWith('.ts')) return new Worker(url, flags) as unknown as WorkerLike;
    const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); })`;
    return new Worker(bootstrap, { eval: true, ...flags }) as unknown as WorkerLike;
  };
  // A worker inherits the process's flags, but --input-type (from `node -e`) makes a file worker
  // fail to start. Without it, inherit. With it, pass the others; Node refuses V8 and process
  // flags given that way (--max-old-space-size, --expose-gc), and then the worker gets none.
  if (!process.execArgv.some((a) => a.startsWith('--input-type'))) return make(undefined);
  try {
    return make(process.execArgv.filter((a) => !a.startsWith('--input-type')));
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw error;
    return make([]);
  }
}
