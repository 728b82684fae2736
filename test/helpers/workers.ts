/** Worker factories for Node tests: the user's module is TypeScript, run through tsx. */
import { Worker } from 'node:worker_threads';
import { remoteFunctions, type RemoteFunctions } from '../../src/index.js';
import type { functions } from '../fixtures/functions.worker.js';

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

/** A seeded PRNG (mulberry32); tests print the seed they use. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function seedFromEnv(): number {
  const s = Number(process.env.SEQRING_SEED ?? Date.now() % 1_000_000);
  console.log(`# seed ${s} (set SEQRING_SEED=${s} to replay)`);
  return s;
}
