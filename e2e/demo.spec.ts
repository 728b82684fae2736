/**
 * The two demos, driven like a user would on the cross-origin isolated dev
 * server: the Fashion-MNIST preview (virtualized grid, filter, shuffle, a
 * wrong file) and the image batch loading (results, one error per broken
 * file, numbers, the whole chain in workers), the latter also on the server
 * that is not isolated. No timing assertions: numbers are checked for shape
 * only. Pages are opened relative to `baseURL` (the isolated server, see
 * playwright.config.ts) unless a test names the other one.
 */
import { expect, test, type Page } from '@playwright/test';
import { notIsolatedURL } from './servers.js';

const classNames = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

/** Page errors seen while the test runs (the test asserts there are none). */
function recordErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

/** Opens the image demo and waits for its first run to finish. */
async function openImages(page: Page, base = ''): Promise<void> {
  await page.goto(`${base}/demo/images.html`);
  await expect(page.locator('#status')).toHaveAttribute('data-ready', 'true', { timeout: 45_000 });
  await expect(page.locator('#batches')).toHaveAttribute('data-done', 'true');
}

/** `data-buffer` of each photo that became a tensor, by element index: 'shared' (a view into the ring) or 'own'. */
function tensorBuffers(page: Page): Promise<Record<number, string>> {
  return page.locator('.photo[data-state="done"]').evaluateAll((cards) =>
    Object.fromEntries(cards.map((c) => [Number((c as HTMLElement).dataset.index), (c as HTMLElement).dataset.buffer ?? ''])),
  );
}

async function openPreview(page: Page, query = ''): Promise<void> {
  await page.goto(`/demo/preview.html${query}`);
  await expect(page.locator('#status')).toHaveAttribute('data-ready', 'true', { timeout: 30_000 });
}

/** Tiles currently in the DOM that have their pixels, as { index, source, label }. */
function drawnTiles(page: Page): Promise<{ index: number; source: number; label: string }[]> {
  return page.locator('.tile[data-state="drawn"]').evaluateAll((tiles) =>
    tiles.map((t) => ({
      index: Number((t as HTMLElement).dataset.index),
      source: Number((t as HTMLElement).dataset.source),
      label: (t as HTMLElement).dataset.label ?? '',
    })),
  );
}

/** Whether the canvas of the first drawn tile (or photo) has any non-black pixel. */
function firstCanvasHasContent(page: Page, selector: string): Promise<boolean> {
  return page.locator(`${selector} canvas`).first().evaluate((canvas) => {
    const c = canvas as HTMLCanvasElement;
    const { data } = c.getContext('2d')!.getImageData(0, 0, c.width, c.height);
    for (let i = 0; i < data.length; i += 4) if (data[i]! + data[i + 1]! + data[i + 2]! > 0) return true;
    return false;
  });
}

