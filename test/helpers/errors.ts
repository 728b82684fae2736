/**
 * An element that fails in a prefetch worker fails as it does on the main
 * thread: prefetch's EvaluationError names the element read, and its cause is
 * the worker's own error, the one the main thread gives.
 */
import assert from 'node:assert/strict';

/** The error reading element `index` of `s` throws on this thread (it must throw). */
export function mainThreadError(s: { get(index: number): unknown }, index: number, what: string): Error {
  try {
    s.get(index);
  } catch (error) {
    return error as Error;
  }
  assert.fail(`the main thread does not fail ${what}`);
}

/**
 * `read` (a prefetched read of element `index`) rejects with an EvaluationError
 * for `index` whose cause is an EvaluationError for `causeIndex` (the element
 * that failed inside it), matching `pattern`, with the main thread's message.
 */
export async function assertFailsAsOnMainThread(
  read: Promise<unknown>,
  o: { index: number; causeIndex: number; pattern: RegExp; main: Error },
): Promise<void> {
  await assert.rejects(read, (e: Error) => {
    assert.equal(e.name, 'EvaluationError');
    assert.equal((e as { index?: number }).index, o.index);
    const cause = e.cause as Error & { index?: number };
    assert.equal(cause.name, 'EvaluationError');
    assert.equal(cause.index, o.causeIndex);
    assert.match(cause.message, o.pattern);
    assert.equal(cause.message, o.main.message);
    return true;
  });
}
