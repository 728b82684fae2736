/**
 * Loading IDX files (the MNIST format), gzipped or not, with every header
 * field checked against the bytes: a wrong or broken file gives an Error
 * that names the file and says what is wrong, never a hang or a wrong image.
 */

/** An IDX file of unsigned bytes: its dimensions and its values. */
export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

/** How the gzip layer was undone. */
export type GzipPath = 'DecompressionStream' | 'browser (Content-Encoding: gzip)' | 'not gzipped';

export interface FetchedBytes {
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly gzip: GzipPath;
}

/** Decompressed data larger than this is refused (a lying or hostile file must not eat the tab). */
const MAX_BYTES = 256 * 1024 * 1024;

function fileName(url: string): string {
  return decodeURIComponent(new URL(url, location.href).pathname.split('/').pop() ?? url);
}

/** Reads a stream to its end, refusing more than MAX_BYTES. */
async function readAll(stream: ReadableStream<Uint8Array>, name: string, onBytes?: (n: number) => void): Promise<Uint8Array<ArrayBuffer>> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > MAX_BYTES) {
      await reader.cancel();
      throw new Error(`${name}: more than ${MAX_BYTES / 2 ** 20} MB of data; refusing to load it in a demo`);
    }
    chunks.push(value);
    onBytes?.(total);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) out.set(c, at), (at += c.byteLength);
  return out;
}

/**
 * Fetches `url` and undoes gzip. Servers differ: a dev server sends a `.gz`
 * file with `Content-Encoding: gzip` (the browser then hands us the inflated
 * bytes), a plain static host sends the stored bytes (we inflate them with
 * DecompressionStream). The gzip magic number tells which happened.
 */
export async function fetchBytes(url: string, onBytes?: (n: number) => void): Promise<FetchedBytes> {
  const name = fileName(url);
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new Error(`${name}: could not be fetched (${(error as Error).message})`);
  }
  if (!response.ok || !response.body) throw new Error(`${name}: HTTP ${response.status} ${response.statusText} for ${url}`);
  const raw = await readAll(response.body, name, onBytes);
  if (raw[0] !== 0x1f || raw[1] !== 0x8b) {
    const gzip = name.endsWith('.gz') ? 'browser (Content-Encoding: gzip)' : 'not gzipped';
    return { bytes: raw, gzip };
  }
  try {
    const inflated = new Blob([raw]).stream().pipeThrough(new DecompressionStream('gzip'));
    return { bytes: await readAll(inflated, name), gzip: 'DecompressionStream' };
  } catch (error) {
    if (error instanceof Error && error.message.startsWith(name)) throw error;
    throw new Error(`${name}: not a valid gzip stream (${(error as Error).message})`);
  }
}

const hex = (n: number): string => '0x' + n.toString(16).padStart(8, '0');

/**
 * Parses an IDX file of unsigned bytes with `rank` dimensions (3 for images,
 * 1 for labels). Checks the magic number, then that the data is exactly as
 * long as the dimensions say.
 */
export function parseIdx(bytes: Uint8Array, rank: number, name: string): IdxArray {
  const magic = 0x0800 + rank;
  const headerBytes = 4 + 4 * rank;
  if (bytes.byteLength < headerBytes) {
    throw new Error(`${name}: ${bytes.byteLength} bytes, too short for an IDX header (${headerBytes} bytes)`);
  }
  const unit = rank === 3 ? 'images' : rank === 1 ? 'labels' : 'items';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found = view.getUint32(0);
  if (found !== magic) {
    throw new Error(`${name}: not an IDX file of ${unit}: magic number ${hex(found)}, expected ${hex(magic)}`);
  }
  const dims: number[] = [];
  for (let k = 0; k < rank; k++) dims.push(view.getUint32(4 + 4 * k));
  const perItem = dims.slice(1).reduce((a, b) => a * b, 1);
  const want = dims[0]! * perItem;
  const have = bytes.byteLength - headerBytes;
  if (have < want) {
    const whole = perItem > 0 ? Math.floor(have / perItem) : 0;
    throw new Error(
      `${name}: the header promises ${dims[0]!.toLocaleString('en')} ${unit} (${dims.join('×')}), ` +
        `but the file ends after ${whole.toLocaleString('en')} of them (truncated or lying header)`,
    );
  }
  if (have > want) {
    throw new Error(`${name}: ${(have - want).toLocaleString('en')} bytes after the ${dims.join('×')} values the header announces`);
  }
  return { dims, data: bytes.subarray(headerBytes) };
}
