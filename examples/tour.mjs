// The README's tour, runnable: `npm run build && node examples/tour.mjs`.
import { seq, smap, arange, gather, batch, concatenate, collate, cycle, split, prefetch, EvaluationError } from 'seqring';

// Sequences are lazy and random-access: nothing runs until an element is read.
const xs = arange(10);                        // Seq<number>: 0 … 9
const squares = smap((x) => x * x, xs);       // Seq<number>, computed on read
console.log(squares.get(3), squares.get(-1)); // 9 81
console.log(squares.slice(2, 8, 2).toArray()); // [4, 16, 36]  (Python's squares[2:8:2])

// Combinators compose like SeqTools' (and fluently).
const shuffled = gather(squares, [3, 1, 4, 1, 5]);
console.log([...shuffled]);                   // [9, 1, 16, 1, 25]
console.log(batch(xs, 4).toArray());          // [[0,1,2,3],[4,5,6,7],[8,9]]
console.log(xs.map((x) => -x).batch(3, { dropLast: true }).get(-1)); // [-6,-7,-8]
console.log(concatenate([xs, arange(3)]).length, collate([xs, squares]).get(2)); // 13 [2, 4]
console.log(cycle(seq(['a', 'b']), 5).toArray(), split(xs, 1).map((p) => p.length).toArray()); // [a,b,a,b,a] [5,5]

// Views write through to their source.
const data = [0, 0, 0, 0, 0, 0];
seq(data).slice(1, 5, 2).assign([7, 8]);
console.log(data);                            // [0, 7, 0, 8, 0, 0]

// Errors from your functions name the element and where the sequence was made.
try {
  smap((x) => { if (x === 2) throw new Error('boom'); return x; }, xs).get(2);
} catch (e) {
  console.log(e instanceof EvaluationError, e.index, e.cause.message); // true 2 boom
}

// prefetch: evaluate ahead in workers, into a shared ring. Plain data and
// combinators need no worker module of yours.
const images = seq(Array.from({ length: 1000 }, (_, i) => new Float32Array(256).fill(i)));
const p = prefetch(gather(images, arange(999, -1, -1)), { workers: 2, maxBuffered: 16 });
let n = 0;
for await (const view of p) n += view[0] === 999 - n ? 1 : 0; // zero-copy views, in order
console.log(p.transport, n);                  // shared 1000
const owned = await p.get(10);                // a copy you own
const lease = await p.lease(20);              // a view into the ring, yours until released
console.log(owned[0], lease.value[0]);        // 989 979
lease.release();                              // (or `using lease = …` where supported)
await p.close();
