/** `seqring/worker`: what a user's worker module imports. */
export { exposeFunctions } from './workers/expose.js';
export { writesInto, type WritableArray, type WritableArrayType } from './workers/writer.js';