test.describe('dataset preview', () => {
  test('shows Fashion-MNIST tiles with their real class names, read over the shared ring', async ({ page }) => {
    const errors = recordErrors(page);
    await openPreview(page);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    await expect(page.locator('[data-stat="transport"]')).toHaveText('shared');
    await expect(page.locator('[data-stat="workers"]')).toHaveText(/^[1-9]\d*$/);
    await expect.poll(async () => (await drawnTiles(page)).length).toBeGreaterThanOrEqual(20);
    const tiles = await drawnTiles(page);
    for (const tile of tiles) expect(classNames).toContain(tile.label);
    // The first images of the test split, in stored order: an ankle boot, a pullover, two trousers.
    const byIndex = new Map(tiles.map((t) => [t.index, t]));
    expect([0, 1, 2, 3].map((i) => byIndex.get(i)?.label)).toEqual(['Ankle boot', 'Pullover', 'Trouser', 'Trouser']);
    expect(byIndex.get(0)?.source).toBe(0);
    expect(await firstCanvasHasContent(page, '.tile[data-state="drawn"]')).toBe(true);
    await expect(page.locator('[data-stat="reads"]')).not.toHaveText('–');
    await expect(page.locator('[data-stat="latency"]')).toHaveText(/\d ms$/);
    expect(errors).toEqual([]);
  });

  test('scrolling far down shows other elements, and only the visible rows are in the page', async ({ page }) => {
    const errors = recordErrors(page);
    await openPreview(page);
    await expect.poll(async () => (await drawnTiles(page)).length).toBeGreaterThanOrEqual(20);
    await page.locator('#grid').evaluate((grid) => (grid.scrollTop = grid.scrollHeight * 0.8));
    await expect.poll(async () => Math.min(...(await drawnTiles(page)).map((t) => t.index))).toBeGreaterThan(7000);
    const tiles = await drawnTiles(page);
    for (const tile of tiles) {
      expect(tile.source).toBe(tile.index); // stored order: element i is image #i
      expect(classNames).toContain(tile.label);
    }
    expect(await page.locator('.tile').count()).toBeLessThan(300); // virtualized: not 10,000 elements
    await expect(page.locator('.tile[data-index="0"]')).toHaveCount(0);
    await expect(page.locator('[data-stat="restarts"]')).not.toHaveText('0'); // the jump restarted the window
    await expect(page.locator('[data-stat="range"]')).toHaveText(/of 10,000$/);
    expect(errors).toEqual([]);
  });

  test('filtering by a class shows only that class, also further down', async ({ page }) => {
    const errors = recordErrors(page);
    await openPreview(page);
    await page.locator('#class').selectOption({ value: String(classNames.indexOf('Bag')) });
    await expect(page.locator('#grid')).toHaveAttribute('data-label', 'Bag');
    await expect(page.locator('[data-stat="range"]')).toHaveText(/of 1,000$/);
    await expect.poll(async () => (await drawnTiles(page)).length).toBeGreaterThanOrEqual(20);
    expect(new Set((await drawnTiles(page)).map((t) => t.label))).toEqual(new Set(['Bag']));
    await expect(page.locator('.tile')).not.toHaveCount(0);
    for (const label of await page.locator('.tile').evaluateAll((ts) => ts.map((t) => (t as HTMLElement).dataset.label))) {
      expect(label).toBe('Bag');
    }
    await page.locator('#grid').evaluate((grid) => (grid.scrollTop = grid.scrollHeight - grid.clientHeight));
    await expect.poll(async () => Math.max(...(await drawnTiles(page)).map((t) => t.index))).toBe(999);
    expect(new Set((await drawnTiles(page)).map((t) => t.label))).toEqual(new Set(['Bag']));
    expect(errors).toEqual([]);
  });

  test('shuffle reorders with a seed, and the same seed gives the same order', async ({ page }) => {
    const errors = recordErrors(page);
    await openPreview(page);
    await page.locator('#shuffle').click();
    await expect(page.locator('#grid')).toHaveAttribute('data-seed', '1');
    const firstTen = async (): Promise<number[]> => {
      await expect.poll(async () => (await drawnTiles(page)).filter((t) => t.index < 10).length).toBe(10);
      return (await drawnTiles(page)).filter((t) => t.index < 10).sort((a, b) => a.index - b.index).map((t) => t.source);
    };
    const shuffled = await firstTen();
    expect(shuffled).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await openPreview(page, '?seed=1');
    await expect(page.locator('#grid')).toHaveAttribute('data-seed', '1');
    expect(await firstTen()).toEqual(shuffled);
    expect(errors).toEqual([]);
  });

  test('a file that is not IDX images gives a clear message on the page', async ({ page }) => {
    await page.goto('/demo/preview.html?images=/demo/data/t10k-labels-idx1-ubyte.gz');
    const status = page.locator('#status');
    await expect(status).toHaveAttribute('data-error', 'true', { timeout: 30_000 });
    await expect(status).toContainText('t10k-labels-idx1-ubyte.gz: not an IDX file of images');
    await expect(status).toContainText('0x00000801');
  });
});

