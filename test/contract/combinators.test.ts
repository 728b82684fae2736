/**
 * Every combinator, and slices of each, against the `Seq` contract.
 * Data are fresh per sequence, since the write checks mutate the sources.
 */
import {
  seq,
  smap,
  starmap,
  arange,
  gather,
  cycle,
  interleave,
  repeat,
  uniter,
  switchSeq,
  caseSeq,
  collate,
  concatenate,
  batch,
  unbatch,
  split,
  addCache,
  debug,
  monitorThroughput,
  type Seq,
} from '../../src/ops/index.js';
import { checkSeqContract, checkUnboundedContract, mulberry32, pySlice } from './contract.js';

const rand = mulberry32(20240607);
const data = (n: number, offset = 0) => Array.from({ length: n }, (_, i) => offset + i * 10);
const randomIndexes = (count: number, n: number) =>
  Array.from({ length: count }, () => Math.floor(rand() * 2 * n) - n);

/** A case: how to build the sequence, its oracle, and how to write to it. */
interface Case<T> {
  name: string;
  make: () => { sequence: Seq<T>; oracle: () => readonly T[]; newValue?: (position: number, salt: number) => T };
  writable?: boolean;
  newValue?: (position: number, salt: number) => T;
}

const cases: Case<unknown>[] = [];
function add<T>(c: Case<T>): void {
  cases.push(c as Case<unknown>);
}

add({ name: 'seq(array)', writable: true, make: () => { const a = data(23); return { sequence: seq(a), oracle: () => a }; } });
add({ name: 'seq(Float64Array)', writable: true, make: () => { const a = Float64Array.from(data(17)); return { sequence: seq(a), oracle: () => Array.from(a) }; } });
add({ name: 'seq([])', writable: true, make: () => ({ sequence: seq([] as number[]), oracle: () => [] }) });
add({ name: 'smap(f, xs)', make: () => { const a = data(31); return { sequence: smap((x: number) => x * 2 + 1, a), oracle: () => a.map((x) => x * 2 + 1) }; } });
add({ name: 'smap(f, xs, ys, longer zs)', make: () => {
  const a = data(19); const b = data(19, 3); const c = data(40, 7);
  return { sequence: smap((x: number, y: number, z: number) => x - y * z, a, b, c), oracle: () => a.map((x, i) => x - b[i] * c[i]) };
} });
add({ name: 'starmap(f, pairs)', make: () => {
  const p = data(13).map((x) => [x, x + 1] as [number, number]);
  return { sequence: starmap((x: number, y: number) => x * y, p), oracle: () => p.map(([x, y]) => x * y) };
} });
for (const args of [[10], [0], [3, 29, 4], [10, -10, -3], [0, -10, 1], [-5, 5]] as [number, number?, number?][]) {
  add({ name: `arange(${args.join(', ')})`, make: () => {
    const [a, b, c] = args;
    const want: number[] = [];
    const [start, stop, step] = b === undefined ? [0, a, 1] : [a, b, c ?? 1];
    for (let i = start; step > 0 ? i < stop : i > stop; i += step) want.push(i);
    return { sequence: b === undefined ? arange(a) : arange(a, b, c), oracle: () => want };
  } });
}
add({ name: 'gather(xs, indexes with negatives and repeats)', writable: true, make: () => {
  const a = data(25); const idx = randomIndexes(60, 25);
  return { sequence: gather(a, idx), oracle: () => idx.map((i) => a.at(i) as number) };
} });
add({ name: 'gather(gather(xs, i), j) (flattened)', writable: true, make: () => {
  const a = data(25); const i1 = randomIndexes(40, 25); const i2 = randomIndexes(30, 40);
  return { sequence: gather(gather(a, i1), i2), oracle: () => i2.map((j) => a.at(i1.at(j) as number) as number) };
} });
add({ name: 'gather(xs.slice(1, -1, 2), Int32Array)', writable: true, make: () => {
  const a = data(30); const idx = Int32Array.from([0, 13, 5, -1, 2, 2]);
  return { sequence: gather(seq(a).slice(1, -1, 2), idx), oracle: () => Array.from(idx, (i) => pySlice(a, 1, -1, 2).at(i) as number) };
} });
add({ name: 'cycle(xs, 37)', writable: true, make: () => {
  const a = data(10); return { sequence: cycle(a, 37), oracle: () => Array.from({ length: 37 }, (_, i) => a[i % 10]) };
} });
add({ name: 'cycle(xs, 0)', writable: true, make: () => ({ sequence: cycle(data(3), 0), oracle: () => [] }) });
add({ name: 'interleave(5, 3, 4 items)', writable: true, make: () => {
  const a = [1, 2, 3, 4, 5]; const b = [10, 20, 30]; const c = [0.1, 0.2, 0.3, 0.4];
  const oracle = () => {
    const out: number[] = [];
    for (let i = 0; i < 5; i++) for (const s of [a, b, c]) if (i < s.length) out.push(s[i]);
    return out;
  };
  return { sequence: interleave(a, b, c), oracle };
} });
add({ name: 'interleave with empty and equal lengths', writable: true, make: () => {
  const a = data(4); const b: number[] = []; const c = data(4, 1); const d = data(7, 2);
  const oracle = () => {
    const out: number[] = [];
    for (let i = 0; i < 7; i++) for (const s of [a, b, c, d]) if (i < s.length) out.push(s[i]);
    return out;
  };
  return { sequence: interleave(a, b, c, d), oracle };
} });
add({ name: 'repeat(3, 12)', writable: true, make: () => {
  // Every element is the last value written.
  let current = 3;
  return { sequence: repeat(3, 12), oracle: () => Array(12).fill(current), newValue: (p, s) => (current = -(s * 1000 + p)) };
} });
add({ name: 'uniter(iterable, { size, cacheSize, nParallel })', make: () => {
  const a = data(21);
  return { sequence: uniter(new Set(a), { size: 21, cacheSize: 3, nParallel: 2 }), oracle: () => a };
} });
add({ name: 'switchSeq(condition, x, y)', writable: true, make: () => {
  const cond = data(20).map(() => rand() < 0.5); const x = data(20); const y = data(20, 1);
  return { sequence: switchSeq(cond, x, y), oracle: () => cond.map((c, i) => (c ? x[i] : y[i])) };
} });
add({ name: 'caseSeq(selector, a, b, c)', writable: true, make: () => {
  const sel = data(20).map(() => Math.floor(rand() * 3)); const vs = [data(20), data(20, 1), data(20, 2)];
  return { sequence: caseSeq(sel, ...vs), oracle: () => sel.map((s, i) => vs[s][i]) };
} });
add({ name: 'collate([xs, ys, zs])', writable: true, newValue: (p, s) => [-p, -s, p + s],
  make: () => {
    const a = data(15); const b = data(15, 1); const c = Float64Array.from(data(15, 2));
    return { sequence: collate([a, b, c]), oracle: () => a.map((x, i) => [x, b[i], c[i]]) };
  } });
