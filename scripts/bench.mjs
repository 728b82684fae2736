#!/usr/bin/env node
/**
 * Runs the benchmark page (bench/index.html) headless in Debian's Chromium,
 * against a cross-origin-isolated Vite dev server started here on a free port.
 *
 *   npm run bench                      all suites → bench/results/latest.json
 *   npm run bench -- --json FILE       write the results to FILE
 *   npm run bench -- --only NAME       run bench/suites/NAME.ts only
 *   npm run bench -- --timeout SECONDS give up after SECONDS (default 600)
 *
 * The page's console is forwarded as progress. A suite that cannot be imported
 * is reported as skipped; a suite that throws is reported as failed and makes
 * the exit code 1 (after the results are written).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import { createServer } from 'vite';
import { chromiumArgs, chromiumPath } from './chromium.mjs';


const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const { values: options } = parseArgs({
  options: {
    json: { type: 'string', default: path.join(root, 'bench/results/latest.json') },
    only: { type: 'string' },
    timeout: { type: 'string', default: '600' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (options.help) {
  console.log('usage: node scripts/bench.mjs [--json FILE] [--only SUITE] [--timeout SECONDS]');
  process.exit(0);
}
const timeoutSeconds = Number(options.timeout);
if (!(timeoutSeconds > 0)) {
  console.error(`bench: --timeout must be a number of seconds > 0, got ${options.timeout}`);
  process.exit(2);
}

/** A port that was free a moment ago (Vite is then started with strictPort). */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

function gitCommit() {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

function printTable(figures) {
  if (figures.length === 0) {
    console.log('\n(no figures)');
    return;
  }
  const rows = figures.map((f) => [`${f.suite} / ${f.name}`, Number(f.value).toPrecision(4), f.unit]);
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c].length), ['name', 'value', 'unit'][c].length));
  const line = (r) => `${r[0].padEnd(widths[0])}  ${r[1].padStart(widths[1])}  ${r[2]}`;
  console.log('\n' + line(['name', 'value', 'unit']));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(r));
}

delete process.env.SEQRING_NO_COI; // the benchmark needs shared memory
const port = await freePort();
console.log(`bench: starting the Vite dev server on port ${port} …`);
const server = await createServer({
  root,
  configFile: path.join(root, 'vite.config.ts'),
  logLevel: 'warn',
  server: { port, strictPort: true, host: '127.0.0.1' },
});
let browser;
let exitCode = 0;
try {
  await server.listen();
  browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true });
  const page = await browser.newPage();
  page.on('console', (message) => {
    if (message.text().startsWith('[vite]')) return; // the dev server's own chatter
    const stream = message.type() === 'error' || message.type() === 'warning' ? console.error : console.log;
    stream(`  [page] ${message.text()}`);
  });
  page.on('pageerror', (error) => console.error(`  [page error] ${error.stack ?? error.message}`));

  const query = options.only ? `?only=${encodeURIComponent(options.only)}` : '';
  const url = `http://127.0.0.1:${port}/bench/index.html${query}`;
  console.log(`bench: opening ${url} (timeout ${timeoutSeconds} s)`);
  await page.goto(url);
  let timedOut = false;
  try {
    await page.waitForFunction(() => window.__benchDone === true, undefined, { timeout: timeoutSeconds * 1000, polling: 500 });
  } catch (error) {
    timedOut = true;
    console.error(`bench: the page did not finish within ${timeoutSeconds} s: ${error.message.split('\n')[0]}`);
  }
  const page_ = await page.evaluate(() => window.__bench ?? null);

  const cpus = os.cpus();
  const results = {
    environment: {
      date: new Date().toISOString(),
      commit: gitCommit(),
      chromium: browser.version(),
      userAgent: page_?.userAgent ?? (await page.evaluate(() => navigator.userAgent)),
      hardwareConcurrency: page_?.hardwareConcurrency ?? (await page.evaluate(() => navigator.hardwareConcurrency)),
      crossOriginIsolated: page_?.crossOriginIsolated ?? (await page.evaluate(() => crossOriginIsolated)),
      node: process.version,
      os: `${os.type()} ${os.release()} ${os.arch()}`,
      cpu: cpus[0]?.model ?? 'unknown',
      cpuCount: cpus.length,
      memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
      only: options.only ?? null,
    },
    complete: !timedOut && page_ !== null,
    suites: Object.fromEntries((page_?.suites ?? []).map(({ name, ...outcome }) => [name, outcome])),
    figures: {},
  };
  for (const f of page_?.figures ?? []) {
    results.figures[f.suite] ??= {};
    results.figures[f.suite][f.name] = { value: f.value, unit: f.unit };
  }

  mkdirSync(path.dirname(path.resolve(options.json)), { recursive: true });
  writeFileSync(options.json, JSON.stringify(results, null, 2) + '\n');

  printTable(page_?.figures ?? []);
  console.log('');
  for (const [name, outcome] of Object.entries(results.suites)) {
    const detail = outcome.error ? `: ${outcome.error.split('\n')[0]}` : '';
    console.log(`suite ${name}: ${outcome.status}${detail}`);
  }
  if (!results.environment.crossOriginIsolated) console.log('warning: the page was NOT cross-origin isolated');
  const written = path.relative(process.cwd(), path.resolve(options.json));
  console.log(`results written to ${written.startsWith('..') ? path.resolve(options.json) : written}`);

  if (!results.complete) {
    console.error('bench: incomplete run (timed out, or the page failed before publishing results)');
    exitCode = 1;
  } else if (Object.values(results.suites).some((s) => s.status === 'failed')) {
    console.error('bench: at least one suite failed (see its error above)');
    exitCode = 1;
  }
} catch (error) {
  console.error(`bench: ${error.stack ?? error}`);
  exitCode = 1;
} finally {
  await browser?.close();
  await server.close();
}
process.exit(exitCode);
