// grayscale: RGB or RGBA uint8 → one channel uint8 (alpha ignored).
// ITU-R BT.601 luma in 14-bit fixed point, the weights OpenCV's cvtColor uses:
//   y = (4899 * R + 9617 * G + 1868 * B + 8192) >> 14
// (0.299, 0.587, 0.114 scaled by 2^14 and rounded, summing to 2^14).
// params: none.

const WR: i32 = 4899;
const WG: i32 = 9617;
const WB: i32 = 1868;

export function grayscale(
  src: usize, dst: usize, width: i32, height: i32, channels: i32,
  outWidth: i32, outHeight: i32, outChannels: i32, params: usize,
): void {
  const c = <usize>channels;
  const pixels = <usize>width * <usize>height;
  const n = pixels * c;
  const z = i32x4.splat(0);
  const wr = i32x4.splat(WR), wg = i32x4.splat(WG), wb = i32x4.splat(WB);
  const round = i32x4.splat(8192);
  let p: usize = 0;
  if (c == 3) {
    for (; p * 3 + 16 <= n; p += 4) {
      const v = v128.load(src + p * 3);
      const r = i8x16.shuffle(v, z, 0, 16, 16, 16, 3, 16, 16, 16, 6, 16, 16, 16, 9, 16, 16, 16);
      const g = i8x16.shuffle(v, z, 1, 16, 16, 16, 4, 16, 16, 16, 7, 16, 16, 16, 10, 16, 16, 16);
      const b = i8x16.shuffle(v, z, 2, 16, 16, 16, 5, 16, 16, 16, 8, 16, 16, 16, 11, 16, 16, 16);
      store<i32>(dst + p, i32x4.extract_lane(luma(r, g, b, wr, wg, wb, round), 0));
    }
  } else {
    for (; p + 4 <= pixels; p += 4) {
      const v = v128.load(src + (p << 2));
      const r = i8x16.shuffle(v, z, 0, 16, 16, 16, 4, 16, 16, 16, 8, 16, 16, 16, 12, 16, 16, 16);
      const g = i8x16.shuffle(v, z, 1, 16, 16, 16, 5, 16, 16, 16, 9, 16, 16, 16, 13, 16, 16, 16);
      const b = i8x16.shuffle(v, z, 2, 16, 16, 16, 6, 16, 16, 16, 10, 16, 16, 16, 14, 16, 16, 16);
      store<i32>(dst + p, i32x4.extract_lane(luma(r, g, b, wr, wg, wb, round), 0));
    }
  }
  for (; p < pixels; p++) {
    const s = src + p * c;
    const y = WR * <i32>load<u8>(s) + WG * <i32>load<u8>(s, 1) + WB * <i32>load<u8>(s, 2) + 8192;
    store<u8>(dst + p, y >>> 14);
  }
}

/** Four luma bytes in lane 0 of the result. */
// @ts-ignore: decorator
@inline function luma(r: v128, g: v128, b: v128, wr: v128, wg: v128, wb: v128, round: v128): v128 {
  const y = i32x4.shr_u(
    i32x4.add(i32x4.add(i32x4.mul(r, wr), i32x4.mul(g, wg)), i32x4.add(i32x4.mul(b, wb), round)),
    14,
  );
  const w = i16x8.narrow_i32x4_u(y, y);
  return i8x16.narrow_i16x8_u(w, w);
}
