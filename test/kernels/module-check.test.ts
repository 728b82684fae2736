/**
 * Kernel modules built with the wrong asc flags are refused when registered,
 * with a message saying how to build them: each module here is one common
 * mistake, compiled by asc in the test.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { KERNEL_FLAGS, compileAssemblyScript } from '../../scripts/build-kernels.mjs';
import { loadKernels, registerKernels, type KernelSpecs } from '../../src/kernels.js';
import { KERNEL_ASC_FLAGS } from '../../src/kernels/module-check.js';

const ARGS = 'src: usize, dst: usize, width: i32, height: i32, channels: i32, outWidth: i32, outHeight: i32, outChannels: i32, params: usize';
const specs = { copy: { exports: { uint8: 'copy' }, output: { dtype: 'uint8' } } } satisfies KernelSpecs;

/** Compiles AssemblyScript `source` with `flags` (not necessarily seqring's) to wasm bytes, through a temporary file. */
async function compileBytes(source: string, flags: readonly string[]): Promise<Uint8Array<ArrayBuffer>> {
  const dir = await mkdtemp(path.join(tmpdir(), 'seqring-module-check-'));
  try {
    await writeFile(path.join(dir, 'k.ts'), source);
    return new Uint8Array(await compileAssemblyScript(path.join(dir, 'k.ts'), flags));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const compile = async (source: string, flags: readonly string[]) => new WebAssembly.Module(await compileBytes(source, flags));
const OWN_MEMORY = flagsWithout(['--importMemory', '--sharedMemory', '--initialMemory', '--maximumMemory']);

/** KERNEL_FLAGS with `drop` removed (each with its value, if it takes one) and `add` appended. */
function flagsWithout(drop: string[], add: string[] = []): string[] {
  const out: string[] = [];
  for (let k = 0; k < KERNEL_FLAGS.length; k++) {
    const f = KERNEL_FLAGS[k];
    if (drop.includes(f)) {
      if (['--initialMemory', '--maximumMemory', '--runtime', '--use'].includes(f)) k++;
      continue;
    }
    out.push(f);
  }
  return [...out, ...add];
}

const plain = `export function copy(${ARGS}): void { store<u8>(dst, load<u8>(src)); }`;
const howToBuild = /compile it with asc .*--importMemory --sharedMemory --initialMemory 1 --maximumMemory 65536 --runtime stub/;

let good: WebAssembly.Module;
before(async () => {
  good = await compile(plain, KERNEL_FLAGS);
});

test('the flags the errors give are those the built-ins are built with', () => {
  for (const flag of KERNEL_ASC_FLAGS.split(' ')) assert.ok(KERNEL_FLAGS.includes(flag), `${flag} is not in KERNEL_FLAGS`);
});

test('a module built with seqring\'s flags registers', () => {
  assert.doesNotThrow(() => registerKernels('check-good', good, specs));
});

test('a module with a memory of its own (no --importMemory) is refused: kernels would read and write the wrong memory', async () => {
  const own = await compile(plain, OWN_MEMORY);
  assert.throws(() => registerKernels('check-own-memory', own, specs), {
    name: 'TypeError',
    message: new RegExp(`module 'check-own-memory' does not import its memory as env.memory; ${howToBuild.source}`),
  });
});

test('a module importing a function seqring does not give is refused, naming the import', async () => {
  const logs = await compile(
    `@external("env", "log") declare function log(x: i32): void;\nexport function copy(${ARGS}): void { log(width); store<u8>(dst, load<u8>(src)); }`,
    KERNEL_FLAGS,
  );
  assert.throws(() => registerKernels('check-import', logs, specs), {
    name: 'TypeError',
    message: /module 'check-import' imports env\.log \(function\); seqring gives a kernel module env\.memory and env\.abort only/,
  });
});

test('a module whose memory is not shared, or cannot grow to 65536 pages, or starts above 1 page, is refused with the engine\'s reason', async () => {
  const cases: [string, string[]][] = [
    ['not shared', flagsWithout(['--sharedMemory'])],
    ['maximum 256 pages', flagsWithout(['--maximumMemory'], ['--maximumMemory', '256'])],
    ['initial 2 pages', flagsWithout(['--initialMemory'], ['--initialMemory', '2'])],
  ];
  for (const [what, flags] of cases) {
    const module = await compile(plain, flags);
    assert.throws(() => registerKernels('check-memory', module, specs), {
      name: 'TypeError',
      message: new RegExp(`module 'check-memory' cannot be instantiated over a shared memory of 1 page growing to 65536 \\(.+\\); ${howToBuild.source}`),
    }, what);
  }
});

test('a module with data segments is refused: every worker would write them again over the ring', async () => {
  const table = `const TABLE: StaticArray<u8> = [7, 1, 2, 3, 4, 5, 6, 8];\nexport function copy(${ARGS}): void { store<u8>(dst, TABLE[load<u8>(src) & 7]); }`;
  // The build script refuses it as well (it checks the bytes); registration checks the module itself.
  const module = await compile(table, KERNEL_FLAGS);
  assert.throws(() => registerKernels('check-data', module, specs), {
    name: 'TypeError',
    message: new RegExp(`module 'check-data' writes into memory when it is instantiated \\(at byte \\d+: data segments or a start function\\); every worker .*${howToBuild.source}`),
  });
});

test('a refused module given as bytes fails loadKernels with the same message, until a good one takes its name', async () => {
  registerKernels('check-bytes', await compileBytes(plain, OWN_MEMORY), specs);
  await assert.rejects(loadKernels(), { name: 'TypeError', message: /module 'check-bytes' does not import its memory as env.memory/ });
  registerKernels('check-bytes', await compileBytes(plain, KERNEL_FLAGS), specs);
  await loadKernels();
});

test('a URL that serves no WebAssembly (a page in its place) fails loadKernels saying what came instead, until a good module takes its name', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'seqring-not-wasm-'));
  try {
    const file = path.join(dir, 'kernels.wasm');
    await writeFile(file, '<!doctype html><title>app</title>');
    registerKernels('check-url', pathToFileURL(file), specs);
    await assert.rejects(loadKernels(), {
      name: 'TypeError',
      message: /kernels\.wasm is not a WebAssembly module: it begins "<!doctype html><" \(33 bytes\)\. The server sent something else/,
    });
    registerKernels('check-url', await compileBytes(plain, KERNEL_FLAGS), specs);
    await loadKernels();
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('where a 4 GiB memory cannot be reserved, the probe asks for less, and without any probe the import checks still hold', async () => {
  const Real = WebAssembly.Memory;
  const table = `const TABLE: StaticArray<u8> = [7, 1, 2, 3, 4, 5, 6, 8];\nexport function copy(${ARGS}): void { store<u8>(dst, TABLE[load<u8>(src) & 7]); }`;
  const [data, smallMax, own] = await Promise.all([
    compile(table, KERNEL_FLAGS),
    compile(plain, flagsWithout(['--maximumMemory'], ['--maximumMemory', '256'])),
    compile(plain, OWN_MEMORY),
  ]);
  /** A Memory that refuses shared maxima above `limit` pages, as a 32-bit browser would. */
  const limited = (limit: number) =>
    function Memory(descriptor: WebAssembly.MemoryDescriptor) {
      if (descriptor.shared && (descriptor.maximum ?? 0) > limit) throw new RangeError('could not allocate memory');
      return new Real(descriptor);
    } as unknown as typeof WebAssembly.Memory;
  try {
    WebAssembly.Memory = limited(16384);
    assert.doesNotThrow(() => registerKernels('check-limited-good', good, specs));
    assert.throws(() => registerKernels('check-limited-data', data, specs), { name: 'TypeError', message: /writes into memory when it is instantiated/ });
    assert.throws(() => registerKernels('check-limited-max', smallMax, specs), { name: 'TypeError', message: /shared memory of 1 page growing to 16384 \(/ });
    WebAssembly.Memory = limited(0);
    assert.doesNotThrow(() => registerKernels('check-no-probe', smallMax, specs));
    assert.throws(() => registerKernels('check-no-probe-own', own, specs), { name: 'TypeError', message: /does not import its memory as env.memory/ });
  } finally {
    WebAssembly.Memory = Real;
  }
});
