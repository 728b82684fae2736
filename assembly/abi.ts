// The calling convention every seqring kernel export follows (built-ins and
// user modules alike), so one JS runtime can drive them all:
//
//   export function <name>(src: usize, dst: usize,
//                          width: i32, height: i32, channels: i32,
//                          outWidth: i32, outHeight: i32, outChannels: i32,
//                          params: usize): void
//
// `src`/`dst` are byte offsets in the imported (shared) memory. `params` points
// at the options as consecutive f32s, in the order the kernel's spec lists
// them (a number is one f32, an array its elements, a string the index of its
// value). The params block is the caller's scratch: a kernel may overwrite it.
// A kernel whose spec declares a `workspace` gets that many bytes after the
// params block, at `workspace(params, count)`, to write and read during the
// call (a table it would otherwise work out again for every row).
//
// No kernel holds static data or allocates: the memory is shared by every
// worker and data segments would be re-applied at each instantiation.

/** Reads the `k`-th f32 of the params block. */
// @ts-ignore: decorator
@inline export function param(params: usize, k: i32): f32 {
  return load<f32>(params + (<usize>k << 2));
}

/** The workspace of a kernel whose params block holds `count` f32s (16-byte aligned after it). */
// @ts-ignore: decorator
@inline export function workspace(params: usize, count: i32): usize {
  return params + ((<usize>count * 4 + 15) & ~<usize>15);
}
