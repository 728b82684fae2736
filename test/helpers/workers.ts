/** Worker factories for Node tests: the user's module is TypeScript, run through tsx. */
import { Worker } from 'node:worker_threads';
import { remoteFunctions, type RemoteFunctions } from '../../src/index.js';
import type { functions } from '../fixtures/functions.worker.js';
import { mulberry32, seedFromEnv } from './random.js';

export { mulberry32, seedFromEnv };

const fixture = new URL('../fixtures/functions.worker.ts', import.meta.url);

/** Node 20 does not pass tsx on to workers: register it in the worker, then load the module. */
export function tsWorker(url: URL): Worker {
  return new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); })`, { eval: true });
}

/** The fixture's functions, and every worker the factory made (so tests can kill them). */
export function fixtureFunctions(): { fns: RemoteFunctions<typeof functions>; made: Worker[] } {
  const made: Worker[] = [];
  const fns = remoteFunctions<typeof functions>(() => {
    const w = tsWorker(fixture);
    made.push(w);
    return w;
  });
  return { fns, made };
}


