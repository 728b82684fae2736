import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { compileKernelSource } from '../../scripts/build-kernels.mjs';
import {
  KernelRuntime, isKernel, kernelFromCall, kernelModules, loadKernels, registerKernels, toFloat32,
  type KernelModule, type KernelSpecs,
} from '../../src/kernels.js';
import { mulberry32, photo, randomImage, repoRoot } from './helpers.js';

/** The fixture's specs: JSON only, so they travel to workers with the module. */
const specs = {
  invert: { exports: { uint8: 'invert_u8', float32: 'invert_f32' }, inputLayout: 'any', output: { dtype: 'input' } },
  threshold: {
    exports: { uint8: 'threshold' },
    output: { dtype: 'uint8', channels: 1 },
    options: { level: { type: 'number', default: 128, min: 0 } },
  },
} satisfies KernelSpecs;

let wasm: Uint8Array<ArrayBuffer>;
/** The built-in module, taken before any test registers modules (one of them fails to load on purpose). */
let builtins: KernelModule;
before(async () => {
  wasm = await compileKernelSource(path.join(repoRoot, 'test/fixtures/invert.ts'));
  builtins = (await kernelModules()).seqring!;
});

test('a user module registered from bytes runs on the main thread like the built-ins', async () => {
  const { invert, threshold } = registerKernels('fixture-bytes', wasm, specs);
  const kernel = invert();
  assert.ok(isKernel(kernel));
  assert.deepEqual(kernel.kernelCall, { module: 'fixture-bytes', kernel: 'invert', options: {} });
  assert.throws(() => kernel({ data: new Uint8Array(1), width: 1, height: 1 }), /await loadKernels\(\)/);
  await loadKernels();
  const image = randomImage(mulberry32(11), 37, 5, 3);
  const out = kernel(image);
  assert.deepEqual([...out.data], [...image.data].map((x) => 255 - x));
  assert.ok(out.data instanceof Uint8Array);
  const floats = kernel(toFloat32({ scale: 1 / 4 })(image));
  assert.ok(floats.data instanceof Float32Array);
  assert.deepEqual([...floats.data], [...image.data].map((x) => Math.fround(1 - Math.fround(x / 4))));
  const mask = threshold({ level: 100 })(image);
  assert.equal(mask.channels, 1);
  assert.deepEqual([...mask.data], Array.from({ length: 37 * 5 }, (_, p) => (image.data[p * 3] >= 100 ? 255 : 0)));
});

test('a user module registered from a URL or a compiled Module works too, and reaches workers', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'seqring-kernels-'));
  try {
    const file = path.join(dir, 'invert.wasm');
    await writeFile(file, wasm);
    const fromUrl = registerKernels('fixture-url', pathToFileURL(file), specs);
    const fromModule = registerKernels('fixture-module', await WebAssembly.compile(wasm), specs);
    await loadKernels();
    const image = photo('chelsea.png');
    const a = fromUrl.invert()(image), b = fromModule.invert()(image);
    assert.deepEqual(a.data, b.data);
    assert.equal(a.data[0], 255 - image.data[0]);
    // What a worker gets: every module, JSON specs, one runtime over the ring memory.
    const modules = await kernelModules();
    assert.ok('seqring' in modules && 'fixture-url' in modules);
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 256, shared: true });
    const runtime = KernelRuntime.create(modules, memory);
    const call = fromUrl.threshold().kernelCall;
    const copy = JSON.parse(JSON.stringify(call));
    assert.deepEqual(runtime.outputOf(copy, image), { dtype: 'uint8', width: 451, height: 300, channels: 1, layout: 'hwc', byteLength: 451 * 300 });
    assert.deepEqual(runtime.run(copy, image).data, kernelFromCall(copy)(image).data);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('registration checks the module exports and the specs', async () => {
  assert.throws(
    () => registerKernels('broken', new WebAssembly.Module(wasm), { nope: { exports: { uint8: 'missing' }, output: { dtype: 'uint8' } } }),
    { name: 'TypeError', message: /module 'broken' has no export 'missing'/ },
  );
  assert.throws(() => registerKernels('broken', wasm, { bad: { exports: {}, output: { dtype: 'uint8' } } } as never), {
    name: 'TypeError', message: /kernel 'bad' needs exports/,
  });
  assert.throws(() => registerKernels('', wasm, specs), { name: 'TypeError' });
  for (const workspace of [{ perOutputColumn: -4 }, { perOutputColumn: 1.5 }, { perPixel: 4 }, 4]) {
    assert.throws(
      () => registerKernels('bad-workspace', wasm, { invert: { ...specs.invert, workspace } } as never),
      { name: 'TypeError', message: /kernel 'invert': workspace must be \{ perOutputColumn\?, perOutputRow\? \}/ },
      JSON.stringify(workspace),
    );
  }
  registerKernels('late-broken', wasm, { gone: { exports: { uint8: 'not_there' }, output: { dtype: 'uint8' } } });
  await assert.rejects(loadKernels(), /module 'late-broken' has no export 'not_there'/);
});

test('a module that replaces another of the same name in a runtime is the one its calls run (nothing of the old one is kept)', async () => {
  const runtime = KernelRuntime.create({}, new WebAssembly.Memory({ initial: 1, maximum: 64, shared: true }));
  const call = { module: 'swapped', kernel: 'k', options: {} };
  const image = randomImage(mulberry32(23), 5, 4, 3);
  runtime.add('swapped', { module: builtins.module, specs: { k: builtins.specs.toFloat32! } });
  const before = runtime.run(call, image);
  assert.ok(before.data instanceof Float32Array);
  assert.deepEqual([...before.data], [...image.data]);
  runtime.add('swapped', { module: new WebAssembly.Module(wasm), specs: { k: specs.invert } });
  const after = runtime.run(call, image);
  assert.ok(after.data instanceof Uint8Array);
  assert.deepEqual([...after.data], [...image.data].map((x) => 255 - x));
});