add({ name: 'concatenate with empty and nested parts', writable: true, make: () => {
  const parts = [data(5), [], data(7, 1), data(1, 2), [], data(9, 3)];
  const inner = concatenate([parts[2], parts[3]]);
  return { sequence: concatenate([parts[0], parts[1], inner, parts[4], parts[5]]), oracle: () => parts.flat() };
} });
add({ name: 'concatenate([one part])', writable: true, make: () => {
  const a = data(11); return { sequence: concatenate([a]), oracle: () => a };
} });
add({ name: 'concatenate([])', writable: true, make: () => ({ sequence: concatenate([] as number[][]), oracle: () => [] }) });
const groups = (a: readonly number[], k: number) => Array.from({ length: Math.ceil(a.length / k) }, (_, g) => a.slice(g * k, g * k + k));
const groupValue = (n: number, k: number) => (p: number, s: number) =>
  Array.from({ length: Math.min(k, n - p * k) }, (_, j) => -(s * 1000 + p * k + j));
add({ name: 'batch(xs, 4)', writable: true, newValue: groupValue(23, 4), make: () => {
  const a = data(23); return { sequence: batch(a, 4), oracle: () => groups(a, 4) };
} });
add({ name: 'batch(xs, 4, { dropLast })', writable: true, newValue: groupValue(23, 4), make: () => {
  const a = data(23); return { sequence: batch(a, 4, { dropLast: true }), oracle: () => groups(a, 4).slice(0, 5) };
} });
add({ name: 'batch(xs, 4, { pad })', writable: true, newValue: groupValue(23, 4), make: () => {
  const a = data(23);
  return { sequence: batch(a, 4, { pad: -1 }), oracle: () => groups(a, 4).map((g) => [...g, ...Array(4 - g.length).fill(-1)]) };
} });
add({ name: 'batch(xs, 5, { collateFn })', writable: true,
  newValue: (p, s) => Float64Array.from(groupValue(20, 5)(p, s)),
  make: () => {
    const a = data(20);
    return { sequence: batch(a, 5, { collateFn: (xs) => Float64Array.from(xs) }), oracle: () => groups(a, 5).map((g) => Float64Array.from(g)) };
  } });
