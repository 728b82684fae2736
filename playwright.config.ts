/**
 * e2e tests in Debian's Chromium (/usr/bin/chromium): Playwright never
 * downloads a browser here. Two Vite dev servers are started: one cross-origin
 * isolated (the normal case) and one with SEQRING_NO_COI=1 (no isolation).
 */
import { defineConfig } from '@playwright/test';
import { isolatedPort, isolatedURL, notIsolatedPort, notIsolatedURL } from './e2e/servers.js';
import { chromiumArgs, chromiumPath } from './scripts/chromium.mjs';




const ci = Boolean(process.env.CI);
const vite = (port: number) => `npx vite --port ${port} --strictPort --host 127.0.0.1`;

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  // The machine has 2 cores, shared with the dev servers and the page's workers.
  workers: 1,
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  retries: 0,
  forbidOnly: ci,
  reporter: ci ? [['list']] : [['list'], ['html', { open: 'never' }]],
  use: {
    browserName: 'chromium',
    baseURL: isolatedURL,
    headless: true,
    launchOptions: { executablePath: chromiumPath, args: chromiumArgs },
    trace: 'retain-on-failure',
  },
  webServer: [
    {
      command: vite(isolatedPort),
      url: `${isolatedURL}/`,
      reuseExistingServer: !ci,
      timeout: 120_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      command: vite(notIsolatedPort),
      url: `${notIsolatedURL}/`,
      env: { SEQRING_NO_COI: '1' },
      reuseExistingServer: !ci,
      timeout: 120_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
  ],
});
