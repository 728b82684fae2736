// resizeBilinear for uint8 images with 1, 3 or 4 channels (HWC).
//
// Half-pixel centres, as OpenCV's INTER_LINEAR and PIL without antialiasing:
//   sx = (x + 0.5) * (inWidth / outWidth) - 0.5, clamped to [0, inWidth - 1]
// computed in f64; x0 = floor(sx), weight wx = round(frac(sx) * 2048) (11-bit
// fixed point, like OpenCV), then in integers
//   h0 = p00*(2048-wx) + p01*wx,  h1 = p10*(2048-wx) + p11*wx
//   out = (h0*(2048-wy) + h1*wy + 2^21) >> 22
// so src/kernels/reference.ts reproduces it bit for bit. Downscaling does not
// antialias (each output pixel reads its 4 nearest input pixels).
//
// In two passes, as OpenCV does: a source row is blended horizontally once
// (its h values, for every output column) and kept, so the output rows that
// read the same source row (most of them, in both directions of scaling)
// blend it again only vertically, and that pass is plain vector arithmetic
// over a contiguous row. All in i32, exactly the reference's integers.
// params: [width, height] (already given as outWidth/outHeight); workspace
// (the spec's `perOutputColumn: 40`): per output column its first source
// byte and its weights (two i32), then two rows of h values, 16 bytes a
// column (room for 4 channels, and for RGB for the 4 bytes the last column's
// 16-byte store writes past the row). Values stay below 2^31: h <= 255 * 2048,
// and h * 2048 + 2^21 < 2^31.
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
  const end = src + rowBytes * <usize>height;
  const taps = workspace(params, 2);
  const rowStride = <usize>outWidth << 4;
  let a = taps + (<usize>outWidth << 3); // h values of source row ya
  let b = a + rowStride; // h values of source row yb
  let ya: i32 = -1, yb: i32 = -1;
  // Each column's first source byte (x0 * c) and its weights packed as two i16 (2048 - wx, wx).
  for (let x = 0; x < outWidth; x++) {
    const tx = tap(x, scaleX, width - 1);
    const wx = tx & 4095;
    store<i32>(taps + (<usize>x << 3), (tx >>> 12) * channels);
    store<i32>(taps + (<usize>x << 3), (wx << 16) | (ONE - wx), 4);
  }
  const n = <usize>outWidth * c;
  let q = dst;
  for (let y = 0; y < outHeight; y++) {
    const ty = tap(y, scaleY, height - 1);
    const y0 = ty >>> 12;
    const wy = ty & 4095;
    // Row a holds y0; row b holds y0 + 1 unless wy is 0 (then it is not read).
    if (ya != y0) {
      if (yb == y0) {
        const t = a; a = b; b = t;
        yb = ya; ya = y0;
      } else {
        blendRow(src + <usize>y0 * rowBytes, end, a, taps, outWidth, c);
        ya = y0;
      }
    }
    const y1 = y0 + 1;
    if (wy != 0 && yb != y1) {
      blendRow(src + <usize>y1 * rowBytes, end, b, taps, outWidth, c);
      yb = y1;
    }
    blendRows(a, wy != 0 ? b : a, q, n, wy);
    q += n;
  }
}

/** h values of the source row at `row`, for every output column, as c i32 a column at `h`. */
function blendRow(row: usize, end: usize, h: usize, taps: usize, outWidth: i32, c: usize): void {
  if (c == 3 || c == 4) {
    // Both source pixels of a column in one 8-byte load, paired channel by
    // channel (p0r, p1r, p0g, p1g, ...), widened to i16 and dotted with
    // (2048 - wx, wx): one i32 lane per channel.
    const pairs = c == 3
      ? i8x16(0, 3, 1, 4, 2, 5, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128)
      : i8x16(0, 4, 1, 5, 2, 6, 3, 7, -128, -128, -128, -128, -128, -128, -128, -128);
    // A column whose load would run past the image (the last pixels of its last row) is done below.
    const stride = c << 2;
    let x = 0;
    for (; x < outWidth; x++) {
      const t = taps + (<usize>x << 3);
      const p = row + <usize>load<i32>(t);
      if (p + 8 > end) break;
      const px = i16x8.extend_low_i8x16_u(i8x16.swizzle(v128.load64_zero(p), pairs));
      // Stores 16 bytes; for RGB the fourth lane is overwritten by the next column (the row has room).
      v128.store(h + <usize>x * stride, i32x4.dot_i16x8_s(px, v128.load32_splat(t, 4)));
    }
    for (; x < outWidth; x++) blendColumn(row, h + <usize>x * stride, taps + (<usize>x << 3), c);
  } else {
    for (let x = 0; x < outWidth; x++) blendColumn(row, h + (<usize>x * c << 2), taps + (<usize>x << 3), c);
  }
}

/** One output column's h values, channel by channel; the second pixel is the first's right neighbour, or itself at the edge. */
// @ts-ignore: decorator
@inline function blendColumn(row: usize, h: usize, t: usize, c: usize): void {
  const p = row + <usize>load<i32>(t);
  const wx = load<i32>(t, 4) >>> 16;
  // At the last column the weight is 0 (tap), so reading the pixel itself instead of one past the row is exact.
  const next = wx != 0 ? c : 0;
  for (let k: usize = 0; k < c; k++) {
    store<i32>(h + (k << 2), <i32>load<u8>(p + k) * (ONE - wx) + <i32>load<u8>(p + k + next) * wx);
  }
}

/** out[i] = (h0[i] * (2048 - wy) + h1[i] * wy + 2^21) >> 22 for the n values of an output row. */
function blendRows(h0: usize, h1: usize, out: usize, n: usize, wy: i32): void {
  const w0 = i32x4.splat(ONE - wy);
  const w1 = i32x4.splat(wy);
  const half = i32x4.splat(1 << 21);
  let i: usize = 0;
  for (; i + 16 <= n; i += 16) {
    const v0 = vertical(h0, h1, i, w0, w1, half);
    const v1 = vertical(h0, h1, i + 4, w0, w1, half);
    const v2 = vertical(h0, h1, i + 8, w0, w1, half);
    const v3 = vertical(h0, h1, i + 12, w0, w1, half);
    v128.store(out + i, i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_u(v0, v1), i16x8.narrow_i32x4_u(v2, v3)));
  }
  for (; i < n; i++) {
    const at = i << 2;
    store<u8>(out + i, <u32>(load<i32>(h0 + at) * (ONE - wy) + load<i32>(h1 + at) * wy + (1 << 21)) >>> 22);
  }
}

// @ts-ignore: decorator
@inline function vertical(h0: usize, h1: usize, i: usize, w0: v128, w1: v128, half: v128): v128 {
  const at = i << 2;
  return i32x4.shr_u(i32x4.add(i32x4.add(i32x4.mul(v128.load(h0 + at), w0), i32x4.mul(v128.load(h1 + at), w1)), half), 22);
}
