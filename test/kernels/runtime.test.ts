import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import {
  KernelRuntime, hwcToChw, kernelModules, loadKernels, normalize, resizeBilinear, toFloat32,
  type ImageLike, type KernelModule, type KernelPlan,
} from '../../src/kernels.js';
import * as reference from '../../src/kernels/reference.js';
import { Ring } from '../../src/ring/ring.js';
import { assertSameImage, mulberry32, photo, randomImage } from './helpers.js';

const PAGE = 65536;
let modules: Record<string, KernelModule>;

before(async () => {
  await loadKernels();
  modules = await kernelModules();
});

function sharedMemory(pages: number): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: pages, maximum: 4096, shared: true });
}

test('kernelModules lists the built-ins under "seqring" with JSON specs', () => {
  assert.ok(modules.seqring.module instanceof WebAssembly.Module);
  assert.deepEqual(Object.keys(modules.seqring.specs).sort(), ['grayscale', 'hwcToChw', 'normalize', 'resizeBilinear', 'toFloat32']);
  assert.deepEqual(JSON.parse(JSON.stringify(modules.seqring.specs)), modules.seqring.specs);
});

test('runInto writes the output at the byte offset and not one byte outside it', () => {
  const memory = sharedMemory(8);
  const runtime = KernelRuntime.create(modules, memory);
  new Uint8Array(memory.buffer).fill(0xa5);
  const image = photo('rocket.jpg');
  const call = normalize({ mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }).kernelCall;
  const shape = runtime.outputOf(call, image);
  assert.deepEqual(shape, { dtype: 'float32', width: 640, height: 427, channels: 3, layout: 'chw', byteLength: 640 * 427 * 3 * 4 });
  // The memory is too small for the output: the offset check says so before any write.
  assert.throws(() => runtime.runInto(call, image, 12), { name: 'RangeError', message: /runs past the memory/ });
  memory.grow(50);
  new Uint8Array(memory.buffer).fill(0xa5);
  const offset = 3 * PAGE + 12;
  const out = runtime.runInto(call, image, offset);
  assert.equal(out.data.byteOffset, offset);
  assert.equal(out.data.length, 640 * 427 * 3);
  assert.ok(out.data.buffer instanceof SharedArrayBuffer);
  assertSameImage(out, reference.normalize(image, call.options as never), 'ring output');
  const bytes = new Uint8Array(memory.buffer);
  const { start } = runtime.scratch;
  assert.ok(start >= 58 * PAGE, 'scratch lies in pages grown after the ring');
  for (let i = 0; i < start; i++) {
    if (i >= offset && i < offset + shape.byteLength) continue;
    if (bytes[i] !== 0xa5) assert.fail(`byte ${i} outside the slot [${offset}, ${offset + shape.byteLength}) changed to ${bytes[i]}`);
  }
});

test('runInto with a maxBytes below the output size computes nothing and returns undefined', () => {
  const memory = sharedMemory(64);
  const runtime = KernelRuntime.create(modules, memory);
  const image = photo('rocket.jpg');
  const call = normalize({ mean: 0.5, std: 0.25 }).kernelCall;
  const bytes = 640 * 427 * 3 * 4;
  const slot = new Uint8Array(memory.buffer, PAGE, bytes).fill(0xa5);
  assert.equal(runtime.runInto(call, image, PAGE, bytes - 1), undefined);
  assert.ok(slot.every((b) => b === 0xa5), 'nothing was written into the slot');
  const out = runtime.runInto(call, image, PAGE, bytes);
  assert.ok(out, 'an output of exactly maxBytes is computed');
  assertSameImage(out, reference.normalize(image, call.options as never), 'output at the limit');
});

test('runInto rejects a float32 output at a byte offset that is not a multiple of 4', () => {
  const runtime = KernelRuntime.create(modules, sharedMemory(4));
  const image = randomImage(mulberry32(1), 4, 4, 3);
  assert.throws(() => runtime.runInto(toFloat32().kernelCall, image, 6), { name: 'RangeError', message: /multiple of 4/ });
});

