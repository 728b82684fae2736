// Per-element transforms of uint8 images into float32: toFloat32 and normalize.
// Both compute out = x * a + b in f32 (a multiply, then an add, each rounded),
// exactly what src/kernels/reference.ts does with Math.fround.
// Bytes widen to i32 lanes in 0..255, so the signed convert gives the same
// floats as the unsigned one; x64 has a single instruction for the signed one
// and V8 emulates the unsigned one with about eight (1.6x faster here).
import { param } from './abi';

/** Converts 16 bytes at `p` into four f32x4 and writes `x * a + b` at `q`. */
// @ts-ignore: decorator
@inline function affine16(p: usize, q: usize, a: v128, b: v128): void {
  const v = v128.load(p);
  const lo = i16x8.extend_low_i8x16_u(v);
  const hi = i16x8.extend_high_i8x16_u(v);
  const f0 = f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(lo));
  const f1 = f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_u(lo));
  const f2 = f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(hi));
  const f3 = f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_u(hi));
  v128.store(q, f32x4.add(f32x4.mul(f0, a), b));
  v128.store(q, f32x4.add(f32x4.mul(f1, a), b), 16);
  v128.store(q, f32x4.add(f32x4.mul(f2, a), b), 32);
  v128.store(q, f32x4.add(f32x4.mul(f3, a), b), 48);
}

/** uint8 → float32, `x * scale + offset`. params: [scale, offset]. Any layout. */
export function toFloat32(
  src: usize, dst: usize, width: i32, height: i32, channels: i32,
  outWidth: i32, outHeight: i32, outChannels: i32, params: usize,
): void {
  const n = <usize>width * <usize>height * <usize>channels;
  const a = param(params, 0);
  const b = param(params, 1);
  const av = f32x4.splat(a);
  const bv = f32x4.splat(b);
  let i: usize = 0;
  for (; i + 16 <= n; i += 16) affine16(src + i, dst + (i << 2), av, bv);
  for (; i < n; i++) {
    store<f32>(dst + (i << 2), <f32>load<u8>(src + i) * a + b);
  }
}

/**
 * uint8 HWC → float32, per channel c: out = x * a[c] + b[c] with
 * a[c] = 1 / (255 * std[c]) and b[c] = -mean[c] / std[c], all in f32; that is
 * (x / 255 - mean[c]) / std[c] up to f32 rounding.
 * params: [layout (0 = chw, 1 = hwc), mean[channels], std[channels]].
 * a and b overwrite std and mean in the params block.
 */
export function normalize(
  src: usize, dst: usize, width: i32, height: i32, channels: i32,
  outWidth: i32, outHeight: i32, outChannels: i32, params: usize,
): void {
  const c = <usize>channels;
  const meanAt = params + 4;
  const stdAt = meanAt + (c << 2);
  for (let k: usize = 0; k < c; k++) {
    const m = load<f32>(meanAt + (k << 2));
    const s = load<f32>(stdAt + (k << 2));
    store<f32>(stdAt + (k << 2), <f32>1 / (<f32>255 * s));
    store<f32>(meanAt + (k << 2), -m / s);
  }
  const pixels = <usize>width * <usize>height;
  if (param(params, 0) == 1 || c == 1) normalizeHwc(src, dst, pixels, c, stdAt, meanAt);
  else normalizeChw(src, dst, pixels, c, stdAt, meanAt);
}

/** A vector of coefficients whose lane l is coef[(start + l) % c]. */
// @ts-ignore: decorator
@inline function pattern(coef: usize, start: usize, c: usize): v128 {
  let v = f32x4.splat(load<f32>(coef + ((start % c) << 2)));
  v = f32x4.replace_lane(v, 1, load<f32>(coef + (((start + 1) % c) << 2)));
  v = f32x4.replace_lane(v, 2, load<f32>(coef + (((start + 2) % c) << 2)));
  v = f32x4.replace_lane(v, 3, load<f32>(coef + (((start + 3) % c) << 2)));
  return v;
}

