/**
 * The ring's memory layout (src/ring/layout.ts) and what Ring builds on it
 * (src/ring/ring.ts): offsets never overlap, data is aligned, canaries catch
 * a write one byte outside a slot.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ALIGN, GUARD_BYTE, GUARD_BYTES, HEADER_BYTES, HEADER_WORDS, H_CLOSED, H_EVENTS, H_HEARTBEAT, H_MAGIC, H_POISON,
  H_LINGERER, H_RANDOM_READS, H_READER_WAITING, H_REQUESTS, H_SLEEPERS, H_SLOT_BYTES, H_SLOT_COUNT, H_WAKE_SLOT, MAX_WORKERS, PAGE_BYTES, SLOT_WORDS, S_BYTES,
  S_DATA_AT, S_DTYPE, S_INDEX, S_INDEX_HIGH, S_KIND, S_META_BYTES, S_STATE, S_WORKER, ringBytes, ringPages, slotDataOffset, slotWord,
} from '../../src/ring/layout.js';
import { Ring } from '../../src/ring/ring.js';

const T = { timeout: 5_000 };

describe('layout', () => {
  test('header words are distinct, and the heartbeats then the scratch records end the header', T, () => {
    const words = [H_MAGIC, H_SLOT_COUNT, H_SLOT_BYTES, H_REQUESTS, H_EVENTS, H_CLOSED, H_POISON, H_SLEEPERS, H_READER_WAITING, H_WAKE_SLOT,
      H_RANDOM_READS, H_LINGERER];
    assert.equal(new Set(words).size, words.length);
    assert.ok(Math.max(...words) < H_HEARTBEAT);
    assert.equal(H_HEARTBEAT + MAX_WORKERS + 3 * MAX_WORKERS, HEADER_WORDS); // heartbeats, then scratch records
    assert.equal(HEADER_BYTES, HEADER_WORDS * 4);
  });

  test('slot fields are distinct and inside a slot\'s words; slot tables do not overlap', T, () => {
    const fields = [S_STATE, S_INDEX, S_WORKER, S_KIND, S_DTYPE, S_BYTES, S_META_BYTES, S_DATA_AT, S_INDEX_HIGH];
    assert.equal(new Set(fields).size, fields.length);
    assert.ok(fields.every((f) => f >= 0 && f < SLOT_WORDS));
    assert.equal(slotWord(0, S_STATE), HEADER_WORDS);
    assert.equal(Math.max(...fields.map((f) => slotWord(3, f))) + 1 <= slotWord(4, S_STATE), true);
  });

  for (const g of [{ slotCount: 1, slotBytes: 16 }, { slotCount: 3, slotBytes: 48 }, { slotCount: 9, slotBytes: 4096 }, { slotCount: 40, slotBytes: 65536 }]) {
    test(`${g.slotCount} slots of ${g.slotBytes} bytes: aligned data, guards between, nothing overlaps, all within the pages`, T, () => {
      const tableEnd = HEADER_BYTES + g.slotCount * SLOT_WORDS * 4;
      let previousEnd = tableEnd;
      for (let s = 0; s < g.slotCount; s++) {
        const at = slotDataOffset(g, s);
        assert.equal(at % ALIGN, 0, `slot ${s} data at ${at}`);
        assert.ok(at - GUARD_BYTES >= previousEnd, `slot ${s}'s leading guard starts after what precedes it`);
        previousEnd = at + g.slotBytes + GUARD_BYTES;
      }
      assert.ok(ringBytes(g) >= previousEnd, 'the last trailing guard is inside the ring');
      assert.ok(ringPages(g) * PAGE_BYTES >= ringBytes(g));
      assert.ok((ringPages(g) - 1) * PAGE_BYTES < ringBytes(g), 'no page more than needed');
    });
  }
});

describe('Ring', () => {
  test('create writes the geometry (slotBytes rounded up to 16), attach reads the same ring', T, () => {
    const ring = Ring.create({ slotCount: 5, slotBytes: 100, poison: true });
    assert.equal(ring.slotCount, 5);
    assert.equal(ring.slotBytes, 112);
    assert.equal(ring.poison, true);
    assert.ok(ring.memory.buffer instanceof SharedArrayBuffer);
    const other = Ring.attach(ring.location);
    assert.equal(other.slotCount, 5);
    assert.equal(other.slotBytes, 112);
    assert.equal(other.dataOffset(4), ring.dataOffset(4));
    assert.equal(Ring.create({ slotCount: 1, slotBytes: 1 }).slotBytes, 16);
    assert.equal(Ring.create({ slotCount: 1, slotBytes: 8 }).poison, false);
  });

  test('attach refuses a memory that holds no ring', T, () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 2, shared: true });
    assert.throws(() => Ring.attach({ memory, at: 0 }), /memory holds no ring/);
  });

  test('a fresh ring has intact guards, and a byte written just outside any slot is caught', T, () => {
    const ring = Ring.create({ slotCount: 4, slotBytes: 64 });
    assert.deepEqual(ring.damagedGuards(), []);
    const bytes = new Uint8Array(ring.buffer);
    for (let s = 0; s < 4; s++) {
      const at = ring.dataOffset(s);
      bytes.fill(0x11, at, at + ring.slotBytes); // the whole data area is fair game
      assert.deepEqual(ring.damagedGuards(), []);
      for (const outside of [at - 1, at + ring.slotBytes, at - GUARD_BYTES, at + ring.slotBytes + GUARD_BYTES - 1]) {
        const keep = bytes[outside]!;
        bytes[outside] = 0;
        assert.deepEqual(ring.damagedGuards(), [s], `slot ${s}, byte ${outside - at}`);
        bytes[outside] = keep;
      }
      bytes[at - 1] = 0;
      ring.fillGuards(s);
      assert.deepEqual(ring.damagedGuards(), [], 'fillGuards restores them');
    }
    assert.equal(bytes[ring.dataOffset(0) - 1], GUARD_BYTE);
  });

  test('poisonData overwrites the whole data area and nothing else', T, () => {
    const ring = Ring.create({ slotCount: 3, slotBytes: 32, poison: true });
    const at = ring.dataOffset(1);
    new Float64Array(ring.buffer, at, 4).fill(1.5);
    ring.setField(1, S_BYTES, 32);
    ring.poisonData(1);
    assert.ok(new Float64Array(ring.buffer, at, 4).every(Number.isNaN), 'a stale float view reads NaN');
    assert.deepEqual(ring.damagedGuards(), []);
    assert.equal(ring.field(1, S_BYTES), 32, 'the slot table is untouched');
  });

  test('heartbeats count per seat; a seat outside the header is refused, not written; close sets the closed flag', T, () => {
    const ring = Ring.create({ slotCount: 1, slotBytes: 16 });
    assert.equal(ring.heartbeat(3), 0);
    ring.beat(3);
    ring.beat(3);
    ring.beat(4);
    ring.beat(MAX_WORKERS - 1);
    assert.equal(ring.heartbeat(3), 2);
    assert.equal(ring.heartbeat(4), 1);
    assert.equal(ring.heartbeat(MAX_WORKERS - 1), 1);
    const table = ring.words.slice(HEADER_WORDS);
    for (const seat of [MAX_WORKERS, MAX_WORKERS + 3, -1, 1.5]) {
      assert.throws(() => ring.beat(seat), RangeError, `seat ${seat}`);
      assert.throws(() => ring.heartbeat(seat), RangeError, `seat ${seat}`);
    }
    assert.deepEqual(ring.words.slice(HEADER_WORDS), table, 'the slot table after the header is untouched');
    assert.equal(ring.closed, false);
    Ring.attach(ring.location).close();
    assert.equal(ring.closed, true);
  });

  test('scratch records: a region offered to a seat is taken once, a worker records its own, and a ring made on given-back pages starts with none', T, () => {
    const memory = new WebAssembly.Memory({ initial: 4, maximum: 8, shared: true });
    const ring = Ring.create({ slotCount: 2, slotBytes: 64, memory });
    const table = ring.words.slice(HEADER_WORDS);
    assert.equal(ring.scratch(0), undefined);
    ring.offerScratch(2, { start: 5 * PAGE_BYTES, bytes: 2 * PAGE_BYTES });
    assert.deepEqual(ring.scratch(2), { start: 5 * PAGE_BYTES, bytes: 2 * PAGE_BYTES }, 'an offered region is recorded (the reader gives it back if no worker takes it)');
    const worker = Ring.attach(ring.location);
    assert.deepEqual(worker.takeScratch(2), { start: 5 * PAGE_BYTES, bytes: 2 * PAGE_BYTES });
    assert.equal(worker.takeScratch(2), undefined, 'taken once: a worker replacing one that died does not get it too');
    assert.equal(worker.takeScratch(1), undefined, 'nothing was offered to seat 1');
    worker.recordScratch(2, { start: 9 * PAGE_BYTES, bytes: 3 * PAGE_BYTES });
    worker.recordScratch(MAX_WORKERS - 1, { start: PAGE_BYTES, bytes: PAGE_BYTES });
    assert.deepEqual(ring.scratch(2), { start: 9 * PAGE_BYTES, bytes: 3 * PAGE_BYTES });
    assert.deepEqual(ring.scratch(MAX_WORKERS - 1), { start: PAGE_BYTES, bytes: PAGE_BYTES });
    assert.equal(ring.heartbeat(2), 0, 'the heartbeats are untouched');
    assert.throws(() => worker.recordScratch(0, { start: 100, bytes: PAGE_BYTES }), RangeError, 'regions are whole pages');
    for (const seat of [MAX_WORKERS, -1, 1.5]) assert.throws(() => worker.recordScratch(seat, { start: 0, bytes: PAGE_BYTES }), RangeError);
    assert.deepEqual(ring.words.slice(HEADER_WORDS), table, 'the slot table after the header is untouched');
    // The same pages for a new ring (a store's next prefetch): the old records are gone.
    const again = Ring.create({ slotCount: 2, slotBytes: 64, memory, at: ring.location.at });
    assert.equal(again.scratch(2), undefined);
    assert.equal(again.scratch(MAX_WORKERS - 1), undefined);
  });

  test('the ring survives memory.grow (kernel scratch): a new buffer, same slots', T, () => {
    const ring = Ring.create({ slotCount: 2, slotBytes: 64 });
    new Uint8Array(ring.buffer, ring.dataOffset(1), 4).set([1, 2, 3, 4]);
    const before = ring.buffer.byteLength;
    ring.memory.grow(1);
    assert.equal(ring.buffer.byteLength, before + PAGE_BYTES);
    assert.deepEqual([...new Uint8Array(ring.buffer, ring.dataOffset(1), 4)], [1, 2, 3, 4]);
    assert.deepEqual(ring.damagedGuards(), []);
    assert.equal(Ring.attach(ring.location).slotCount, 2);
  });
});
