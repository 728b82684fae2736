/**
 * One Vite project: the demo pages, the benchmark page and the e2e test pages.
 * (The library itself is built by `tsc`, see `npm run build`.)
 *
 * Every response of the dev and preview servers carries the cross-origin
 * isolation headers, because `SharedArrayBuffer` can only be posted to a
 * worker on an isolated page. `SEQRING_NO_COI=1` turns them off, so the e2e
 * tests can also serve a page that is NOT isolated (the transfer fallback).
 *
 * Real data from `../shared/data/` is served at `/data/` (e.g.
 * `fetch('/data/fashion-mnist/t10k-labels-idx1-ubyte.gz')`) by a middleware,
 * on the dev and preview servers alike, so pages never need a machine-specific
 * `/@fs/` path. Files are sent as stored bytes: a `.gz` stays gzipped.
 */
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Connect, type Plugin } from 'vite';
import { kernelsPlugin } from './scripts/kernels-plugin.mjs';

const root = path.dirname(fileURLToPath(import.meta.url));
const sharedData = path.resolve(root, '../shared/data');
const isolated = process.env.SEQRING_NO_COI !== '1';

export const isolationHeaders: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** Adds the isolation headers to every response, before any other middleware runs. */
function crossOriginIsolation(): Plugin {
  const setHeaders: Connect.NextHandleFunction = (_req, res, next) => {
    for (const [name, value] of Object.entries(isolationHeaders)) res.setHeader(name, value);
    next();
  };
  return {
    name: 'seqring:cross-origin-isolation',
    configureServer(server) {
      server.middlewares.use(setHeaders);
    },
    configurePreviewServer(server) {
      server.middlewares.use(setHeaders);
    },
  };
}

const contentTypes: Readonly<Record<string, string>> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.md': 'text/markdown; charset=utf-8',
  '.json': 'application/json',
  '.gz': 'application/gzip',
};

/** Serves `../shared/data/<path>` at `/data/<path>`, refusing paths that leave that folder. */
function sharedDataFiles(): Plugin {
  const serve: Connect.NextHandleFunction = (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = path.resolve(sharedData, '.' + pathname);
    if (!file.startsWith(sharedData + path.sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.statusCode = 404;
      res.end(`not found in ../shared/data: ${pathname}`);
      return;
    }
    res.setHeader('Content-Type', contentTypes[path.extname(file)] ?? 'application/octet-stream');
    res.setHeader('Content-Length', statSync(file).size);
    res.setHeader('Cache-Control', 'no-cache');
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file).pipe(res);
  };
  return {
    name: 'seqring:shared-data',
    configureServer(server) {
      server.middlewares.use('/data', serve);
    },
    configurePreviewServer(server) {
      server.middlewares.use('/data', serve);
    },
  };
}

/** Every page of the multi-page build: index.html plus the HTML files of these folders. */
function pages(): Record<string, string> {
  const input: Record<string, string> = { index: path.resolve(root, 'index.html') };
  for (const folder of ['demo', 'bench', 'e2e/pages']) {
    const dir = path.resolve(root, folder);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      if (name.endsWith('.html')) input[`${folder}/${name.slice(0, -5)}`] = path.join(dir, name);
    }
  }
  return input;
}

export default defineConfig({
  root,
  appType: 'mpa',
  // The isolated and non-isolated servers run side by side in e2e: separate
  // dependency caches keep them from optimizing into the same folder at once.
  cacheDir: isolated ? 'node_modules/.vite' : 'node_modules/.vite-no-coi',
  // Isolation first: its middleware must run before any other that answers a request.
  plugins: [...(isolated ? [crossOriginIsolation()] : []), kernelsPlugin(), sharedDataFiles()],
  worker: { format: 'es' },
  server: {
    fs: { allow: [root, sharedData] },
  },
  build: {
    outDir: 'dist-site',
    target: 'es2022',
    rolldownOptions: { input: pages() },
  },
});
