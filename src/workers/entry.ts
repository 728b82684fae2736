/** seqring's own worker: runs pipelines made of data, combinators and kernels (no user functions). */
import { exposeFunctions } from './expose.js';

exposeFunctions({});
