/**
 * What prefetch waits for before it delivers an element: the element itself
 * when it is a promise (an async step), and the promises in it when it is an
 * array or plain object holding some, up to four levels down. A batch of an
 * async step (`batch(smap(decode, urls), k)`) is a group of promises, and a
 * batch of decoded images with their labels
 * (`batch(collate([smap(decode, urls), labels]), k)`) a group of pairs
 * holding promises; neither could travel to the reader as it is. A plain
 * `get` of the sequence still returns what the sequence holds.
 */

/** Container levels walked for promises: a group (1) of pairs (2) of objects (3) of arrays (4). */
const LEVELS = 4;

/** `value`, or a promise of it settled as above. No promise, and no copy, for an element with nothing pending. */
export function settling(value: unknown): unknown {
  if (value instanceof Promise || !holdsPromise(value, LEVELS)) return value;
  return settled(value, LEVELS);
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Whether a promise is in `value`, an array or plain object, within `levels` levels. */
function holdsPromise(value: unknown, levels: number): boolean {
  if (levels === 0 || value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) {
    for (const item of value) if (item instanceof Promise || holdsPromise(item, levels - 1)) return true;
    return false;
  }
  if (!isPlainObject(value)) return false; // typed arrays, images' pixels, class instances: as they are
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    if (item instanceof Promise || holdsPromise(item, levels - 1)) return true;
  }
  return false;
}

/** A copy of `value` with its promises' values in their places (the sequence's own value is left alone). */
async function settled(value: unknown, levels: number): Promise<unknown> {
  if (value instanceof Promise) return value;
  if (!holdsPromise(value, levels)) return value;
  if (Array.isArray(value)) return Promise.all(value.map((item: unknown) => settled(item, levels - 1)));
  const entries = await Promise.all(
    Object.keys(value as object).map(async (key) => [key, await settled((value as Record<string, unknown>)[key], levels - 1)] as const),
  );
  const out: Record<string, unknown> = Object.getPrototypeOf(value) === null ? Object.create(null) : {};
  // defineProperty, so that a key named __proto__ stays a plain own property.
  for (const [key, item] of entries) Object.defineProperty(out, key, { value: item, enumerable: true, writable: true, configurable: true });
  return out;
}

/** Container levels below the current one that are still walked (see LEVELS). */
type Down = [never, 0, 1, 2];

/** Whether a value of an object's type is, or is an array of, promises (or may be). */
type Pending<V> = V extends PromiseLike<unknown> ? true : V extends readonly (infer E)[] ? (E extends PromiseLike<unknown> ? true : false) : false;

/**
 * Whether an object type holds promises as its own values or in arrays that
 * are. (At run time, any depth within LEVELS; the type stops there, since a
 * deeper look made `Seq<T>`, whose `prefetch` returns this type, too costly
 * for the compiler to compare.)
 */
type HoldsPromise<T> = true extends { [K in keyof T]-?: Pending<T[K]> }[keyof T] ? true : false;

/** `T` as prefetch delivers it, inside an element: promises awaited, arrays and objects holding some rebuilt. */
type SettledIn<T, D extends number> = T extends PromiseLike<unknown>
  ? Awaited<T>
  : [D] extends [never]
    ? T
    : T extends readonly unknown[]
      ? { -readonly [K in keyof T]: SettledIn<T[K], Down[D]> }
      : T extends ArrayBufferView | ArrayBufferLike
        ? T
        : T extends object
          ? HoldsPromise<T> extends true
            ? { [K in keyof T]: SettledIn<T[K], Down[D]> }
            : T
          : T;

/** The type of what prefetch delivers for an element of type `T` (as `settling` does at run time). */
export type Settled<T> = T extends PromiseLike<unknown> ? Awaited<T> : SettledIn<T, 3>;
