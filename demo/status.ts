/** Shows on the page that its script is running and whether it is cross-origin isolated. */
export function showReady(what: string): void {
  const status = document.getElementById('status')!;
  status.dataset.isolated = String(crossOriginIsolated);
  status.dataset.ready = 'true';
  status.textContent = `${what} ready; cross-origin isolated: ${crossOriginIsolated ? 'yes' : 'no'}`;
}
