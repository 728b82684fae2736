/**
 * Reports whether this page and a module worker are cross-origin isolated,
 * and whether a SharedArrayBuffer posted to the worker is really shared
 * (the worker's write is seen here). Results land in `window.__isolation`.
 */
import type { WorkerReport } from './isolation-worker.js';

export interface IsolationReport {
  page: boolean;
  worker: boolean;
  /** null when the page cannot make a SharedArrayBuffer to try. */
  sharedWriteSeen: boolean | null;
}

declare global {
  interface Window {
    __isolation?: IsolationReport;
  }
}

async function check(): Promise<IsolationReport> {
  const worker = new Worker(new URL('./isolation-worker.ts', import.meta.url), { type: 'module' });
  try {
    const reply = new Promise<WorkerReport>((resolve, reject) => {
      worker.addEventListener('message', (event: MessageEvent<WorkerReport>) => resolve(event.data));
      worker.addEventListener('error', (event) => reject(new Error(`worker failed: ${event.message}`)));
    });
    const shared = crossOriginIsolated ? new Int32Array(new SharedArrayBuffer(4)) : null;
    worker.postMessage(shared);
    const report = await reply;
    return {
      page: crossOriginIsolated,
      worker: report.crossOriginIsolated,
      sharedWriteSeen: shared === null ? null : Atomics.load(shared, 0) === report.wrote,
    };
  } finally {
    worker.terminate();
  }
}

check().then(
  (report) => {
    window.__isolation = report;
    document.getElementById('status')!.textContent = JSON.stringify(report);
  },
  (error: unknown) => {
    document.getElementById('status')!.textContent = `error: ${String(error)}`;
  },
);
