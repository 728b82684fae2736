/**
 * prefetch in real Chromium workers: a user's worker module and seqring's own
 * entry, shared ring and transfer transports, random reads, failing and dying
 * elements, close and abort, the async method. The page (pages/prefetch.ts)
 * runs each case and returns JSON; the assertions are here so failures show
 * the real values.
 */
import { expect, test, type Page } from '@playwright/test';
import { isolatedURL, notIsolatedURL } from './servers.js';
import type { Failure, PrefetchCases } from './pages/prefetch.js';

type Result<K extends keyof PrefetchCases> = Awaited<ReturnType<PrefetchCases[K]>>;

async function open(page: Page, baseURL: string, flags: string[] = []): Promise<void> {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  const query = flags.filter(Boolean).join('&');
  await page.goto(`${baseURL}/e2e/pages/prefetch.html${query ? `?${query}` : ''}`);
  await expect(page.locator('#status'), `page errors: ${errors.join('; ')}`).toHaveText('ready');
}

function runCase<K extends keyof PrefetchCases>(page: Page, name: K, arg?: Parameters<PrefetchCases[K]>[0]): Promise<Result<K>> {
  return page.evaluate(([n, a]) => window.runCase!(n, a), [name, arg] as const) as Promise<Result<K>>;
}

const inOrder = (n: number) => Array.from({ length: n }, (_, i) => i);

function expectCase1(r: Result<'filled'>, transport: 'shared' | 'transfer'): void {
  expect(r.transport).toBe(transport);
  expect(r.length).toBe(500);
  for (const pass of r.passes) expect(pass).toEqual({ count: 500, inOrder: true, bad: [] });
  for (const [i, lease] of Object.entries(r.leases)) {
    expect(lease, `lease(${i})`).toEqual({ shared: transport === 'shared', first: Number(i) });
  }
  expect(r.get).toEqual({ shared: false, values: [7, 7] });
  expect(r.workersMade, 'no worker was replaced: none died').toBe(2);
}

function expectMixedReads(r: Result<'mixedReads'>, transport: 'shared' | 'transfer', seed: number): void {
  expect(r.transport).toBe(transport);
  expect(r.stuck, `seed ${seed}: reads still pending 10 s into a quiet moment at step ${r.stuckAtStep}`).toEqual([]);
  expect(r.failures, `seed ${seed}`).toEqual([]);
  expect(r.reads, `seed ${seed}`).toBeGreaterThan(750);
}

/** The error a user's function threw in the worker, found in the cause chain. */
function expectUserErrorInCauses(e: Failure, name: string, message: string): void {
  const user = e.causes.find((c) => c.name === name);
  expect(user, `the cause chain ${JSON.stringify(e.causes.map((c) => `${c.name}: ${c.message}`))}`).toBeDefined();
  expect(user!.message).toBe(message);
  expect(user!.stack, "the worker's stack").toMatch(/prefetch\.worker/);
}

