/**
 * Errors that point at user code (SeqTools' `errors.py`).
 *
 * A combinator that calls user code records where it was created; when the
 * user's function throws, the error is wrapped in an `EvaluationError` that
 * names the element and that place, keeping the original as `cause`.
 * `seterr('passthrough')` rethrows the user's error unchanged instead, so a
 * debugger stops where the user's code failed.
 */

export type ErrorMode = 'wrap' | 'passthrough';

let mode: ErrorMode = 'wrap';

/** Sets how errors from user functions surface and returns the setting now in force. */
export function seterr(newMode?: ErrorMode): ErrorMode {
  if (newMode !== undefined) {
    if (newMode !== 'wrap' && newMode !== 'passthrough') {
      throw new RangeError(`seterr: mode must be 'wrap' or 'passthrough', got ${String(newMode)}`);
    }
    mode = newMode;
  }
  return mode;
}

/** An element of a sequence could not be evaluated. */
export class EvaluationError extends Error {
  /** The index of the element that failed, in the sequence that reported it. */
  readonly index: number;

  constructor(message: string, index: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EvaluationError';
    this.index = index;
  }
}

/**
 * The user-code frames of the current stack, without seqring's own frames:
 * what an error message shows as "created at".
 */
export function creationSite(): string {
  const stack = new Error().stack ?? '';
  const lines = stack.split('\n').slice(1);
  const user = lines.filter((l) => !/[\\/]src[\\/](seq|ops|plan|prefetch|kernels|workers)[\\/]|[\\/]dist[\\/]|seqring/.test(l));
  return (user.length > 0 ? user : lines).slice(0, 4).join('\n');
}

/**
 * Runs `f`, and if it throws, rethrows per the `seterr` mode: wrapped in an
 * `EvaluationError` naming `index`, `what` and `site`, or unchanged.
 */
export function evaluating<R>(f: () => R, index: number, what: string, site: string): R {
  try {
    return f();
  } catch (error) {
    throw wrapError(error, index, what, site);
  }
}

/** The error to throw for a failure of element `index` (see `evaluating`). */
export function wrapError(error: unknown, index: number, what: string, site: string): unknown {
  if (mode === 'passthrough') return error;
  if (error instanceof EvaluationError) return error;
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new EvaluationError(
    `Failed to evaluate item ${index} in ${what} created at:\n${site}\nReason: ${reason}`,
    index,
    { cause: error },
  );
}
