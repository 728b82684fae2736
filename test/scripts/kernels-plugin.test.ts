/**
 * The dev server builds the kernels when it starts and rebuilds them when a
 * file under assembly/ changes (issue: "editing a kernel rebuilds it"), on a
 * copy of assembly/ so the real sources are never touched.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, stat, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer } from 'vite';
import { kernelsPlugin } from '../../scripts/kernels-plugin.mjs';
import { repoRoot } from '../kernels/helpers.js';

const LIMIT_MS = 30_000;

/** Resolves once `ok()` holds, looking every 50 ms; rejects (and stops looking) after LIMIT_MS. */
function until(ok: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + LIMIT_MS;
  return new Promise((resolve, reject) => {
    const look = () => {
      if (ok()) resolve();
      else if (Date.now() > deadline) reject(new Error(`${what}: not seen within ${LIMIT_MS} ms`));
      else setTimeout(look, 50);
    };
    look();
  });
}

const exportsOf = async (file: string) =>
  WebAssembly.Module.exports(new WebAssembly.Module(await readFile(file))).map((e) => e.name);

test('the dev server builds the kernels at start, rebuilds them (and reloads the page) when a kernel source changes, and reports a broken edit without stopping', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'seqring-plugin-'));
  const assemblyDir = path.join(dir, 'assembly');
  const outFile = path.join(dir, 'out', 'kernels.wasm');
  await cp(path.join(repoRoot, 'assembly'), assemblyDir, { recursive: true });
  const sent: { type: string }[] = [];
  const plugin = kernelsPlugin({ assemblyDir, outFile });
  const server = await createServer({
    configFile: false,
    root: dir,
    logLevel: 'silent',
    server: { middlewareMode: true },
    plugins: [plugin],
  });
  try {
    server.ws.send = ((payload: { type: string }) => void sent.push(payload)) as typeof server.ws.send;
    await server.pluginContainer.buildStart({});
    const built = await exportsOf(outFile);
    assert.ok(built.includes('normalize'), `built exports: ${built.join(', ')}`);
    assert.ok(!built.includes('rebuilt_probe'));
    const firstBuild = (await stat(outFile)).mtimeMs;

    // A new kernel export in a source file: the module is rebuilt with it, then the page told to reload.
    await appendFile(path.join(assemblyDir, 'index.ts'), '\nexport function rebuilt_probe(): i32 { return 42; }\n');
    await until(() => sent.some((m) => m.type === 'full-reload'), 'the reload after an edit');
    assert.ok((await stat(outFile)).mtimeMs > firstBuild);
    assert.ok((await exportsOf(outFile)).includes('rebuilt_probe'));

    // A broken edit: an error for the page's overlay; the last good module stays.
    const index = path.join(assemblyDir, 'index.ts');
    const good = await readFile(index, 'utf8');
    const reloads = sent.filter((m) => m.type === 'full-reload').length;
    await writeFile(index, `${good}\nexport function oops(: i32 {\n`);
    await until(() => sent.some((m) => m.type === 'error'), 'the error after a broken edit');
    assert.ok((await exportsOf(outFile)).includes('rebuilt_probe'));
    assert.equal(sent.filter((m) => m.type === 'full-reload').length, reloads);

    // Mended: rebuilt again.
    await writeFile(index, good);
    await until(() => sent.filter((m) => m.type === 'full-reload').length > reloads, 'the reload after the mend');
  } finally {
    await server.close();
    // Removing `dir` failed once with ENOTEMPTY: something still wrote into it. Wait for any
    // kernel build still queued, and let rm retry while the dev server's own writes end.
    await plugin.api.settled();
    await rm(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
  }
});
