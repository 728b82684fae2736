/**
 * The kernel registry: named wasm modules with their specs. The built-in
 * kernels are registered here by the same `registerKernels` users call. On
 * the main thread (and anywhere a kernel is called as a plain function) a
 * private KernelRuntime with its own shared memory runs them.
 */
import { describeValue } from '../seq/indexing.js';
import { fetchBytes } from './fetch-bytes.js';
import { checkExports, checkMemory } from './module-check.js';
import { checkOptions } from './options.js';
import { KernelRuntime } from './runtime.js';
import type { ImageLike, Kernel, KernelCall, KernelModule, KernelSpecs, OptionValue, Pixels } from './types.js';

/** Where a module's code comes from. */
export type KernelSource = WebAssembly.Module | BufferSource | URL;

interface Entry {
  source: KernelSource;
  specs: KernelSpecs;
  module?: WebAssembly.Module;
  compiling?: Promise<WebAssembly.Module>;
}

const registry = new Map<string, Entry>();
let privateRuntime: KernelRuntime | undefined;

/** Pages of the private runtime's memory: it only ever holds one call's scratch. */
const PRIVATE_MAX_PAGES = 16384;

/** A function making a kernel from its options (checked at once). */
export type KernelFactory = (options?: Record<string, OptionValue>) => Kernel;

/**
 * Registers a compiled kernel module under `name` and returns a factory per
 * kernel in `specs`. The module imports its memory as `env.memory` (shared)
 * and each export follows the calling convention of assembly/abi.ts. A URL or
 * bytes are compiled by the next `loadKernels()`.
 * @example
 * const { invert } = registerKernels('mine', new URL('./invert.wasm', import.meta.url), {
 *   invert: { exports: { uint8: 'invert' }, inputLayout: 'any', output: { dtype: 'uint8' } },
 * });
 * await loadKernels();
 * const negative = invert()(image);
 */
export function registerKernels<S extends KernelSpecs>(
  name: string, source: KernelSource, specs: S,
): { [K in keyof S]: KernelFactory } {
  return register(name, source, specs, true);
}

/** `registerKernels`; `probe: false` skips `checkMemory` for modules another thread checked already. */
function register<S extends KernelSpecs>(
  name: string, source: KernelSource, specs: S, probe: boolean,
): { [K in keyof S]: KernelFactory } {
  if (typeof name !== 'string' || name === '') {
    throw new TypeError(`registerKernels: name must be a non-empty string, got ${describeValue(name)}`);
  }
  if (!(source instanceof WebAssembly.Module || source instanceof URL || isBufferSource(source))) {
    throw new TypeError(
      `registerKernels: source must be a WebAssembly.Module, bytes or a URL, got ${describeValue(source)}`,
    );
  }
  checkSpecs(name, specs);
  const entry: Entry = { source, specs: JSON.parse(JSON.stringify(specs)) as KernelSpecs };
  if (source instanceof WebAssembly.Module) entry.module = checkModule(name, source, entry.specs, probe);
  registry.set(name, entry);
  if (privateRuntime?.has(name)) privateRuntime = undefined; // its instance is of the old module
  const factories: Record<string, KernelFactory> = {};
  for (const kernel of Object.keys(specs)) {
    factories[kernel] = (options) => makeKernel({ module: name, kernel, options: options ?? {} });
  }
  return factories as { [K in keyof S]: KernelFactory };
}

function checkModule(name: string, module: WebAssembly.Module, specs: KernelSpecs, probe: boolean): WebAssembly.Module {
  checkExports(name, module, specs);
  if (probe) checkMemory(name, module);
  return module;
}

function isBufferSource(x: unknown): x is BufferSource {
  return x instanceof ArrayBuffer || ArrayBuffer.isView(x) ||
    (typeof SharedArrayBuffer !== 'undefined' && x instanceof SharedArrayBuffer);
}

function checkSpecs(name: string, specs: unknown): void {
  if (typeof specs !== 'object' || specs === null) {
    throw new TypeError(`registerKernels: specs of '${name}' must be an object of kernel specs`);
  }
  for (const [kernel, spec] of Object.entries(specs)) {
    const s = spec as { exports?: Record<string, unknown>; output?: { dtype?: unknown } };
    if (!s?.exports || (!s.exports.uint8 && !s.exports.float32)) {
      throw new TypeError(`registerKernels: kernel '${kernel}' needs exports.uint8 and/or exports.float32`);
    }
    if (!s.output || !['uint8', 'float32', 'input'].includes(s.output.dtype as string)) {
      throw new TypeError(`registerKernels: kernel '${kernel}' needs output.dtype 'uint8', 'float32' or 'input'`);
    }
    const workspace = (spec as { workspace?: unknown }).workspace;
    if (workspace !== undefined) {
      const w = workspace as Record<string, unknown> | null;
      const bad = typeof w !== 'object' || w === null ||
        Object.entries(w).some(([k, v]) => !['perOutputColumn', 'perOutputRow'].includes(k) || !(Number.isInteger(v) && (v as number) >= 0));
      if (bad) throw new TypeError(`registerKernels: kernel '${kernel}': workspace must be { perOutputColumn?, perOutputRow? }, byte counts >= 0`);
    }
  }
}

