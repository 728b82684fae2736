/**
 * What a kernel module must be to run on seqring's memories, checked once
 * when it is registered (or compiled), so that a module built with the wrong
 * asc flags fails there with a message that says how to build it, not later
 * in a worker with a LinkError, a trap on every element, or worse.
 *
 * Every runtime (the main thread's, and each worker's over the ring memory)
 * instantiates the module over a shared memory it did not make, so the module
 * must:
 * - import its memory as `env.memory`, and no function but `env.abort`;
 * - accept a shared memory of 1 page that may grow to 65536 (rings and stores
 *   are made of any size up to that; where the device cannot reserve that
 *   much, the probe asks for less);
 * - write nothing into memory when instantiated: data segments (or a start
 *   function) would be applied again by every worker, over the ring header
 *   and slots other workers are using.
 * The last two are checked by instantiating the module once on a probe memory.
 */
import type { KernelSpecs } from './types.js';

/** The asc flags that make a module pass these checks (as scripts/build-kernels.mjs builds the built-ins). */
export const KERNEL_ASC_FLAGS =
  '--enable simd,threads --importMemory --sharedMemory --initialMemory 1 --maximumMemory 65536 --runtime stub --noAssert --use abort=';

/**
 * The probe's maximum, largest first: rings and stores may grow that far, but
 * a device short of address space (a 32-bit browser) may not reserve 4 GiB,
 * and there the probe settles for the main thread's own memory's maximum.
 */
const PROBE_MAX_PAGES = [65536, 16384] as const;

function probeMemory(): { memory: WebAssembly.Memory; maximum: number } | undefined {
  for (const maximum of PROBE_MAX_PAGES) {
    try {
      return { memory: new WebAssembly.Memory({ initial: 1, maximum, shared: true }), maximum };
    } catch {
      // not enough address space for that maximum: try the next
    }
  }
  return undefined;
}

const howToBuild = `compile it with asc ${KERNEL_ASC_FLAGS} (README, "Your own kernels")`;

/** Throws a TypeError naming `name` unless `module` exports every function its specs name. */
export function checkExports(name: string, module: WebAssembly.Module, specs: KernelSpecs): void {
  const have = new Set(WebAssembly.Module.exports(module).filter((e) => e.kind === 'function').map((e) => e.name));
  for (const [kernel, spec] of Object.entries(specs)) {
    for (const exported of Object.values(spec.exports)) {
      if (exported && !have.has(exported)) {
        throw new TypeError(`registerKernels: module '${name}' has no export '${exported}' (kernel '${kernel}')`);
      }
    }
  }
}

/** Throws a TypeError naming `name` unless `module` can run over a shared memory it does not own (see above). */
export function checkMemory(name: string, module: WebAssembly.Module): void {
  const imports = WebAssembly.Module.imports(module);
  if (!imports.some((i) => i.module === 'env' && i.name === 'memory' && i.kind === 'memory')) {
    throw new TypeError(`registerKernels: module '${name}' does not import its memory as env.memory; ${howToBuild}`);
  }
  const unknown = imports.filter(
    (i) => !(i.module === 'env' && ((i.name === 'memory' && i.kind === 'memory') || (i.name === 'abort' && i.kind === 'function'))),
  );
  if (unknown.length > 0) {
    const names = unknown.map((i) => `${i.module}.${i.name} (${i.kind})`).join(', ');
    throw new TypeError(`registerKernels: module '${name}' imports ${names}; seqring gives a kernel module env.memory and env.abort only: ${howToBuild}`);
  }
  const probe = probeMemory();
  if (!probe) return; // no address space for any probe here: the runtimes will say what fails
  try {
    new WebAssembly.Instance(module, { env: { memory: probe.memory, abort: () => {} } });
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new TypeError(
      `registerKernels: module '${name}' cannot be instantiated over a shared memory of 1 page growing to ${probe.maximum} (${why}); ${howToBuild}`,
      { cause },
    );
  }
  const words = new Int32Array(probe.memory.buffer);
  for (let k = 0; k < words.length; k++) {
    if (words[k] !== 0) {
      throw new TypeError(
        `registerKernels: module '${name}' writes into memory when it is instantiated (at byte ${k * 4}: data segments or a start function); ` +
          `every worker instantiates it over the ring's memory, which that would overwrite; ${howToBuild}`,
      );
    }
  }
}
