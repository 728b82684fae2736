/** Dataset preview of Fashion-MNIST (the pipeline is filled in by the library's demo work). */
import { showReady } from './status.js';

showReady('Fashion-MNIST preview');