/**
 * Compiles every registered module not compiled yet (the built-ins from
 * build/kernels.wasm). Call it once before using kernels on this thread.
 * @example
 * await loadKernels();
 * const out = normalize({ mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] })(image);
 */
export async function loadKernels(): Promise<void> {
  await Promise.all([...registry].map(([name, entry]) => compile(name, entry)));
}

function compile(name: string, entry: Entry): Promise<WebAssembly.Module> {
  if (entry.module) return Promise.resolve(entry.module);
  entry.compiling ??= (async () => {
    const bytes = entry.source instanceof URL ? await fetchBytes(entry.source) : (entry.source as BufferSource);
    const module = checkModule(name, await WebAssembly.compile(bytes), entry.specs, true);
    entry.module = module;
    return module;
  })();
  entry.compiling.catch(() => {
    entry.compiling = undefined; // let a later loadKernels() retry
  });
  return entry.compiling;
}

/**
 * Every registered module, compiled, with its specs (built-ins under
 * 'seqring'): what to post to workers for `KernelRuntime.create`.
 */
export async function kernelModules(): Promise<Record<string, KernelModule>> {
  await loadKernels();
  return loadedKernelModules() ?? {};
}

/**
 * The modules compiled on this thread so far, with their specs, without
 * compiling any (undefined when none is): sent to workers whose plan has no
 * kernel step, so that their own functions can still call kernels directly.
 */
export function loadedKernelModules(): Record<string, KernelModule> | undefined {
  let out: Record<string, KernelModule> | undefined;
  for (const [name, entry] of registry) if (entry.module) (out ??= {})[name] = { module: entry.module, specs: entry.specs };
  return out;
}

/**
 * Registers modules received from another thread (the result of
 * `kernelModules()`), so kernels called as plain functions here need no fetch.
 */
export function adoptKernelModules(modules: Record<string, KernelModule>): void {
  for (const [name, { module, specs }] of Object.entries(modules)) register(name, module, specs, false);
}

/** Whether `f` is a kernel (a function carrying a `kernelCall`). */
export function isKernel(f: unknown): f is Kernel {
  if (typeof f !== 'function') return false;
  const call = (f as { kernelCall?: Partial<KernelCall> }).kernelCall;
  return typeof call === 'object' && call !== null && typeof call.module === 'string' &&
    typeof call.kernel === 'string' && typeof call.options === 'object';
}

/**
 * Makes a kernel function from its portable call (as a worker receives it).
 * Options are checked against the spec when the module is registered here.
 */
export function kernelFromCall<In extends Pixels = Pixels, Out extends Pixels = Pixels>(call: KernelCall): Kernel<In, Out> {
  return makeKernel(call) as unknown as Kernel<In, Out>;
}

function makeKernel(call: KernelCall): Kernel {
  const entry = registry.get(call.module);
  const spec = entry?.specs[call.kernel];
  if (!spec) throw new RangeError(`${call.kernel}: no kernel of that name in module '${call.module}'`);
  const kernelCall: KernelCall = Object.freeze({
    module: call.module,
    kernel: call.kernel,
    options: checkOptions(call.kernel, spec, call.options),
  });
  // An image still on its way (from an async step, e.g. a decode in a worker) gives a promise of the output.
  const kernel = (image: ImageLike): ImageLike =>
    image instanceof Promise
      ? (image.then((ready: ImageLike) => runtimeFor(call).run(kernelCall, ready)) as unknown as ImageLike)
      : runtimeFor(call).run(kernelCall, image);
  Object.defineProperty(kernel, 'name', { value: call.kernel });
  Object.defineProperty(kernel, 'kernelCall', { value: kernelCall, enumerable: true });
  Object.defineProperty(kernel, 'into', { value: (image: ImageLike, out: Pixels) => runtimeFor(call).runOut(kernelCall, image, out) });
  return kernel as Kernel;
}

/** The private runtime, with the call's module instantiated; throws when not loaded yet. */
function runtimeFor(call: KernelCall): KernelRuntime {
  const entry = registry.get(call.module);
  if (!entry?.module) {
    throw new Error(
      `${call.kernel}: kernels are not loaded yet; call \`await loadKernels()\` before using them`,
    );
  }
  privateRuntime ??= KernelRuntime.create(
    {},
    new WebAssembly.Memory({ initial: 1, maximum: PRIVATE_MAX_PAGES, shared: true }),
  );
  if (!privateRuntime.has(call.module)) privateRuntime.add(call.module, { module: entry.module, specs: entry.specs });
  return privateRuntime;
}
