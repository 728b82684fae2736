// Runs after `tsc` in `npm run build`. Nothing needs copying: dist/kernels/*.js
// load `new URL('../../build/kernels.wasm', import.meta.url)`, and build/ sits
// at the package root next to dist/ (both are in package.json "files"). So this
// checks that the kernels were built, and built without data segments.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkNoDataSegments } from './build-kernels.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const wasm = path.join(root, 'build', 'kernels.wasm');
let bytes;
try {
  bytes = await readFile(wasm);
} catch {
  console.error(`copy-wasm: ${path.relative(root, wasm)} is missing; run \`npm run asbuild\` first`);
  process.exit(1);
}
if (!WebAssembly.validate(bytes)) {
  console.error(`copy-wasm: ${path.relative(root, wasm)} is not a valid WebAssembly module`);
  process.exit(1);
}
checkNoDataSegments(bytes, wasm);
console.log(`copy-wasm: ${path.relative(root, wasm)} present (${bytes.length} bytes); nothing to copy`);