test('an input already in the memory is read in place: no scratch is grown for it', () => {
  const memory = sharedMemory(4);
  const runtime = KernelRuntime.create(modules, memory);
  const image = randomImage(mulberry32(2), 33, 17, 3);
  const inMemory = new Uint8Array(memory.buffer, 1000, image.data.length);
  inMemory.set(image.data);
  const out = runtime.runInto(hwcToChw().kernelCall, { ...image, data: inMemory }, 2 * PAGE);
  assert.equal(memory.buffer.byteLength, 4 * PAGE, 'memory did not grow');
  assertSameImage(out, reference.hwcToChw(image), 'in-place input');
  // Overlapping input and output: the input is copied to scratch first.
  const overlap = runtime.runInto(hwcToChw().kernelCall, { ...image, data: inMemory }, 1000);
  assertSameImage(overlap, reference.hwcToChw(image), 'overlapping input');
  assert.ok(memory.buffer.byteLength > 4 * PAGE, 'scratch was grown for the copy');
});

test('an input from another memory is copied to the same offset modulo 8 as its source (word copies), at every offset', () => {
  const memory = sharedMemory(1);
  const runtime = KernelRuntime.create(modules, memory);
  const image = randomImage(mulberry32(5), 33, 17, 3); // 1683 bytes: images packed back to back fall at every offset
  const source = new Uint8Array(new SharedArrayBuffer(image.data.length + 16));
  const chain = [resizeBilinear({ width: 20, height: 9 }).kernelCall, normalize({ mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3] }).kernelCall];
  const expected = reference.normalize(reference.resizeBilinear(image, { width: 20, height: 9 }), chain[1].options as never);
  // V8 copies between shared buffers word by word only when both ends share their offset
  // modulo 8, else byte by byte: watch the copy the runtime makes.
  const copies: [number, number][] = [];
  const set = Uint8Array.prototype.set;
  Uint8Array.prototype.set = function (this: Uint8Array, from: ArrayLike<number>, at?: number) {
    if (this.buffer === memory.buffer && from instanceof Uint8Array && from.buffer === source.buffer) copies.push([this.byteOffset % 8, from.byteOffset % 8]);
    return set.call(this, from, at);
  };
  try {
    for (let offset = 0; offset < 16; offset++) {
      const data = source.subarray(offset, offset + image.data.length);
      data.set(image.data);
      const out = runtime.runInto(chain, { ...image, data }, 0);
      assertSameImage(out, expected, `input at offset ${offset}`);
      assert.deepEqual(copies.at(-1), [offset % 8, offset % 8], `the copy of an input at offset ${offset}`);
    }
  } finally {
    Uint8Array.prototype.set = set;
  }
  assert.equal(copies.length, 16, 'one copy per call');
});

test('scratch is reused while big enough and grown when an input is larger', () => {
  const memory = sharedMemory(1);
  const runtime = KernelRuntime.create(modules, memory);
  const call = toFloat32({ scale: 2 }).kernelCall;
  const random = mulberry32(3);
  const small = randomImage(random, 100, 100, 3);
  runtime.run(call, small);
  const first = runtime.scratch;
  const pages = memory.buffer.byteLength / PAGE;
  runtime.run(call, randomImage(random, 50, 50, 3));
  assert.deepEqual(runtime.scratch, first);
  assert.equal(memory.buffer.byteLength / PAGE, pages);
  const big = randomImage(random, 400, 300, 3);
  assertSameImage(runtime.run(call, big), reference.toFloat32(big, { scale: 2 }), 'after growing');
  assert.ok(runtime.scratch.end - runtime.scratch.start >= 400 * 300 * 3 * 5);
});

