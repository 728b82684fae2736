/** Image batch loading of real photos (the pipeline is filled in by the library's demo work). */
import { showReady } from './status.js';

showReady('Image batch loading');
