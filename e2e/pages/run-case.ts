/**
 * How the e2e pages hand their cases to the specs: `window.runCase(name, arg)`
 * runs one and resolves with plain JSON, and #status says "ready" once set.
 */
declare global {
  interface Window {
    runCase?: (name: string, arg?: unknown) => Promise<unknown>;
  }
}

export function exposeCases(cases: Record<string, (arg: never) => Promise<unknown>>): void {
  window.runCase = (name, arg) => {
    const run = cases[name] as ((arg: unknown) => Promise<unknown>) | undefined;
    if (!run) return Promise.reject(new Error(`no case named ${name}`));
    return run(arg);
  };
  document.getElementById('status')!.textContent = 'ready';
}