test.describe('prefetch on a cross-origin-isolated page', () => {
  test.beforeEach(async ({ page }) => open(page, isolatedURL));

  test("a user's worker function over 500 elements comes back in order through the shared ring, on two passes", async ({ page }) => {
    const r = await runCase(page, 'filled');
    expect(r.crossOriginIsolated).toBe(true);
    expect(r.waitAsync).toBe('function');
    expectCase1(r, 'shared');
  });

  test('a writer (writesInto) fills each ring slot itself, in order', async ({ page }) => {
    const r = await runCase(page, 'writer');
    // Element 0 sizes the ring, so it alone travels once by message (written into a fresh array).
    expect(r).toEqual({ transport: 'shared', count: 300, bad: [], inSlot: 299, fresh: [0] });
  });

  test("pipelines of data and combinators run in seqring's own worker entry (no factory)", async ({ page }) => {
    const r = await runCase(page, 'builtinEntry');
    expect(r.transports).toEqual(['shared', 'shared']);
    const want = Array.from({ length: 13 }, (_, b) => inOrder(100).slice(8 * b, 8 * b + 8));
    expect(r.batches).toEqual(want);
    expect(r.last).toEqual([96, 97, 98, 99]);
    expect(r.arrays).toEqual(Array.from({ length: 40 }, (_, i) => [32, i / 4, i / 4]));
  });

  test('Float16Array elements arrive as Float16Array views of the ring, alone and inside objects', async ({ page }) => {
    const r = await runCase(page, 'float16');
    for (const seen of r) {
      expect(seen.map((s) => s.values)).toEqual(Array.from({ length: 12 }, (_, i) => [i, i + 0.5, -i, 65504]));
      expect(new Set(seen.map((s) => s.type))).toEqual(new Set(['Float16Array']));
      // Element 0 sizes the ring by message; the rest are read in the ring.
      expect(seen.slice(1).every((s) => s.shared)).toBe(true);
    }
  });

  test('prefetch runs inside a dedicated worker too: its own workers, a user\'s and a kernel step, nested, over a shared ring', async ({ page }) => {
    const r = await runCase(page, 'insideAWorker');
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
    const v = r.value as { isolated: boolean; transports: string[]; batches: number[][]; viaUser: number[]; greyDifferences: number };
    expect(v.isolated).toBe(true);
    expect(v.transports).toEqual(['shared', 'shared', 'shared']);
    expect(v.batches).toEqual([inOrder(20).slice(0, 8), inOrder(20).slice(8, 16), inOrder(20).slice(16)]);
    expect(v.viaUser).toEqual(Array.from({ length: 50 }, (_, i) => 2 * i));
    expect(v.greyDifferences).toBe(0);
  });

  test('300 seeded random reads (get and lease) each return their own element', async ({ page }) => {
    const seed = Number(process.env.SEQRING_SEED ?? Date.now() % 1_000_000);
    console.log(`# seed ${seed} (set SEQRING_SEED=${seed} to replay)`);
    const r = await runCase(page, 'randomReads', seed);
    expect(r, `seed ${seed}`).toEqual({ reads: 300, bad: [] });
  });

  for (const dying of [false, true]) {
    test(`a seeded mix of gets, leases, releases and jumps: every read settles, with its own element or the leases error${dying ? ', while workers die' : ''}`, async ({ page }) => {
      const seed = Number(process.env.SEQRING_SEED ?? Date.now() % 1_000_000);
      console.log(`# seed ${seed} (set SEQRING_SEED=${seed} to replay)`);
      expectMixedReads(await runCase(page, 'mixedReads', { seed, dying }), 'shared', seed);
    });
  }

  test('a throwing element rejects with an EvaluationError naming its index, with the worker stack as cause; others still read', async ({ page }) => {
    const r = await runCase(page, 'failingElement');
    expect(r.failed.ok).toBe(false);
    if (r.failed.ok) return;
    const e = r.failed.error;
    expect(e.name).toBe('EvaluationError');
    expect(e.isEvaluationError).toBe(true);
    expect(e.index).toBe(7);
    expect(e.message).toMatch(/item 7/);
    expect(e.message, 'names where the prefetch was created').toMatch(/prefetch\.ts/);
    expect(e.message).toContain('element 7 is bad');
    expectUserErrorInCauses(e, 'RangeError', 'element 7 is bad');
    expect(r.others).toEqual([6, 8, 0, 19].map((i) => ({ ok: true, value: i })));
    expect(r.again.ok ? 'resolved' : r.again.error.name).toBe('EvaluationError');
  });

  // The ring here is sized by a 16-byte first element, so the error cannot fit a slot and must travel by message.
  test('an element error written into a small ring slot keeps the user message and worker stack', async ({ page }) => {
    const r = await runCase(page, 'failingElementInRing');
    expect(r.sized).toEqual({ ok: true, value: 0 });
    expect(r.failed.ok).toBe(false);
    if (r.failed.ok) return;
    expect(r.failed.error).toMatchObject({ name: 'EvaluationError', index: 7 });
    expect(r.failed.error.message).toContain('element 7 is bad');
    expectUserErrorInCauses(r.failed.error, 'RangeError', 'element 7 is bad');
  });

  test("under seterr('passthrough') the read rejects with the user's error name, message and stack", async ({ page }) => {
    const r = await runCase(page, 'failingElementPassthrough');
    expect(r.failed.ok).toBe(false);
    if (r.failed.ok) return;
    expect(r.failed.error).toMatchObject({ name: 'RangeError', message: 'element 3 is bad', isEvaluationError: false });
    expect(r.failed.error.stack).toMatch(/prefetch\.worker/);
    expect(r.other).toEqual({ ok: true, value: 4 });
  });

  test('a worker that closes itself mid-element is replaced; the element is recomputed and a pass has every element once', async ({ page }) => {
    const r = await runCase(page, 'workerDiesOnce');
    expect(r.transport).toBe('shared');
    expect(r.bad).toEqual([]);
    expect(r.got).toEqual(inOrder(120));
    expect(r.deaths, 'the element killed one worker, then succeeded on its second try').toBe(2);
    expect(r.again).toEqual({ ok: true, value: 37 });
  });

  test('an element that kills its worker every time fails after three deaths; the others still read', async ({ page }) => {
    const r = await runCase(page, 'workerDiesAlways');
    expect(r.failed.ok).toBe(false);
    if (r.failed.ok) return;
    expect(r.failed.error).toMatchObject({ name: 'EvaluationError', index: 5 });
    expect(r.failed.error.message).toMatch(/killed its worker 3 times/);
    expect(r.deaths).toBe(3);
    expect(r.others).toEqual([6, 4, 49].map((i) => ({ ok: true, value: i })));
  });

  test('workers that close themselves in onWorkerStart fail the reads, saying so, instead of waiting out the start timeout', async ({ page }) => {
    const r = await runCase(page, 'workerClosesWhileStarting');
    expect(r.read.ok).toBe(false);
    if (r.read.ok) return;
    expect(r.read.error.message).toMatch(/died while starting: the worker stopped/);
    console.log(`workers closed while starting: the read failed after ${r.ms.toFixed(0)} ms`);
  });

  test('close() rejects a read pending in a blocked worker with AbortError, and every later read', async ({ page }) => {
    const r = await runCase(page, 'closeWhilePending');
    expect(r.closed).toEqual({ ok: true });
    expect(r.pending.ok ? 'resolved' : r.pending.error.name, JSON.stringify(r.pending)).toBe('AbortError');
    expect(r.after.map((o) => (o.ok ? 'resolved' : o.error.name))).toEqual(['AbortError', 'AbortError']);
    expect(r.closedAgain).toEqual({ ok: true });
  });

  test("aborting the signal rejects pending and later reads with the signal's reason", async ({ page }) => {
    const r = await runCase(page, 'abortWhilePending');
    expect(r).toEqual({ pending: 'the reason', later: 'the reason' });
  });

  test("a closure in a worker pipeline throws a TypeError at once that points to method: 'async'", async ({ page }) => {
    const r = await runCase(page, 'closureInWorkerPipeline');
    expect(r.threw).toBe(true);
    if (!r.threw) return;
    expect(r.error.name).toBe('TypeError');
    expect(r.error.message).toContain("method: 'async'");
  });

  test("method 'async' runs closures that fetch real files, in order", async ({ page }) => {
    const r = await runCase(page, 'asyncMethodFetch');
    expect(r.transport).toBe('async');
    expect(r.got.map((g) => g.name)).toEqual(['astronaut.png', 'chelsea.png', 'rocket.jpg', 'camera.png', 'coins.png', 'coffee.png']);
    expect(r.got.map((g) => g.bytes)).toEqual(r.direct);
    expect(r.got.map((g) => g.head)).toEqual([[0x89, 0x50], [0x89, 0x50], [0xff, 0xd8], [0x89, 0x50], [0x89, 0x50], [0x89, 0x50]]);
    expect(r.calls).toBe(6);
    expect(r.timers).toEqual([0, 6, 12, 18]);
  });
});

