/** The asc flags every seqring kernel module (built-in or user) is compiled with. */
export const KERNEL_FLAGS: readonly string[];
/** Compiles one AssemblyScript entry to wasm bytes with KERNEL_FLAGS; writes `outFile` when given. */
export function compileKernelSource(entry: string, outFile?: string): Promise<Uint8Array<ArrayBuffer>>;
/** Throws when the module bytes hold data segments. */
export function checkNoDataSegments(bytes: Uint8Array, what: string): void;
/** Where the built-in kernels come from and go. */
export const KERNEL_PATHS: { readonly assemblyDir: string; readonly outFile: string };
/** Builds `assemblyDir`/index.ts into `outFile` (default KERNEL_PATHS: assembly/ → build/kernels.wasm); returns its path. */
export function buildKernels(paths?: { assemblyDir: string; outFile: string }): Promise<string>;
