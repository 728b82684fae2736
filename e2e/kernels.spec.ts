/**
 * The built-in wasm kernels in real Chromium: real photos decoded on the page
 * go through resizeBilinear → normalize in prefetch workers (writing into the
 * shared ring) and on the main thread, and must match the plain-JS reference
 * chain computed on the page. The page (pages/kernels.ts) returns JSON.
 */
import { expect, test, type Page } from '@playwright/test';
import { isolatedURL } from './servers.js';
import type { Comparison, KernelCases } from './pages/kernels.js';

type Result<K extends keyof KernelCases> = Awaited<ReturnType<KernelCases[K]>>;

const photos = ['astronaut.png', 'chelsea.png', 'rocket.jpg', 'camera.png'];

function runCase<K extends keyof KernelCases>(page: Page, name: K): Promise<Result<K>> {
  return page.evaluate((n) => window.runCase!(n), name) as Promise<Result<K>>;
}

test.beforeEach(async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${isolatedURL}/e2e/pages/kernels.html`);
  await expect(page.locator('#status'), `page errors: ${errors.join('; ')}`).toHaveText('ready');
});

function expectMatchesReference(c: Comparison): void {
  expect(c.shape, c.name).toEqual({ width: 224, height: 224, channels: 4, layout: 'chw', length: 224 * 224 * 4 });
  expect(c.wantLength, c.name).toBe(224 * 224 * 4);
  expect(c.maxAbsDiff, `${c.name}: largest difference at ${c.worstAt}`).toBeLessThanOrEqual(1e-6);
}

test('real photos through resize → normalize in two workers match the JS reference, as views into the shared ring', async ({ page }) => {
  const r = await runCase(page, 'photosInWorkers');
  expect(r.crossOriginIsolated).toBe(true);
  expect(r.transport).toBe('shared');
  expect(r.viaLoop.map((c) => c.name)).toEqual(photos);
  expect(r.viaLoop.map((c) => c.input)).toEqual([[512, 512], [451, 300], [640, 427], [512, 512]]);
  for (const c of [...r.viaLoop, ...r.viaLease]) expectMatchesReference(c);
  // Element 0 may size the ring and travel by message; every later output lives in the ring.
  expect(r.viaLoop.map((c) => c.shared)).toEqual([true, true, true, true]);
  expect(r.viaLease.map((c) => c.shared)).toEqual([true, true, true, true]);
});

test('photos in a SharedStore go through the same chain in workers, read in place: the same results, and no scratch for copies', async ({ page }) => {
  const r = await runCase(page, 'photosFromStore');
  expect(r.transport).toBe('shared');
  expect(r.viaLoop.map((c) => c.name)).toEqual(photos);
  for (const c of r.viaLoop) expectMatchesReference(c);
  expect(r.viaLoop.map((c) => c.shared)).toEqual([true, true, true, true]);
  // Each worker's scratch holds params and the 224×224 RGBA intermediate (4 pages), not the 512×512 input (16 more).
  expect(r.grownPages).toBeGreaterThan(r.ringPages);
  expect(r.grownPages).toBeLessThanOrEqual(r.ringPages + 2 * 5);
});

test('prefetches made one after another on one store reuse the first one\'s ring pages and its workers\' scratch (its workers are known gone by their life locks)', async ({ page }) => {
  const r = await runCase(page, 'storeReusedAfterClose');
  for (const c of r.comparisons) expectMatchesReference(c);
  expect(r.comparisons).toHaveLength(5 * photos.length);
  expect(r.grown[0]).toBeGreaterThanOrEqual(r.ringPages);
  // The later ones: their ring, and their workers' scratch (params and the resized intermediate, 5 pages
  // each), are pages an earlier one gave back once its workers were known gone. The store grows only for
  // a worker of a seat that had no scratch yet (its worker computed nothing before): at most 5 pages a
  // worker in all, not per prefetch.
  expect(r.grown.slice(1).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(2 * 5);
});

test('real photos in batches (the short last group read first) match the reference, every group as views into the ring, stacked as one view', async ({ page }) => {
  const r = await runCase(page, 'photosInBatches');
  expect(r.transport).toBe('shared');
  expect(r.first.map((c) => c.name)).toEqual([photos[3]]);
  expect(r.groups.map((g) => g.map((c) => c.name))).toEqual([photos.slice(0, 3), photos.slice(3)]);
  for (const c of [...r.first, ...r.groups.flat()]) expectMatchesReference(c);
  // The last group sized the ring for groups of 3, so the full group is written in a slot too.
  expect(r.groups.map((g) => g.map((c) => c.shared))).toEqual([[true, true, true], [true]]);
  // 224×224×4 float32 images lie back to back in the slot: stack() is a view of it, with their values.
  expect(r.stacked).toEqual([{ view: true, same: true }, { view: true, same: true }]);
});

test('photos with their labels in batches (batch of collate): each image written in the slot by the kernel, its label beside it, each group stacked as one view', async ({ page }) => {
  const r = await runCase(page, 'labelledPhotosInBatches');
  expect(r.transport).toBe('shared');
  expect(r.groups.map((g) => g.map((x) => x.label))).toEqual([photos.slice(0, 3), photos.slice(3)]);
  for (const { comparison } of r.groups.flat()) {
    expectMatchesReference(comparison);
    expect(comparison.shared, comparison.name).toBe(true);
  }
  expect(r.stackedViews).toEqual([true, true]);
  // Scratch for params, the resized intermediate and its copy for normalize (5 pages a worker); not the 802 KB outputs (13 more).
  expect(r.grownPages).toBeGreaterThan(r.ringPages);
  expect(r.grownPages).toBeLessThanOrEqual(r.ringPages + 2 * 5);
});

test('the same kernels called on the main thread match the JS reference', async ({ page }) => {
  const r = await runCase(page, 'photosOnMainThread');
  expect(r.map((c) => c.name)).toEqual(photos);
  for (const c of r) expectMatchesReference(c);
});

test('a bad image (zero width, or too little data) fails only its own element', async ({ page }) => {
  const r = await runCase(page, 'badImages');
  expect(r.map((o) => o.ok)).toEqual([true, false, true, false, true]);
  for (const o of r) {
    if (o.ok) expectMatchesReference(o.comparison);
    else {
      expect(o.name, o.message).toBe('EvaluationError');
      expect(o.index).toBe(o.i);
      expect(o.message, 'names the kernel').toMatch(/resizeBilinear/);
    }
  }
});

test("a user's worker function that calls a kernel itself needs no loadKernels() in its worker: outputs match the reference", async ({ page }) => {
  const r = await runCase(page, 'kernelCalledInWorkerFunction');
  expect(r.transport).toBe('shared');
  expect(r.out.map((o) => o.name)).toEqual(photos);
  for (const o of r.out) {
    expect(o.shape, o.name).toEqual(o.want);
    expect(o.differences, o.name).toBe(0);
  }
});
