/**
 * The Comlink baseline's worker: one RPC per element, the way a Comlink-only
 * loader would fetch data (what seqring's ring is measured against).
 */
import * as Comlink from 'comlink';

const api = {
  /** Element `i`: `floats` float32 values all equal to `i`, transferred or structured-cloned. */
  get(i: number, floats: number, transfer: boolean): Float32Array {
    const element = new Float32Array(floats).fill(i);
    return transfer ? Comlink.transfer(element, [element.buffer]) : element;
  },
};

export type ComlinkBaselineWorker = typeof api;

Comlink.expose(api);
