// resizeBilinear for uint8 images with 1, 3 or 4 channels (HWC).
//
// Half-pixel centres, as OpenCV's INTER_LINEAR and PIL without antialiasing:
//   sx = (x + 0.5) * (inWidth / outWidth) - 0.5, clamped to [0, inWidth - 1]
// computed in f64; x0 = floor(sx), weight wx = round(frac(sx) * 2048) (11-bit
// fixed point, like OpenCV), then in integers
//   out = ((p00*(2048-wx) + p01*wx) * (2048-wy) + (p10*(2048-wx) + p11*wx) * wy + 2^21) >> 22
// so src/kernels/reference.ts reproduces it bit for bit. Downscaling does not
// antialias (each output pixel reads its 4 nearest input pixels).
// params: [width, height] (already given as outWidth/outHeight); workspace:
// one i32 tap per output column (the spec's `perOutputColumn: 4`), worked out
// once a call rather than once per output pixel (that took half the time).
import { workspace } from './abi';

const ONE: i32 = 2048;

/** The left/top source index of output coordinate `x`, and its weight, packed as index << 12 | weight. */
// @ts-ignore: decorator
@inline function tap(x: i32, scale: f64, last: i32): i32 {
  let s = (<f64>x + 0.5) * scale - 0.5;
  if (s < 0) s = 0;
  const f = Math.floor(s);
  let i0 = <i32>f;
  let w = <i32>Math.floor((s - f) * <f64>ONE + 0.5);
  if (i0 >= last) {
    i0 = last;
    w = 0;
  }
  return (i0 << 12) | w;
}

export function resizeBilinear(
  src: usize, dst: usize, width: i32, height: i32, channels: i32,
  outWidth: i32, outHeight: i32, outChannels: i32, params: usize,
): void {
  const c = <usize>channels;
  const scaleX = <f64>width / <f64>outWidth;
  const scaleY = <f64>height / <f64>outHeight;
  const rowBytes = <usize>width * c;
  const inBytes = rowBytes * <usize>height;
  const one = i32x4.splat(ONE);
  const half = i32x4.splat(1 << 21);
  const taps = workspace(params, 2);
  for (let x = 0; x < outWidth; x++) store<i32>(taps + (<usize>x << 2), tap(x, scaleX, width - 1));
  let q = dst;
  for (let y = 0; y < outHeight; y++) {
    const ty = tap(y, scaleY, height - 1);
    const y0 = <usize>(ty >>> 12);
    const wy = ty & 4095;
    const row0 = src + y0 * rowBytes;
    const row1 = y0 + 1 < <usize>height ? row0 + rowBytes : row0;
    const wyv = i32x4.splat(wy);
    const wy1v = i32x4.splat(ONE - wy);
    for (let x = 0; x < outWidth; x++) {
      const tx = load<i32>(taps + (<usize>x << 2));
      const x0 = <usize>(tx >>> 12);
      const wx = tx & 4095;
      const o0 = x0 * c;
      const o1 = x0 + 1 < <usize>width ? o0 + c : o0;
      if (c >= 3 && row1 + o1 + 4 <= src + inBytes) {
        // All channels of one pixel at once, in i32 lanes (a 4-byte load; for
        // RGB the fourth lane is the next pixel's byte and is not stored).
        const wxv = i32x4.splat(wx);
        const wx1v = i32x4.sub(one, wxv);
        const h0 = i32x4.add(i32x4.mul(widen(row0 + o0), wx1v), i32x4.mul(widen(row0 + o1), wxv));
        const h1 = i32x4.add(i32x4.mul(widen(row1 + o0), wx1v), i32x4.mul(widen(row1 + o1), wxv));
        const v = i32x4.shr_u(i32x4.add(i32x4.add(i32x4.mul(h0, wy1v), i32x4.mul(h1, wyv)), half), 22);
        const b = i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_u(v, v), v);
        if (c == 4) {
          v128.store32_lane(q, b, 0);
        } else {
          v128.store16_lane(q, b, 0);
          v128.store8_lane(q, b, 2, 2);
        }
      } else {
        for (let k: usize = 0; k < c; k++) {
          const h0 = <i32>load<u8>(row0 + o0 + k) * (ONE - wx) + <i32>load<u8>(row0 + o1 + k) * wx;
          const h1 = <i32>load<u8>(row1 + o0 + k) * (ONE - wx) + <i32>load<u8>(row1 + o1 + k) * wx;
          store<u8>(q + k, <u32>(h0 * (ONE - wy) + h1 * wy + (1 << 21)) >>> 22);
        }
      }
      q += c;
    }
  }
}

/** Four bytes at `p` as four i32 lanes. */
// @ts-ignore: decorator
@inline function widen(p: usize): v128 {
  return i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(p)));
}