function normalizeHwc(src: usize, dst: usize, pixels: usize, c: usize, a: usize, b: usize): void {
  const n = pixels * c;
  let i: usize = 0;
  if (<usize>12 % c == 0) {
    // The channel pattern repeats every 12 elements (c = 1, 2, 3, 4, 6, 12):
    // three coefficient vectors cover a period. Loads read 16 bytes.
    const a0 = pattern(a, 0, c), a1 = pattern(a, 4, c), a2 = pattern(a, 8, c);
    const b0 = pattern(b, 0, c), b1 = pattern(b, 4, c), b2 = pattern(b, 8, c);
    for (; i + 16 <= n; i += 12) {
      const v = v128.load(src + i);
      const lo = i16x8.extend_low_i8x16_u(v);
      const hi = i16x8.extend_high_i8x16_u(v);
      const q = dst + (i << 2);
      v128.store(q, f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(lo)), a0), b0));
      v128.store(q, f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_u(lo)), a1), b1), 16);
      v128.store(q, f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(hi)), a2), b2), 32);
    }
  }
  for (; i < n; i++) {
    const k = (i % c) << 2;
    store<f32>(dst + (i << 2), <f32>load<u8>(src + i) * load<f32>(a + k) + load<f32>(b + k));
  }
}

/**
 * One channel of sixteen pixels at `s` (four loads `step` bytes apart) to
 * sixteen f32 `x * a + b` at `q`: one 64-byte line of its plane.
 */
// @ts-ignore: decorator
@inline function plane16(s: usize, step: usize, q: usize, m: v128, a: v128, b: v128): void {
  v128.store(q, f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(i8x16.swizzle(v128.load(s), m)), a), b));
  v128.store(q, f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(i8x16.swizzle(v128.load(s + step), m)), a), b), 16);
  v128.store(q, f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(i8x16.swizzle(v128.load(s + step * 2), m)), a), b), 32);
  v128.store(q, f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(i8x16.swizzle(v128.load(s + step * 3), m)), a), b), 48);
}

function normalizeChw(src: usize, dst: usize, pixels: usize, c: usize, a: usize, b: usize): void {
  const plane = pixels << 2;
  let p: usize = 0;
  if (c == 3 || c == 4) {
    // Sixteen pixels per step, channel by channel, so each step writes whole
    // 64-byte lines to each plane (4 pixels a step, 16 bytes to each of three
    // planes, ran at half the speed). A swizzle gathers one channel of four
    // pixels into the low bytes of four i32 lanes (mask bytes of -128 give 0).
    const a0 = f32x4.splat(load<f32>(a)), a1 = f32x4.splat(load<f32>(a, 4)), a2 = f32x4.splat(load<f32>(a, 8));
    const b0 = f32x4.splat(load<f32>(b)), b1 = f32x4.splat(load<f32>(b, 4)), b2 = f32x4.splat(load<f32>(b, 8));
    if (c == 3) {
      // Four loads 12 bytes apart; the last reads 4 bytes past the sixteen
      // pixels, so steps stop two pixels short of the end (the tail does those).
      const m0 = i8x16(0, -128, -128, -128, 3, -128, -128, -128, 6, -128, -128, -128, 9, -128, -128, -128);
      const m1 = i8x16(1, -128, -128, -128, 4, -128, -128, -128, 7, -128, -128, -128, 10, -128, -128, -128);
      const m2 = i8x16(2, -128, -128, -128, 5, -128, -128, -128, 8, -128, -128, -128, 11, -128, -128, -128);
      for (; p + 18 <= pixels; p += 16) {
        const s = src + p * 3, q = dst + (p << 2);
        plane16(s, 12, q, m0, a0, b0);
        plane16(s, 12, q + plane, m1, a1, b1);
        plane16(s, 12, q + plane * 2, m2, a2, b2);
      }
    } else {
      const m0 = i8x16(0, -128, -128, -128, 4, -128, -128, -128, 8, -128, -128, -128, 12, -128, -128, -128);
      const m1 = i8x16(1, -128, -128, -128, 5, -128, -128, -128, 9, -128, -128, -128, 13, -128, -128, -128);
      const m2 = i8x16(2, -128, -128, -128, 6, -128, -128, -128, 10, -128, -128, -128, 14, -128, -128, -128);
      const m3 = i8x16(3, -128, -128, -128, 7, -128, -128, -128, 11, -128, -128, -128, 15, -128, -128, -128);
      const a3 = f32x4.splat(load<f32>(a, 12)), b3 = f32x4.splat(load<f32>(b, 12));
      for (; p + 16 <= pixels; p += 16) {
        const s = src + (p << 2), q = dst + (p << 2);
        plane16(s, 16, q, m0, a0, b0);
        plane16(s, 16, q + plane, m1, a1, b1);
        plane16(s, 16, q + plane * 2, m2, a2, b2);
        plane16(s, 16, q + plane * 3, m3, a3, b3);
      }
    }
  }
  for (; p < pixels; p++) {
    for (let k: usize = 0; k < c; k++) {
      const x = <f32>load<u8>(src + p * c + k);
      store<f32>(dst + k * plane + (p << 2), x * load<f32>(a + (k << 2)) + load<f32>(b + (k << 2)));
    }
  }
}
