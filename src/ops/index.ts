/**
 * The lazy core: the `Seq` base and every combinator, with the fluent
 * methods attached (importing this module is enough for `s.map(f)` & co).
 */
import '../seq/fluent.js';

export { Seq, seq, type SeqLike, type ElementOf, type Description } from '../seq/seq.js';
export { EvaluationError, seterr, type ErrorMode } from '../seq/errors.js';
export { smap, starmap, type ElementsOf } from './mapping.js';
export {
  arange,
  gather,
  take,
  cycle,
  interleave,
  repeat,
  uniter,
  switchSeq,
  caseSeq,
  type GatheredSeq,
  type UniterOptions,
} from './indexing.js';
export {
  collate,
  concatenate,
  batch,
  unbatch,
  split,
  type ConcatenatedSeq,
  type BatchOptions,
  type SplitEdges,
} from './shape.js';
export { addCache } from './buffering.js';
export { debug, monitorThroughput, type DebugOptions, type ThroughputMonitor } from './instrument.js';
export { factories, type Factory } from './factories.js';
