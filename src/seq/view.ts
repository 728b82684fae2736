/**
 * Views over one source sequence. Writes go through them to the source, so
 * a view is writable exactly when its source is; a pass-through view also
 * has its source's length (caches and instruments: element i is the
 * source's element i).
 */
import { Seq } from './seq.js';

export abstract class SourceView<T, S = T> extends Seq<T> {
  constructor(readonly source: Seq<S>) {
    super();
  }
  override get writable(): boolean {
    return this.source.writable;
  }
}

export abstract class PassThrough<T> extends SourceView<T> {
  get length(): number {
    return this.source.length;
  }
}
