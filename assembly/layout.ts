// hwcToChw: interleaved pixels (HWC) to channel planes (CHW), uint8 and float32.
// params: none.

/** uint8 HWC → uint8 CHW, any channel count. */
export function hwcToChw_u8(
  src: usize, dst: usize, width: i32, height: i32, channels: i32,
  outWidth: i32, outHeight: i32, outChannels: i32, params: usize,
): void {
  const c = <usize>channels;
  const pixels = <usize>width * <usize>height;
  if (c == 1) {
    memory.copy(dst, src, pixels);
    return;
  }
  let p: usize = 0;
  if (c == 3) {
    // Four pixels per step: one shuffle puts R0..R3 G0..G3 B0..B3 in lanes 0..2.
    for (; p * 3 + 16 <= pixels * 3; p += 4) {
      const v = i8x16.shuffle(v128.load(src + p * 3), v128.load(src + p * 3), 0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11, 0, 0, 0, 0);
      store<i32>(dst + p, i32x4.extract_lane(v, 0));
      store<i32>(dst + pixels + p, i32x4.extract_lane(v, 1));
      store<i32>(dst + pixels * 2 + p, i32x4.extract_lane(v, 2));
    }
  } else if (c == 4) {
    for (; p + 4 <= pixels; p += 4) {
      const w = v128.load(src + (p << 2));
      const v = i8x16.shuffle(w, w, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
      store<i32>(dst + p, i32x4.extract_lane(v, 0));
      store<i32>(dst + pixels + p, i32x4.extract_lane(v, 1));
      store<i32>(dst + pixels * 2 + p, i32x4.extract_lane(v, 2));
      store<i32>(dst + pixels * 3 + p, i32x4.extract_lane(v, 3));
    }
  }
  for (; p < pixels; p++) {
    for (let k: usize = 0; k < c; k++) store<u8>(dst + k * pixels + p, load<u8>(src + p * c + k));
  }
}

/** float32 HWC → float32 CHW, any channel count. */
export function hwcToChw_f32(
  src: usize, dst: usize, width: i32, height: i32, channels: i32,
  outWidth: i32, outHeight: i32, outChannels: i32, params: usize,
): void {
  const c = <usize>channels;
  const pixels = <usize>width * <usize>height;
  const plane = pixels << 2;
  if (c == 1) {
    memory.copy(dst, src, plane);
    return;
  }
  let p: usize = 0;
  if (c == 3) {
    // Four pixels = three vectors [r0 g0 b0 r1] [g1 b1 r2 g2] [b2 r3 g3 b3].
    for (; p + 4 <= pixels; p += 4) {
      const s = src + p * 12;
      const v0 = v128.load(s), v1 = v128.load(s, 16), v2 = v128.load(s, 32);
      const q = dst + (p << 2);
      // r: v0[0] v0[3] v1[2] v2[1]; g: v0[1] v1[0] v1[3] v2[2]; b: v0[2] v1[1] v2[0] v2[3]
      const r01 = i32x4.shuffle(v0, v1, 0, 3, 6, 0);
      const g01 = i32x4.shuffle(v0, v1, 1, 4, 7, 0);
      const b01 = i32x4.shuffle(v0, v1, 2, 5, 0, 0);
      v128.store(q, i32x4.shuffle(r01, v2, 0, 1, 2, 5));
      v128.store(q + plane, i32x4.shuffle(g01, v2, 0, 1, 2, 6));
      v128.store(q + plane * 2, i32x4.shuffle(b01, v2, 0, 1, 4, 7));
    }
  } else if (c == 4) {
    // A 4x4 transpose of four pixels.
    for (; p + 4 <= pixels; p += 4) {
      const s = src + (p << 4);
      const v0 = v128.load(s), v1 = v128.load(s, 16), v2 = v128.load(s, 32), v3 = v128.load(s, 48);
      const t0 = i32x4.shuffle(v0, v1, 0, 4, 1, 5);
      const t1 = i32x4.shuffle(v2, v3, 0, 4, 1, 5);
      const t2 = i32x4.shuffle(v0, v1, 2, 6, 3, 7);
      const t3 = i32x4.shuffle(v2, v3, 2, 6, 3, 7);
      const q = dst + (p << 2);
      v128.store(q, i64x2.shuffle(t0, t1, 0, 2));
      v128.store(q + plane, i64x2.shuffle(t0, t1, 1, 3));
      v128.store(q + plane * 2, i64x2.shuffle(t2, t3, 0, 2));
      v128.store(q + plane * 3, i64x2.shuffle(t2, t3, 1, 3));
    }
  }
  for (; p < pixels; p++) {
    for (let k: usize = 0; k < c; k++) {
      store<f32>(dst + k * plane + (p << 2), load<f32>(src + (p * c + k) * 4));
    }
  }
}
