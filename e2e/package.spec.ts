/**
 * What a user installs: the package as `npm pack` makes it, unpacked into a
 * fresh app's node_modules (with the repo's Vite and Comlink beside it, so no
 * registry is needed), bundled by `vite build` and served cross-origin
 * isolated by `vite preview`. seqring's own worker entry and its kernels'
 * .wasm must come through the user's bundler, and the app must get its
 * values from them in Chromium.
 */
import { expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, preview, type PreviewServer } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

test('an app that installs the packed package and bundles it with vite build gets its values from seqring\'s workers and kernels', async ({ page }) => {
  test.setTimeout(120_000);
  const app = mkdtempSync(path.join(tmpdir(), 'seqring-app-'));
  cpSync(path.join(root, 'e2e/consumer'), app, { recursive: true });
  const modules = path.join(app, 'node_modules');
  mkdirSync(path.join(modules, 'seqring'), { recursive: true });
  const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', app], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop()!;
  execFileSync('tar', ['-xzf', path.join(app, tarball), '-C', path.join(modules, 'seqring'), '--strip-components=1']);
  for (const dep of ['comlink']) symlinkSync(path.join(root, 'node_modules', dep), path.join(modules, dep));

  await build({ root: app, logLevel: 'warn', configFile: false });
  let server: PreviewServer | undefined;
  try {
    server = await preview({ root: app, configFile: false, logLevel: 'warn', preview: { port: 0, host: '127.0.0.1', headers } });
    const url = server.resolvedUrls!.local[0]!;
    await page.goto(url);
    await expect(page.locator('#out')).not.toHaveText('running', { timeout: 30_000 });
    const r = JSON.parse((await page.locator('#out').textContent())!) as {
      ok: boolean; error?: string; isolated: boolean; transport: string; firsts: number[]; batches: number[][];
    };
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.isolated).toBe(true);
    expect(r.transport).toBe('shared');
    // normalize: (x / 255 - 0.5) / 0.25 for x = 0, 10, …, 70
    r.firsts.forEach((v, i) => expect(Math.abs(v - (i * 10 / 255 - 0.5) / 0.25)).toBeLessThan(1e-6));
    expect(r.firsts).toHaveLength(8);
    expect(r.batches).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
  } finally {
    await server?.close();
  }
});
