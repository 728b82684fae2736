/** The status line of a demo page: progress, ready (and whether cross-origin isolated), or a clear error. */

function statusLine(): HTMLElement {
  return document.getElementById('status')!;
}

/** A line of progress while the page loads. */
export function showProgress(text: string): void {
  statusLine().textContent = text;
}

/** Shows on the page that its script is running and whether it is cross-origin isolated. */
export function showReady(what: string): void {
  const status = statusLine();
  status.dataset.isolated = String(crossOriginIsolated);
  status.dataset.ready = 'true';
  delete status.dataset.error;
  status.textContent = `${what} ready; cross-origin isolated: ${crossOriginIsolated ? 'yes' : 'no (prefetch transfers buffers instead of sharing memory)'}`;
}

/** Shows why the page cannot go on (the page stays usable: no hang, no blank screen). */
export function showError(what: string, error: unknown): void {
  const status = statusLine();
  status.dataset.error = 'true';
  status.textContent = `${what} failed: ${innermostMessage(error)}`;
  console.error(error);
}

/** The message of the original error at the end of a `cause` chain (EvaluationError wraps the user's error). */
export function innermostMessage(error: unknown): string {
  let e = error;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}
