// Compiles the AssemblyScript kernels (assembly/) to build/kernels.wasm.
// Run directly (`npm run asbuild`) or import { buildKernels } (the Vite plugin does).
//
// Flags: SIMD + threads, memory imported from env.memory as shared with a
// 1-page initial and 65536-page maximum declaration (so any ring memory fits),
// the stub runtime, no exported memory, no assertions (no abort strings, so
// no data segments). The result is checked to hold no data segment: data
// segments are re-applied at every instantiation, which would clobber a
// shared memory that other workers are using.
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import asc from 'assemblyscript/asc';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The asc flags every seqring kernel module (built-in or user) is compiled with. */
export const KERNEL_FLAGS = [
  '-O3',
  '--noAssert',
  '--enable', 'simd,threads',
  '--importMemory',
  '--sharedMemory',
  '--initialMemory', '1',
  '--maximumMemory', '65536',
  '--noExportMemory',
  '--runtime', 'stub',
  '--use', 'abort=',
];

/**
 * Compiles one AssemblyScript entry file to wasm bytes with any `flags` (the
 * tests build wrongly flagged modules with it). Throws with asc's diagnostics.
 */
export async function compileAssemblyScript(entry, flags) {
  let binary;
  const stderr = asc.createMemoryStream();
  const { error } = await asc.main([entry, '--outFile', 'out.wasm', ...flags], {
    stderr,
    writeFile(name, contents) {
      if (name.endsWith('.wasm')) binary = contents;
    },
  });
  if (error || binary === undefined) {
    throw new Error(`asc failed on ${entry}:\n${stderr.toString()}${error ? String(error) : ''}`);
  }
  return binary;
}

/**
 * Compiles one AssemblyScript entry file to wasm bytes with KERNEL_FLAGS and
 * checks it has no data segments. Writes `outFile` when given.
 */
export async function compileKernelSource(entry, outFile) {
  const binary = await compileAssemblyScript(entry, KERNEL_FLAGS);
  checkNoDataSegments(binary, entry);
  if (outFile !== undefined) {
    await mkdir(path.dirname(outFile), { recursive: true });
    await writeFile(outFile, binary);
  }
  return binary;
}

/** Throws when the module has a data section with any segment (section id 11). */
export function checkNoDataSegments(bytes, what) {
  let at = 8;
  const leb = () => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[at++];
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if ((b & 0x80) === 0) return result;
    }
  };
  while (at < bytes.length) {
    const id = bytes[at++];
    const size = leb();
    const end = at + size;
    if (id === 11 && leb() > 0) {
      throw new Error(`${what}: the module has data segments (static data); kernels sharing memory must have none`);
    }
    at = end;
  }
}

/** Where the built-in kernels come from and go (tests build copies elsewhere). */
export const KERNEL_PATHS = {
  assemblyDir: path.join(root, 'assembly'),
  outFile: path.join(root, 'build', 'kernels.wasm'),
};

/** Builds `assemblyDir`/index.ts into `outFile` (by default assembly/ → build/kernels.wasm) and returns the output path. */
export async function buildKernels({ assemblyDir, outFile } = KERNEL_PATHS) {
  await compileKernelSource(path.join(assemblyDir, 'index.ts'), outFile);
  return outFile;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const started = performance.now();
  const out = await buildKernels();
  console.log(`built ${path.relative(root, out)} in ${Math.round(performance.now() - started)} ms`);
}