test.describe('image batch loading', () => {
  test('every photo becomes a 3×224×224 tensor, and each broken file fails on its own, by name', async ({ page }) => {
    const errors = recordErrors(page);
    await openImages(page);

    await expect(page.locator('.photo')).toHaveCount(10);
    await expect(page.locator('.photo[data-state="done"]')).toHaveCount(8);
    await expect(page.locator('.photo[data-state="error"]')).toHaveCount(2);
    for (const name of ['truncated.jpg', 'random-bytes.png']) {
      const card = page.locator(`.photo[data-name="${name}"]`);
      await expect(card).toHaveAttribute('data-state', 'error');
      await expect(card.locator('.failed')).toHaveText(`${name} failed`);
      await expect(card.locator('.detail')).toContainText(`decode: ${name} is not a decodable image`);
    }
    for (const name of ['astronaut.png', 'camera.png', 'chelsea.webp', 'coffee-progressive.jpg']) {
      await expect(page.locator(`.photo[data-name="${name}"] .detail`)).toContainText('float32 [3, 224, 224]');
    }
    expect(await firstCanvasHasContent(page, '.photo[data-state="done"]')).toBe(true);

    const headings = page.locator('.batch h2');
    await expect(headings).toHaveCount(3);
    await expect(headings.nth(0)).toContainText('Float32Array [3, 3, 224, 224]');
    await expect(headings.nth(0)).toContainText('without truncated.jpg');
    await expect(headings.nth(1)).toContainText('Float32Array [4, 3, 224, 224]');
    await expect(headings.nth(2)).toContainText('Float32Array [1, 3, 224, 224]');

    await expect(page.locator('[data-stat="transport"]')).toHaveText('shared');
    await expect(page.locator('[data-stat="workers"]')).toHaveText('2');
    await expect(page.locator('[data-stat="images"]')).toHaveText('8 of 10');
    await expect(page.locator('[data-stat="failed"]')).toHaveText('2');
    await expect(page.locator('[data-stat="rate"]')).toHaveText(/^\d+(\.\d+)? images\/s$/);
    await expect(page.locator('[data-stat="total"]')).toHaveText(/\d ms$/);
    expect(errors).toEqual([]);
  });

  test('decode, resize and normalize all run in the workers, and the tensors are leased from the shared ring', async ({ page }) => {
    const errors = recordErrors(page);
    await openImages(page);
    await expect(page.locator('[data-stat="transport"]')).toHaveText('shared');
    // What a lease holds is normalize's output (4 channels, planar): the last kernel ran before the ring, in a worker.
    await expect(page.locator('[data-stat="element"]')).toHaveText('Float32Array, 4 × 224 × 224, chw');
    // Every element is a view into a ring slot, the first too (it sized the ring, then was placed in a slot).
    const buffers = await tensorBuffers(page);
    expect(Object.keys(buffers).map(Number)).toEqual([0, 1, 2, 4, 5, 6, 7, 9]);
    for (const [index, buffer] of Object.entries(buffers)) expect(buffer, `element ${index}`).toBe('shared');
    await expect(page.locator('[data-stat="buffers"]')).toContainText('views into a SharedArrayBuffer');
    expect(errors).toEqual([]);
  });

  test('run again reads every element again with the same results, all of them from the ring', async ({ page }) => {
    const errors = recordErrors(page);
    await openImages(page);
    await page.locator('#again').click();
    await expect(page.locator('#batches')).toHaveAttribute('data-done', 'true');
    await expect(page.locator('.photo[data-state="done"]')).toHaveCount(8);
    await expect(page.locator('.photo[data-state="error"]')).toHaveCount(2);
    await expect(page.locator('.batch h2').nth(1)).toContainText('Float32Array [4, 3, 224, 224]');
    // The ring exists now, so element 0 comes through it too.
    expect(Object.values(await tensorBuffers(page))).toEqual(new Array(8).fill('shared'));
    await expect(page.locator('[data-stat="buffers"]')).toHaveText('all 8 views into a SharedArrayBuffer');
    expect(errors).toEqual([]);
  });

  test('on a page that is not cross-origin isolated the same chain runs in the workers, by transfer', async ({ page }) => {
    const errors = recordErrors(page);
    await openImages(page, notIsolatedURL);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
    await expect(page.locator('[data-stat="transport"]')).toHaveText('transfer');
    await expect(page.locator('.photo[data-state="done"]')).toHaveCount(8);
    await expect(page.locator('.photo[data-state="error"]')).toHaveCount(2);
    await expect(page.locator('.photo[data-name="truncated.jpg"] .detail')).toContainText('decode: truncated.jpg is not a decodable image');
    await expect(page.locator('[data-stat="element"]')).toHaveText('Float32Array, 4 × 224 × 224, chw');
    await expect(page.locator('[data-stat="buffers"]')).toHaveText('all 8 in their own ArrayBuffers');
    await expect(page.locator('.batch h2').nth(0)).toContainText('Float32Array [3, 3, 224, 224]');
    expect(errors).toEqual([]);
  });
});
