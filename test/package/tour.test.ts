/**
 * The README's tour runs as written (examples/tour.mjs, against the built
 * package) and prints what its comments say.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

test("the README's tour prints what its comments promise", { timeout: 60_000 }, () => {
  assert.ok(existsSync(`${root}dist/index.js`), 'dist/ is missing: run `npm run build` first (npm test does)');
  const out = execFileSync(process.execPath, ['examples/tour.mjs'], { cwd: root, encoding: 'utf8', timeout: 50_000 });
  assert.deepEqual(out.trim().split('\n'), [
    '9 81',
    '[ 4, 16, 36 ]',
    '[ 9, 1, 16, 1, 25 ]',
    '[ [ 0, 1, 2, 3 ], [ 4, 5, 6, 7 ], [ 8, 9 ] ]',
    '[ -6, -7, -8 ]',
    '13 [ 2, 4 ]',
    "[ 'a', 'b', 'a', 'b', 'a' ] [ 5, 5 ]",
    '[ 0, 7, 0, 8, 0, 0 ]',
    'true 2 boom',
    'shared 1000',
    '989 979',
  ]);
});