test('two runtimes on one shared memory get disjoint scratch and correct results', () => {
  const memory = sharedMemory(1);
  const a = KernelRuntime.create(modules, memory);
  const b = KernelRuntime.create(modules, memory);
  const random = mulberry32(4);
  const call = toFloat32({ offset: 1 }).kernelCall;
  const images = [randomImage(random, 64, 64, 3), randomImage(random, 200, 100, 4), randomImage(random, 300, 300, 3)];
  const outs = [];
  for (const image of images) {
    outs.push([a.run(call, image).data, b.run(call, image).data]);
    const [ra, rb] = [a.scratch, b.scratch];
    assert.ok(ra.end <= rb.start || rb.end <= ra.start, `scratch [${ra.start}, ${ra.end}) and [${rb.start}, ${rb.end}) overlap`);
  }
  const last = images[2];
  assertSameImage(b.run(call, last), reference.toFloat32(last, { offset: 1 }), 'runtime b');
  assertSameImage(a.run(call, last), reference.toFloat32(last, { offset: 1 }), 'runtime a');
  for (const [x, y] of outs) assert.deepEqual(x, y);
});

test('workers growing one shared memory at once get disjoint scratch regions', async () => {
  const memory = sharedMemory(1);
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    parentPort.once('message', async ({ modules, memory }) => {
      const { tsImport } = await import('tsx/esm/api');
      const { KernelRuntime } = await tsImport(workerData.runtime, workerData.runtime);
      const runtime = KernelRuntime.create(modules, memory);
      const regions = [];
      for (let k = 1; k <= 20; k++) {
        const data = new Uint8Array(k * 7000 * 3).fill(k);
        const out = runtime.run({ module: 'seqring', kernel: 'toFloat32', options: {} }, { data, width: k * 7000, height: 1 });
        if (out.data[out.data.length - 1] !== k) throw new Error('wrong result');
        regions.push(runtime.scratch);
      }
      parentPort.postMessage(regions);
    });`;
  const runtimeUrl = new URL('../../src/kernels/runtime.ts', import.meta.url).href;
  const workers = [0, 1, 2].map(() => new Worker(source, { eval: true, workerData: { runtime: runtimeUrl }}));
  const results = await Promise.all(workers.map((w) => new Promise<{ start: number; end: number }[]>((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
    w.postMessage({ modules, memory });
  })));
  await Promise.all(workers.map((w) => w.terminate()));
  const finals = results.map((r) => r[r.length - 1]);
  for (let i = 0; i < finals.length; i++) {
    for (let j = i + 1; j < finals.length; j++) {
      assert.ok(finals[i].end <= finals[j].start || finals[j].end <= finals[i].start, `workers ${i} and ${j} share scratch`);
    }
  }
});

test('a chain runs as one call: resize then normalize, straight into the slot', () => {
  const memory = sharedMemory(1);
  const runtime = KernelRuntime.create(modules, memory);
  const image = photo('astronaut.png');
  const chain = [resizeBilinear({ width: 224, height: 224 }).kernelCall, normalize({ mean: 0.5, std: 0.25, layout: 'hwc' }).kernelCall];
  const shape = runtime.outputOf(chain, image);
  assert.deepEqual(shape, { dtype: 'float32', width: 224, height: 224, channels: 4, layout: 'hwc', byteLength: 224 * 224 * 16 });
  memory.grow(Math.ceil(shape.byteLength / PAGE));
  const out = runtime.runInto(chain, image, 0);
  const expected = reference.normalize(reference.resizeBilinear(image, { width: 224, height: 224 }), { mean: 0.5, std: 0.25, layout: 'hwc' });
  assertSameImage(out, expected, 'chain');
});

test('each call follows its own plan and input shape (dtype, width, height, channels, layout) when they change from call to call (seeded order)', () => {
  const runtime = KernelRuntime.create(modules, sharedMemory(4));
  const random = mulberry32(Number(process.env.SEQRING_SEED ?? 7001));
  const u = (width: number, height: number, channels: number) => randomImage(random, width, height, channels);
  const inputs: Record<string, ImageLike> = {
    wide: u(6, 4, 3),
    tall: u(4, 6, 3),
    wider: u(8, 4, 3),
    deeper: u(6, 6, 3),
    thin: u(6, 4, 1),
    planes: { ...u(6, 4, 3), layout: 'chw' },
    grey: u(12, 6, 1),
    float: { data: Float32Array.from(u(6, 4, 3).data, (x) => x / 7), width: 6, height: 4, channels: 3 },
  };
  const plans: Record<string, { plan: KernelPlan; reference: (image: ImageLike) => ImageLike; inputs: string[] }> = {
    unit: { plan: toFloat32({ scale: 1 / 255 }).kernelCall, reference: (i) => reference.toFloat32(i as ImageLike<Uint8Array>, { scale: 1 / 255 }), inputs: ['wide', 'tall', 'wider', 'deeper', 'thin', 'planes', 'grey'] },
    signed: { plan: toFloat32({ scale: 2, offset: -1 }).kernelCall, reference: (i) => reference.toFloat32(i as ImageLike<Uint8Array>, { scale: 2, offset: -1 }), inputs: ['wide', 'tall', 'wider', 'deeper', 'thin', 'planes', 'grey'] },
    planar: { plan: hwcToChw().kernelCall, reference: (i) => reference.hwcToChw(i), inputs: ['wide', 'tall', 'wider', 'deeper', 'thin', 'grey', 'float'] },
    chain: {
      plan: [resizeBilinear({ width: 5, height: 3 }).kernelCall, normalize({ mean: 0.5, std: 0.25 }).kernelCall],
      reference: (i) => reference.normalize(reference.resizeBilinear(i as ImageLike<Uint8Array>, { width: 5, height: 3 }), { mean: 0.5, std: 0.25 }),
      inputs: ['wide', 'tall', 'wider', 'deeper', 'thin', 'grey'],
    },
  };
  const pairs = Object.entries(plans).flatMap(([name, p]) => p.inputs.map((input) => ({ name, input, ...p, expected: p.reference(inputs[input]!) })));
  for (let k = 0; k < 300; k++) {
    const pair = pairs[Math.floor(random() * pairs.length)]!;
    assertSameImage(runtime.runInto(pair.plan, inputs[pair.input]!, 0), pair.expected, `call ${k}: ${pair.name} of ${pair.input}`);
  }
});

test('outputOf fails only the element: a bad input is a RangeError naming the kernel', () => {
  const runtime = KernelRuntime.create(modules, sharedMemory(1));
  assert.throws(
    () => runtime.outputOf(resizeBilinear({ width: 2, height: 2 }).kernelCall, { data: new Uint8Array(5), width: 1, height: 1, channels: 5 }),
    { name: 'RangeError', message: /^resizeBilinear: image has 5 channels/ },
  );
  assert.throws(() => runtime.outputOf({ module: 'nope', kernel: 'x', options: {} }, { data: new Uint8Array(1), width: 1, height: 1 }), {
    name: 'RangeError', message: /module 'nope' is not loaded/,
  });
  // A JSON call from a worker is checked too.
  assert.throws(() => runtime.outputOf({ module: 'seqring', kernel: 'normalize', options: { mean: 0 } }, { data: new Uint8Array(3), width: 1, height: 1 }), {
    name: 'RangeError', message: /option 'std' is required/,
  });
});

test('kernels read no byte past their input: images ending at the last byte of the memory', () => {
  // A kernel that loads 16 bytes at a time near the end of an image would trap here
  // ("memory access out of bounds") instead of reading a neighbour's bytes in a slot.
  const memory = new WebAssembly.Memory({ initial: 2, maximum: 2, shared: true });
  const { exports } = new WebAssembly.Instance(modules.seqring.module, { env: { memory, abort: () => {} } });
  const end = memory.buffer.byteLength;
  const params = new Float32Array(memory.buffer, 0, 16);
  const random = mulberry32(20261122);
  let calls = 0;
  for (const channels of [1, 3, 4]) {
    for (let width = 1; width <= 40; width++) {
      const image = randomImage(random, width, 1, channels);
      const src = end - image.data.length;
      new Uint8Array(memory.buffer).set(image.data, src);
      const mean = Array.from({ length: channels }, () => random());
      const std = Array.from({ length: channels }, () => 0.1 + random());
      for (const layout of ['chw', 'hwc'] as const) {
        params.set([layout === 'chw' ? 0 : 1, ...mean, ...std]);
        const normalizeAt = exports.normalize as (...args: number[]) => void;
        normalizeAt(src, 256, width, 1, channels, width, 1, channels, 0);
        const got = new Float32Array(memory.buffer, 256, width * channels);
        const want = reference.normalize(image, { mean, std, layout }).data;
        assert.deepEqual(Array.from(got), Array.from(want), `normalize ${layout} ${width}×1×${channels}`);
        calls++;
      }
      params.set([1 / 255, 0]);
      (exports.toFloat32 as (...args: number[]) => void)(src, 256, width, 1, channels, width, 1, channels, 0);
      assert.deepEqual(Array.from(new Float32Array(memory.buffer, 256, width * channels)), Array.from(reference.toFloat32(image, { scale: 1 / 255, offset: 0 }).data));
      (exports.hwcToChw_u8 as (...args: number[]) => void)(src, 256, width, 1, channels, width, 1, channels, 0);
      assert.deepEqual(Array.from(new Uint8Array(memory.buffer, 256, width * channels)), Array.from(reference.hwcToChw(image).data));
      if (channels >= 3) {
        (exports.grayscale as (...args: number[]) => void)(src, 256, width, 1, channels, width, 1, 1, 0);
        assert.deepEqual(Array.from(new Uint8Array(memory.buffer, 256, width)), Array.from(reference.grayscale(image).data));
      }
    }
  }
  assert.equal(calls, 3 * 40 * 2);
});

test('an input in a SharedStore is read in place through any buffer object of its memory; one elsewhere is copied', async () => {
  const { SharedStore } = await import('../../src/ring/store.js');
  const image = photo('rocket.jpg'); // 640×427 RGB: 820 KB, 13 pages of scratch if copied
  const call = normalize({ mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }).kernelCall;
  const want = reference.normalize(image, call.options as never);
  const out = 640 * 427 * 3 * 4;

  const store = new SharedStore(image.data.length);
  const pixels = store.alloc(Uint8Array, image.data.length);
  pixels.set(image.data);
  const staleView = { ...image, data: pixels }; // on the buffer object of the store before it grows
  const ring = Ring.create({ slotCount: 1, slotBytes: out, memory: store.memory }); // grows it: a new buffer object
  assert.notEqual(store.memory.buffer, pixels.buffer);
  const inPlace = KernelRuntime.create(modules, store.memory);
  assertSameImage(inPlace.runInto(call, staleView, ring.dataOffset(0)), want, 'in place');
  const inPlaceScratch = inPlace.scratch.end - inPlace.scratch.start;
  assert.equal(inPlaceScratch, PAGE, 'scratch held the params only: the input was not copied');

  const elsewhere = { ...image, data: new Uint8Array(new SharedArrayBuffer(image.data.length)) };
  elsewhere.data.set(image.data);
  const copying = KernelRuntime.create(modules, store.memory);
  assertSameImage(copying.runInto(call, elsewhere, ring.dataOffset(0)), want, 'copied');
  assert.ok(copying.scratch.end - copying.scratch.start >= image.data.length, 'a buffer of another memory is copied into scratch');
  assert.deepEqual(ring.damagedGuards(), []);
});
