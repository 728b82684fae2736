/**
 * Module worker for isolation.html: answers with its own `crossOriginIsolated`
 * and, when given a shared Int32Array, writes a marker into it before replying.
 */
export interface WorkerReport {
  crossOriginIsolated: boolean;
  /** The value written into the shared array, or null when none was sent. */
  wrote: number | null;
}

const marker = 0x5e9;

addEventListener('message', (event: MessageEvent<Int32Array | null>) => {
  const shared = event.data;
  if (shared !== null) Atomics.store(shared, 0, marker);
  const report: WorkerReport = { crossOriginIsolated: self.crossOriginIsolated, wrote: shared === null ? null : marker };
  postMessage(report);
});
