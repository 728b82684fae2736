/**
 * Seeded randomness for tests, e2e pages and benchmarks: mulberry32 (as
 * ringbuf.js uses), and a seed taken from SEQRING_SEED when set so that a
 * failing run can be replayed.
 */

/** A seeded PRNG returning floats in [0, 1). */
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

/** SEQRING_SEED when set (Node), else a fresh seed; printed so the run can be replayed. */
export function seedFromEnv(): number {
  const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env.SEQRING_SEED;
  const s = env !== undefined && Number.isInteger(Number(env)) ? Number(env) : Math.floor(Math.random() * 1_000_000);
  console.log(`# seed ${s} (set SEQRING_SEED=${s} to replay)`);
  return s;
}
