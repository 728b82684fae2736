/** Exposes the Comlink baseline of the benchmarks to the e2e tests as `window.comlinkThroughput`. */
import { comlinkThroughput } from '../../bench/baseline/comlink.js';

declare global {
  interface Window {
    comlinkThroughput?: typeof comlinkThroughput;
  }
}

window.comlinkThroughput = comlinkThroughput;
document.getElementById('status')!.textContent = 'ready';
