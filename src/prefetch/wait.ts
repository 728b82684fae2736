/**
 * Waiting on a word of shared memory from a thread that may not block (the
 * browser's main thread): `Atomics.waitAsync` with a finite timeout, or
 * polling where the engine lacks it.
 */

/** Waits until `words[at]` is no longer `seen`, or `ms` pass. Never blocks the thread. */
export function waitForChange(words: Int32Array, at: number, seen: number, ms: number): Promise<void> {
  const waitAsync = (Atomics as { waitAsync?: typeof Atomics.waitAsync }).waitAsync;
  if (typeof waitAsync === 'function') {
    const r = waitAsync(words, at, seen, ms);
    return r.async ? r.value.then(() => undefined) : Promise.resolve();
  }
  return pollForChange(words, at, seen, ms);
}

/** The path for engines without `Atomics.waitAsync`: look again every millisecond. */
function pollForChange(words: Int32Array, at: number, seen: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  return new Promise((resolve) => {
    const look = () => {
      if (Atomics.load(words, at) !== seen || Date.now() >= until) resolve();
      else setTimeout(look, 1);
    };
    look();
  });
}
