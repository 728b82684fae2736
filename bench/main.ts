/// <reference types="vite/client" />
/**
 * Benchmark page: runs the suites of bench/suites/ in order and publishes the
 * results as `window.__bench` (then `window.__benchDone = true`) for
 * scripts/bench.mjs. A suite is a module exporting
 * `run(report: (name, value, unit) => void): Promise<void>`.
 * A suite that cannot be imported is skipped with a note; a suite that throws
 * is recorded as failed with its error. Figures are never asserted here.
 */

export type Report = (name: string, value: number, unit: string) => void;

export interface Suite {
  run(report: Report): Promise<void>;
}

export interface Figure {
  suite: string;
  name: string;
  value: number;
  unit: string;
}

export interface SuiteOutcome {
  name: string;
  status: 'ok' | 'failed' | 'skipped';
  /** Why a suite was skipped or failed (with the stack when there is one). */
  error?: string;
  seconds?: number;
}

export interface BenchResults {
  crossOriginIsolated: boolean;
  userAgent: string;
  hardwareConcurrency: number;
  suites: SuiteOutcome[];
  figures: Figure[];
}

declare global {
  interface Window {
    __bench?: BenchResults;
    __benchDone?: boolean;
  }
}

/** Suites in the order they run. */
const suiteNames = ['kernels', 'prefetch', 'pipeline', 'platform', 'memory'];

const modules = import.meta.glob<Suite>('./suites/*.ts');

function describeError(error: unknown): string {
  if (error instanceof Error) return error.stack?.includes(error.message) ? error.stack : `${error.name}: ${error.message}\n${error.stack ?? ''}`;
  return String(error);
}

/** The suite's module, or a string saying why it cannot be loaded. */
async function load(name: string): Promise<Suite | string> {
  const loader = modules[`./suites/${name}.ts`];
  if (loader === undefined) return `bench/suites/${name}.ts does not exist`;
  let suite: Suite;
  try {
    suite = await loader();
  } catch (error) {
    return `cannot import bench/suites/${name}.ts: ${describeError(error)}`;
  }
  if (typeof suite.run !== 'function') return `bench/suites/${name}.ts does not export a run function`;
  return suite;
}

function showFigure(figure: Figure): void {
  const row = document.createElement('tr');
  for (const [text, className] of [[figure.suite, ''], [figure.name, ''], [figure.value.toPrecision(4), 'value'], [figure.unit, '']]) {
    const cell = document.createElement('td');
    cell.textContent = text;
    cell.className = className;
    row.append(cell);
  }
  document.getElementById('figures')!.append(row);
}

async function runAll(names: string[]): Promise<BenchResults> {
  const results: BenchResults = {
    crossOriginIsolated,
    userAgent: navigator.userAgent,
    hardwareConcurrency: navigator.hardwareConcurrency,
    suites: [],
    figures: [],
  };
  for (const name of names) {
    const suite = await load(name);
    if (typeof suite === 'string') {
      console.warn(`bench: skipping suite ${name}: ${suite}`);
      results.suites.push({ name, status: 'skipped', error: suite });
      continue;
    }
    console.log(`bench: suite ${name} …`);
    const start = performance.now();
    const report: Report = (figureName, value, unit) => {
      const figure = { suite: name, name: figureName, value, unit };
      results.figures.push(figure);
      showFigure(figure);
      console.log(`bench: ${name} / ${figureName}: ${value.toPrecision(4)} ${unit}`);
    };
    try {
      await suite.run(report);
      const seconds = (performance.now() - start) / 1000;
      results.suites.push({ name, status: 'ok', seconds });
      console.log(`bench: suite ${name} done in ${seconds.toFixed(1)} s`);
    } catch (error) {
      const seconds = (performance.now() - start) / 1000;
      results.suites.push({ name, status: 'failed', error: describeError(error), seconds });
      console.error(`bench: suite ${name} failed: ${describeError(error)}`);
    }
  }
  return results;
}

const only = new URLSearchParams(location.search).get('only');
const names = only === null ? suiteNames : [only];
const status = document.getElementById('status')!;
if (!crossOriginIsolated) console.warn('bench: this page is not cross-origin isolated; shared-memory figures will be missing or fall back');

runAll(names).then((results) => {
  window.__bench = results;
  window.__benchDone = true;
  const counts = results.suites.map((s) => `${s.name}: ${s.status}`).join(', ');
  status.textContent = `done (${counts})`;
}, (error: unknown) => {
  // Only a bug in this page lands here: scripts/bench.mjs reports a missing window.__bench.
  console.error(`bench: the benchmark page itself failed: ${describeError(error)}`);
  status.textContent = 'failed: see the console';
  window.__benchDone = true;
});
