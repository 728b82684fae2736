/**
 * The ring is one WebAssembly memory (at most 4 GiB): maxBuffered + 1 slots
 * of the first element's size. Elements too large for that many slots
 * travel by message instead; a slot size asked for that cannot fit is
 * refused at once, saying so.
 */
import { test, describe, mock } from 'node:test';
import assert from 'node:assert/strict';
import { arange, prefetch, repeat, smap } from '../../src/index.js';
import { fixtureFunctions } from '../helpers/workers.js';

const T = { timeout: 60_000 };
const MIB_FLOATS = 262_144; // 1 MiB of float32

describe('ring size', () => {
  test('elements too large for maxBuffered + 1 slots in one memory travel by message, with a warning, instead of crashing', T, async () => {
    const { fns } = fixtureFunctions();
    const warn = mock.method(console, 'warn', () => {});
    // 4,201 slots of 1 MiB (and a little): more than 4 GiB.
    const p = prefetch(smap(fns.filled, arange(12), repeat(MIB_FLOATS)), { workers: 2, maxBuffered: 4200 });
    try {
      assert.equal(p.transport, 'shared');
      let i = 0;
      for await (const v of p) {
        assert.equal(v.length, MIB_FLOATS);
        assert.equal(v[0], i);
        assert.equal(v[MIB_FLOATS - 1], i);
        i++;
      }
      assert.equal(i, 12);
      const lease = await p.lease(5);
      assert.ok(!(lease.value.buffer instanceof SharedArrayBuffer), 'a leased element is a copy, not a view into the ring');
      assert.equal(lease.value[7], 5);
      lease.release();
      const warnings = warn.mock.calls.map((c) => String(c.arguments[0]));
      assert.equal(warnings.length, 1, warnings.join('\n'));
      assert.match(warnings[0]!, /a ring of 4201 slots of \d+ bytes \(\d+ MiB\) is more than a WebAssembly memory holds \(4 GiB\); elements of \d+ bytes travel by message instead/);
    } finally {
      warn.mock.restore();
      await p.close();
    }
  });

  test('a slotBytes option that cannot fit maxBuffered + 1 slots in one memory is refused by prefetch itself', () => {
    const { fns } = fixtureFunctions();
    assert.throws(() => prefetch(smap(fns.filled, arange(4), repeat(4)), { workers: 1, slotBytes: 300_000_000, maxBuffered: 15 }), {
      name: 'RangeError',
      message: /^prefetch: a ring of 16 slots of 300000000 bytes \(\d+ MiB\) is more than a WebAssembly memory holds \(4 GiB\)$/,
    });
  });
});