add({ name: 'unbatch(groups, 4, 3)', make: () => {
  const a = data(23); return { sequence: unbatch(groups(a, 4), 4, 3), oracle: () => a };
} });
add({ name: 'unbatch(batch(xs, 5), 5)', make: () => {
  const a = data(25); return { sequence: unbatch(batch(a, 5), 5), oracle: () => a };
} });
const partValue = (sizes: number[]) => (p: number, s: number) => Array.from({ length: sizes[p] }, (_, j) => -(s * 1000 + j));
add({ name: 'split(xs, 4)', writable: true, newValue: partValue([5, 5, 5, 5, 5]), make: () => {
  const a = data(25);
  return { sequence: split(a, 4) as Seq<unknown>, oracle: () => groups(a, 5) };
} });
add({ name: 'split(xs, cut indexes)', writable: true, newValue: partValue([3, 0, 6, 4]), make: () => {
  const a = data(13);
  return { sequence: split(a, [3, 3, 9]) as Seq<unknown>, oracle: () => [a.slice(0, 3), [], a.slice(3, 9), a.slice(9)] };
} });
add({ name: 'split(xs, [start, stop] pairs)', writable: true, newValue: partValue([2, 3, 5]), make: () => {
  const a = data(13);
  return { sequence: split(a, [[0, 2], [4, 7], [8, 13]]) as Seq<unknown>, oracle: () => [a.slice(0, 2), a.slice(4, 7), a.slice(8, 13)] };
} });
add({ name: 'addCache(smap(f, xs), 3)', make: () => {
  const a = data(17); return { sequence: addCache(smap((x: number) => x + 1, a), 3), oracle: () => a.map((x) => x + 1) };
} });
add({ name: 'addCache(xs, 2)', writable: true, make: () => {
  const a = data(17); return { sequence: addCache(a, 2), oracle: () => a };
} });
add({ name: 'debug(xs, fn)', writable: true, make: () => {
  const a = data(9); return { sequence: debug(a, () => {}), oracle: () => a };
} });
add({ name: 'monitorThroughput(xs)', writable: true, make: () => {
  const a = data(9); return { sequence: monitorThroughput(a), oracle: () => a };
} });

for (const c of cases) {
  const built = c.make();
  checkSeqContract(c.name, built.sequence, built.oracle, { writable: c.writable ?? false, newValue: built.newValue ?? c.newValue });
  // Slices of each combinator keep the contract (Arrow's `vector.slice(10, 20)` checks).
  for (const [a, b, s] of [[1, -1, 1], [undefined, undefined, -2], [-3, 2, -1]] as [number?, number?, number?][]) {
    const fresh = c.make();
    const view = fresh.sequence.slice(a, b, s);
    const sliceOracle = () => pySlice(fresh.oracle() as unknown[], a, b, s);
    // Positions given to newValue are view positions; map them back for shape-dependent values.
    const positions = () => {
      const all = Array.from({ length: fresh.sequence.length }, (_, i) => i);
      return pySlice(all, a, b, s);
    };
    const base = fresh.newValue ?? c.newValue;
    const newValue = base && ((p: number, salt: number) => base(positions()[p], salt));
    checkSeqContract(`${c.name}.slice(${a}, ${b}, ${s})`, view, sliceOracle, {
      writable: c.writable ?? false,
      newValue,
      slices: 20,
    });
  }
}

// Unbounded sequences flow through the combinators that allow them.
{
  const a = data(7);
  checkUnboundedContract('cycle(xs)', cycle(a), (i) => a[i % 7], { writable: true });
}
{
  let current = 'x';
  checkUnboundedContract('repeat(x)', repeat('x'), () => current, {
    writable: true,
    newValue: (p, s) => (current = `v${p}-${s}`),
  });
}
checkUnboundedContract('arange(3, Infinity, 2)', arange(3, Infinity, 2), (i) => 3 + 2 * i);
{
  const a = data(5);
  checkUnboundedContract('smap(f, cycle(xs))', smap((x: number) => x + 0.5, cycle(a)), (i) => a[i % 5] + 0.5);
}
{
  const a = data(4); const b = data(3, 1);
  // Round-robin of a finite, an unbounded and a finite sequence: three, then two, then one left.
  const head = [a[0], 0, b[0], a[1], 1, b[1], a[2], 2, b[2], a[3], 3];
  const oracle = (i: number) => (i < head.length ? head[i] : 4 + (i - head.length));
  checkUnboundedContract('interleave(xs, arange(0, Infinity), ys)', interleave(a, arange(0, Infinity), b), oracle);
}
{
  const a = data(6);
  const b = [1, 2];
  checkUnboundedContract('concatenate([xs, cycle(ys)])', concatenate([a, cycle(b)]), (i) => (i < 6 ? a[i] : b[(i - 6) % 2]), { writable: true });
}
checkUnboundedContract('batch(arange(0, Infinity), 3)', batch(arange(0, Infinity), 3), (i) => [3 * i, 3 * i + 1, 3 * i + 2]);
{
  function* naturals() {
    for (let i = 0; ; i++) yield i * i;
  }
  const iterable = { [Symbol.iterator]: naturals };
  // Far probes would walk the iterator 2**40 times: check a bounded view instead.
  checkSeqContract('uniter(unbounded iterable).slice(0, 50)', uniter(iterable, { cacheSize: 4 }).slice(0, 50), () => Array.from({ length: 50 }, (_, i) => i * i), { rebuild: true });
}
