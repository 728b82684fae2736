/** The asc flags every seqring kernel module (built-in or user) is compiled with. */
export const KERNEL_FLAGS: readonly string[];
/** Compiles one AssemblyScript entry file to wasm bytes with any flags; throws with asc's diagnostics. */
export function compileAssemblyScript(entry: string, flags: readonly string[]): Promise<Uint8Array<ArrayBuffer>>;
/** Compiles one AssemblyScript entry to wasm bytes with KERNEL_FLAGS; writes `outFile` when given. */
export function compileKernelSource(entry: string, outFile?: string): Promise<Uint8Array<ArrayBuffer>>;
/** Throws when the module bytes hold data segments. */
export function checkNoDataSegments(bytes: Uint8Array, what: string): void;
/** Where kernel sources are read from and the module is written to. */
export interface KernelPaths {
  readonly assemblyDir: string;
  readonly outFile: string;
}
/** Where the built-in kernels come from and go: assembly/ → build/kernels.wasm. */
export const KERNEL_PATHS: KernelPaths;
/** Builds `assemblyDir`/index.ts into `outFile` (default KERNEL_PATHS); returns its path. */
export function buildKernels(paths?: KernelPaths): Promise<string>;
