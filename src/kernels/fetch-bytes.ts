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
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`loadKernels: fetching ${url.href} failed: HTTP ${response.status}`);
  return response.arrayBuffer();
}
