/**
 * The wake-up probe's worker (bench/suites/platform.ts): blocks in
 * `Atomics.wait` on word 0, and on each wake-up writes when it woke (in the
 * page's clock: timeOrigin + now) and counts the wake-up in word 1. Word 2
 * set means stop. Word 3 is 1 while it is about to wait.
 */
self.onmessage = (event: MessageEvent<SharedArrayBuffer>) => {
  const words = new Int32Array(event.data, 0, 4);
  const woke = new Float64Array(event.data, 16, 1);
  for (;;) {
    const seen = Atomics.load(words, 0);
    Atomics.store(words, 3, 1);
    Atomics.wait(words, 0, seen, 1000);
    woke[0] = performance.timeOrigin + performance.now();
    Atomics.store(words, 3, 0);
    Atomics.add(words, 1, 1);
    if (Atomics.load(words, 2) !== 0) break;
  }
  self.postMessage('stopped');
};
