/**
 * The Comlink baseline of the prefetch benchmark (bench/baseline/comlink.ts)
 * must deliver every element, in order, in both modes; its speed is measured
 * by `npm run bench`, never asserted here.
 */
import { expect, test } from '@playwright/test';
import type { ComlinkThroughputOptions } from '../bench/baseline/comlink.js';
import { isolatedURL } from './servers.js';

test.beforeEach(async ({ page }) => {
  await page.goto(`${isolatedURL}/e2e/pages/baseline.html`);
  await expect(page.locator('#status')).toHaveText('ready');
});

const cases: ComlinkThroughputOptions[] = [
  { n: 37, floats: 1000, transfer: true },
  { n: 37, floats: 1000, transfer: false },
  { n: 3, floats: 5, inFlight: 8, workers: 3, transfer: true },
  { n: 20, floats: 1, inFlight: 1, workers: 1, transfer: false },
];

for (const options of cases) {
  test(`comlinkThroughput delivers every element of ${JSON.stringify(options)} and returns a rate`, async ({ page }) => {
    const rate = await page.evaluate((o) => window.comlinkThroughput!(o), options);
    expect(Number.isFinite(rate)).toBe(true);
    expect(rate).toBeGreaterThan(0);
  });
}

test('comlinkThroughput rejects a bad option with a RangeError naming it', async ({ page }) => {
  const outcome = await page.evaluate(async () => {
    try {
      await window.comlinkThroughput!({ n: 10, floats: 4, inFlight: 0, transfer: true });
      return 'resolved';
    } catch (error) {
      return `${(error as Error).name}: ${(error as Error).message}`;
    }
  });
  expect(outcome).toBe('RangeError: comlinkThroughput: inFlight must be an integer >= 1, got 0');
});
