/**
 * Reads a wasm file by URL: `fetch` in browsers and workers, the file system
 * for `file:` URLs in Node (Node's fetch does not read files).
 */
export async function fetchBytes(url: URL): Promise<ArrayBuffer> {
  if (url.protocol === 'file:') {
    // A computed specifier keeps bundlers from pulling node:fs into browser builds.
    const specifier = 'node:fs/promises';
    const fs = (await import(/* @vite-ignore */ specifier)) as typeof import('node:fs/promises');
    const bytes = await fs.readFile(url);
    return checkMagic(url, bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, undefined);
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`loadKernels: fetching ${url.href} failed: HTTP ${response.status}`);
  return checkMagic(url, await response.arrayBuffer(), response.headers.get('content-type'));
}

/**
 * The bytes, if they begin as WebAssembly does. A server without the file
 * often answers 200 with a page instead (an app's index.html), which
 * WebAssembly.compile reports only as a wrong "magic word".
 */
function checkMagic(url: URL, bytes: ArrayBuffer, contentType: string | null | undefined): ArrayBuffer {
  const head = new Uint8Array(bytes, 0, Math.min(4, bytes.byteLength));
  if (head.length === 4 && head[0] === 0 && head[1] === 0x61 && head[2] === 0x73 && head[3] === 0x6d) return bytes;
  const start = new TextDecoder().decode(new Uint8Array(bytes, 0, Math.min(16, bytes.byteLength))).replace(/\s+/g, ' ');
  const type = contentType ? `, content-type ${contentType}` : '';
  throw new TypeError(
    `loadKernels: ${url.href} is not a WebAssembly module: it begins ${JSON.stringify(start)} (${bytes.byteLength} bytes${type}). ` +
      'The server sent something else, often a page in place of a file it does not have: serve the .wasm file at that URL ' +
      "(seqring's own is build/kernels.wasm in its package, next to dist/).",
  );
}
