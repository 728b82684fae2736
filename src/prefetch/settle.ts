/**
 * What prefetch waits for before it delivers an element: the element itself
 * when it is a promise (an async step), and the promises in it when it is an
 * array holding some (a batch of an async step: `batch(smap(decode, urls), k)`
 * makes groups of promises, which could not travel to the reader as they
 * are). One level only, as a group is one level. A plain `get` of the
 * sequence still returns what the sequence holds.
 */

/** `value`, or a promise of it settled as above. No promise for an element with nothing pending. */
export function settling(value: unknown): unknown {
  if (value instanceof Promise || !Array.isArray(value)) return value;
  for (const item of value) if (item instanceof Promise) return Promise.all(value);
  return value;
}

/** The type of what prefetch delivers for an element of type `T` (as `settling` does at run time). */
export type Settled<T> = T extends readonly unknown[] ? { -readonly [K in keyof T]: Awaited<T[K]> } : Awaited<T>;
