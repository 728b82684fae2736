/**
 * How a failed element surfaces on the reader's side: an `EvaluationError`
 * naming the index and where the prefetch was created, with the worker's
 * error (its stack kept) as `cause`; or, under `seterr('passthrough')`, an
 * error of the same name, message and stack as the one the user's code threw.
 */
import { EvaluationError, seterr } from '../seq/errors.js';
import type { SerializedError } from '../ring/codec.js';

const CONSTRUCTORS: Record<string, new (message: string, options?: { cause?: unknown }) => Error> = {
  Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError,
};

/** An Error rebuilt from its travelling form, with its original stack. */
export function revive(s: SerializedError): Error {
  const cause = s.cause ? revive(s.cause) : undefined;
  const options = cause ? { cause } : undefined;
  let e: Error;
  if (s.name === 'EvaluationError') e = new EvaluationError(s.message, s.index ?? -1, options);
  else e = new (CONSTRUCTORS[s.name] ?? Error)(s.message, options);
  if (e.name !== s.name) Object.defineProperty(e, 'name', { value: s.name, configurable: true, writable: true });
  if (s.stack !== undefined) e.stack = s.stack;
  return e;
}

/** The error a read of element `index` rejects with. */
export function elementError(index: number, error: SerializedError | Error, site: string): unknown {
  const original = error instanceof Error ? error : revive(error);
  if (seterr() === 'passthrough') return original;
  return new EvaluationError(
    `Failed to evaluate item ${index} in prefetch created at:\n${site}\nReason: ${original.name}: ${original.message}`,
    index,
    { cause: original },
  );
}

/** What reads reject with after `close()` with no reason given. */
export function closedError(): Error {
  return new DOMException('the prefetch was closed', 'AbortError');
}
