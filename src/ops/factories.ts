/**
 * Every `describe().op` of the lazy core mapped to the function that
 * rebuilds it from `describe().args`: `factories[op](...args)`. A worker
 * uses this to rebuild a pipeline from a portable plan (`src/plan/`).
 */
import { Seq, SliceView, seq } from '../seq/seq.js';
import { smap, starmap } from './mapping.js';
import { arange, gather, cycle, interleave, repeat, uniter, switchSeq, caseSeq } from './indexing.js';
import { collate, concatenate, batch, unbatch, split } from './shape.js';
import { addCache } from './buffering.js';
import { debug, monitorThroughput } from './instrument.js';

/** Rebuilds one step of a pipeline from the arguments its `describe()` gave. */
export type Factory = (...args: never[]) => Seq<unknown>;

export const factories: Readonly<Record<string, Factory>> = {
  seq,
  sliceView: (parent: Seq<unknown>, start: number, step: number, length: number) =>
    SliceView.of(parent, start, step, length),
  smap: smap as Factory,
  starmap: starmap as Factory,
  arange: arange as Factory,
  gather: gather as Factory,
  take: gather as Factory,
  cycle,
  interleave: interleave as Factory,
  repeat,
  uniter: uniter as Factory,
  switchSeq,
  caseSeq: caseSeq as Factory,
  collate: collate as Factory,
  concatenate: concatenate as Factory,
  batch: batch as Factory,
  unbatch: unbatch as Factory,
  split: split as Factory,
  addCache,
  debug: debug as Factory,
  monitorThroughput,
};