test('without Atomics.waitAsync (deleted before seqring loads) the shared ring still delivers every element', async ({ page }) => {
  await open(page, isolatedURL, ['nowaitasync']);
  const r = await runCase(page, 'filled');
  expect(r.crossOriginIsolated).toBe(true);
  expect(r.waitAsync).toBe('undefined');
  expectCase1(r, 'shared');
});

test.describe('prefetch on a page that is NOT cross-origin isolated', () => {
  test('the same pipeline gives the same values by transferring buffers', async ({ page }) => {
    await open(page, notIsolatedURL);
    const r = await runCase(page, 'filled');
    expect(r.crossOriginIsolated).toBe(false);
    expectCase1(r, 'transfer');
  });

  test('a seeded mix of gets, leases, releases and jumps: every read settles, with its own element or the leases error', async ({ page }) => {
    await open(page, notIsolatedURL);
    const seed = Number(process.env.SEQRING_SEED ?? Date.now() % 1_000_000);
    console.log(`# seed ${seed} (set SEQRING_SEED=${seed} to replay)`);
    expectMixedReads(await runCase(page, 'mixedReads', { seed, dying: false }), 'transfer', seed);
  });

  test('a writer (writesInto) gives the same values, written into fresh arrays', async ({ page }) => {
    await open(page, notIsolatedURL);
    const r = await runCase(page, 'writer');
    expect(r).toEqual({ transport: 'transfer', count: 300, bad: [], inSlot: 0, fresh: [0, 1, 2] });
  });

  test('a SharedStore cannot be made, with a TypeError that says what the page needs', async ({ page }) => {
    await open(page, notIsolatedURL);
    const r = await runCase(page, 'storeWithoutIsolation');
    expect(r).toEqual({ threw: true, name: 'TypeError', message: expect.stringMatching(/cross-origin-isolated page \(COOP\/COEP headers/) });
  });

  test('two prefetches warn about cross-origin isolation exactly once', async ({ page }) => {
    const warnings: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'warning' && /cross-origin isolat/i.test(m.text())) warnings.push(m.text());
    });
    await open(page, notIsolatedURL);
    const r = await runCase(page, 'twoTransferPrefetches');
    expect(r).toEqual([0, 1].map(() => ({ transport: 'transfer', pass: { count: 100, inOrder: true, bad: [] } })));
    expect(warnings).toHaveLength(1);
  });
});
