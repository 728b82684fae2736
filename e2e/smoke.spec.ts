/**
 * Smoke test of the serving set-up: the dev server makes pages and module
 * workers cross-origin isolated (so SharedArrayBuffer can be shared), every
 * response carries the isolation headers, real data is served at /data/, and
 * the server started with SEQRING_NO_COI=1 serves pages that are NOT isolated.
 */
import { expect, test, type Page, type Response } from '@playwright/test';
import { isolatedURL, notIsolatedURL } from './servers.js';
import type { IsolationReport } from './pages/isolation.js';

const headerNames = ['cross-origin-opener-policy', 'cross-origin-embedder-policy', 'cross-origin-resource-policy'];

async function isolationReport(page: Page, baseURL: string): Promise<IsolationReport> {
  await page.goto(`${baseURL}/e2e/pages/isolation.html`);
  const handle = await page.waitForFunction(() => window.__isolation);
  return (await handle.jsonValue()) as IsolationReport;
}

function recordResponses(page: Page): Response[] {
  const responses: Response[] = [];
  page.on('response', (response) => responses.push(response));
  return responses;
}

test('the page and a module worker are cross-origin isolated and share memory', async ({ page }) => {
  const report = await isolationReport(page, isolatedURL);
  expect(report).toEqual({ page: true, worker: true, sharedWriteSeen: true });
});

test('every response of the isolated server carries COOP, COEP and CORP', async ({ page }) => {
  const responses = recordResponses(page);
  await isolationReport(page, isolatedURL);
  const urls = responses.map((r) => new URL(r.url()).pathname);
  // The page, its module script and the worker script must all be among them.
  expect(urls).toEqual(expect.arrayContaining(['/e2e/pages/isolation.html', '/e2e/pages/isolation.ts', '/e2e/pages/isolation-worker.ts']));
  for (const response of responses) {
    const headers = response.headers();
    expect(headers['cross-origin-opener-policy'], response.url()).toBe('same-origin');
    expect(headers['cross-origin-embedder-policy'], response.url()).toBe('require-corp');
    expect(headers['cross-origin-resource-policy'], response.url()).toBe('same-origin');
  }
});

test('shared data is served at /data/ as stored bytes, with the isolation headers', async ({ request }) => {
  const response = await request.get(`${isolatedURL}/data/fashion-mnist/t10k-labels-idx1-ubyte.gz`);
  expect(response.status()).toBe(200);
  const bytes = await response.body();
  expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]); // still gzipped
  expect(response.headers()['cross-origin-embedder-policy']).toBe('require-corp');
  const escape = await request.get(`${isolatedURL}/data/..%2F..%2Fmain%2Fpackage.json`);
  expect(escape.status()).toBe(404);
});

test('the server started with SEQRING_NO_COI=1 serves pages that are not isolated', async ({ page }) => {
  const responses = recordResponses(page);
  const report = await isolationReport(page, notIsolatedURL);
  expect(report).toEqual({ page: false, worker: false, sharedWriteSeen: null });
  for (const response of responses) {
    for (const name of headerNames) expect(response.headers()[name], `${name} on ${response.url()}`).toBeUndefined();
  }
});

test('the landing page says whether it is cross-origin isolated', async ({ page }) => {
  await page.goto(`${isolatedURL}/`);
  await expect(page.locator('#isolation')).toHaveText(/cross-origin isolated: yes/);
  await page.goto(`${notIsolatedURL}/`);
  await expect(page.locator('#isolation')).toHaveText(/cross-origin isolated: no/);
});

test('the landing page logs no errors', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.goto(`${isolatedURL}/`, { waitUntil: 'networkidle' });
  await expect(page.locator('#isolation')).toHaveText(/cross-origin isolated: yes/);
  expect(errors).toEqual([]);
});

for (const demo of ['preview', 'images']) {
  test(`the ${demo} demo page loads its module without errors, and logs none`, async ({ page }) => {
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    // A console error counts too: a missing resource (such as a favicon) shows there only.
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(`${isolatedURL}/demo/${demo}.html`);
    await expect(page.locator('#status')).toHaveAttribute('data-ready', 'true');
    expect(errors).toEqual([]);
  });
}
