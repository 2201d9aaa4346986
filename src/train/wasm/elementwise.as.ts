// Elementwise and per-channel kernels of the trainer (AssemblyScript, f32x4 SIMD), on the layer
// buffers of src/train/weighted.ts: `rows` rows of `ld` floats of which the first `C` are used
// (per-channel data), and compact outputs of `rows` rows of `C` floats (NHWC). Per-channel
// sums accumulate in double. See src/train/activation.ts and batchnorm.ts for the math; the
// TypeScript side computes the per-channel coefficients.

/** out[c] (f64) = sum over rows of x[r][c] (out is overwritten). */
export function colSums(x: usize, rows: i32, ld: i32, C: i32, out: usize): void {
  memory.fill(out, 0, <usize>C << 3);
  const C4 = C & ~3;
  const ldB = <usize>ld << 2;
  let row = x;
  for (let r = 0; r < rows; r++) {
    let c = 0;
    for (; c < C4; c += 4) {
      const v = v128.load(row + (<usize>c << 2));
      const o = out + (<usize>c << 3);
      v128.store(o, f64x2.add(v128.load(o), f64x2.promote_low_f32x4(v)));
      v128.store(o, f64x2.add(v128.load(o, 16), f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1))), 16);
    }
    for (; c < C; c++) {
      const o = out + (<usize>c << 3);
      store<f64>(o, load<f64>(o) + <f64>load<f32>(row + (<usize>c << 2)));
    }
    row += ldB;
  }
}

/** out[c] (f64) = sum over rows of (x[r][c] - mean[c])^2, mean f64 (out is overwritten). */
export function colCentredSquares(x: usize, rows: i32, ld: i32, C: i32, mean: usize, out: usize): void {
  memory.fill(out, 0, <usize>C << 3);
  const C2 = C & ~1;
  const ldB = <usize>ld << 2;
  let row = x;
  for (let r = 0; r < rows; r++) {
    let c = 0;
    for (; c < C2; c += 2) {
      const v = f64x2.promote_low_f32x4(v128.load64_zero(row + (<usize>c << 2)));
      const d = f64x2.sub(v, v128.load(mean + (<usize>c << 3)));
      const o = out + (<usize>c << 3);
      v128.store(o, f64x2.add(v128.load(o), f64x2.mul(d, d)));
    }
    for (; c < C; c++) {
      const d = <f64>load<f32>(row + (<usize>c << 2)) - load<f64>(mean + (<usize>c << 3));
      const o = out + (<usize>c << 3);
      store<f64>(o, load<f64>(o) + d * d);
    }
    row += ldB;
  }
}

/** out[c] (f64) = sum over rows of g[r][c] * x[r][c] (both `ld`-strided; out overwritten). */
export function colDots(g: usize, x: usize, rows: i32, ld: i32, C: i32, out: usize): void {
  memory.fill(out, 0, <usize>C << 3);
  const C2 = C & ~1;
  const ldB = <usize>ld << 2;
  let gr = g;
  let xr = x;
  for (let r = 0; r < rows; r++) {
    let c = 0;
    for (; c < C2; c += 2) {
      const a = f64x2.promote_low_f32x4(v128.load64_zero(gr + (<usize>c << 2)));
      const b = f64x2.promote_low_f32x4(v128.load64_zero(xr + (<usize>c << 2)));
      const o = out + (<usize>c << 3);
      v128.store(o, f64x2.add(v128.load(o), f64x2.mul(a, b)));
    }
    for (; c < C; c++) {
      const o = out + (<usize>c << 3);
      store<f64>(o, load<f64>(o) + <f64>load<f32>(gr + (<usize>c << 2)) * <f64>load<f32>(xr + (<usize>c << 2)));
    }
    gr += ldB;
    xr += ldB;
  }
}

/**
 * y[r][c] = k1[c] * a[r][c] + k2[c] * b[r][c] + k3[c] (f32 coefficients); with b == 0 the middle
 * term is left out. `y` may be `a`.
 */
export function affine(a: usize, b: usize, y: usize, rows: i32, ld: i32, C: i32, k1: usize, k2: usize, k3: usize): void {
  const C4 = C & ~3;
  const ldB = <usize>ld << 2;
  for (let r = 0; r < rows; r++) {
    const off = <usize>r * ldB;
    let c = 0;
    for (; c < C4; c += 4) {
      const cb = <usize>c << 2;
      let v = f32x4.add(f32x4.mul(v128.load(k1 + cb), v128.load(a + off + cb)), v128.load(k3 + cb));
      if (b != 0) v = f32x4.add(v, f32x4.mul(v128.load(k2 + cb), v128.load(b + off + cb)));
      v128.store(y + off + cb, v);
    }
    for (; c < C; c++) {
      const cb = <usize>c << 2;
      let v = load<f32>(k1 + cb) * load<f32>(a + off + cb) + load<f32>(k3 + cb);
      if (b != 0) v += load<f32>(k2 + cb) * load<f32>(b + off + cb);
      store<f32>(y + off + cb, v);
    }
  }
}

/**
 * The DFT neuron (Eq. 7 in tau form): from A (rows at y) and W (rows at y + rows * ld), writes
 * tau compactly to out: 1 if A >= 1, (A + W) / (1 + W) if A + W > 0, else 0. Returns the number
 * of spikes (tau != 0).
 */
export function dftForward(y: usize, rows: i32, ld: i32, C: i32, out: usize): i32 {
  const C4 = C & ~3;
  const ldB = <usize>ld << 2;
  const wOff = <usize>rows * ldB;
  const one = f32x4.splat(1);
  const zero = f32x4.splat(0);
  let spikes = i32x4.splat(0);
  let tail = 0;
  for (let r = 0; r < rows; r++) {
    const a = y + <usize>r * ldB;
    const o = out + ((<usize>r * <usize>C) << 2);
    let c = 0;
    for (; c < C4; c += 4) {
      const cb = <usize>c << 2;
      const A = v128.load(a + cb);
      const W = v128.load(a + wOff + cb);
      const s = f32x4.add(A, W);
      const inside = f32x4.div(s, f32x4.add(one, W));
      const t = v128.bitselect(one, v128.and(inside, f32x4.gt(s, zero)), f32x4.ge(A, one));
      v128.store(o + cb, t);
      spikes = i32x4.sub(spikes, f32x4.ne(t, zero));
    }
    for (; c < C; c++) {
      const cb = <usize>c << 2;
      const A = load<f32>(a + cb);
      const W = load<f32>(a + wOff + cb);
      const t: f32 = A >= 1 ? 1 : A + W > 0 ? (A + W) / (1 + W) : 0;
      store<f32>(o + cb, t);
      if (t != 0) tail++;
    }
  }
  return i32x4.extract_lane(spikes, 0) + i32x4.extract_lane(spikes, 1) + i32x4.extract_lane(spikes, 2) + i32x4.extract_lane(spikes, 3) + tail;
}

/**
 * Backward of dftForward: g compact (dL/dtau), gy laid out like y: inside neurons (A < 1,
 * A + W > 0) get gA = g / d, gW = g (1 - tau) / d with d = max(1 + W, floor); the others 0.
 * floor 0 is the exact gradient (1 + W > 0 inside); floor > 0 bounds it where 1 + W -> 0.
 */
export function dftBackward(g: usize, y: usize, out: usize, gy: usize, rows: i32, ld: i32, C: i32, floor: f32): void {
  const C4 = C & ~3;
  const ldB = <usize>ld << 2;
  const wOff = <usize>rows * ldB;
  const one = f32x4.splat(1);
  const zero = f32x4.splat(0);
  // floor 0: max(1 + W, -inf) = 1 + W, the exact gradient
  const lo = f32x4.splat(floor > 0 ? floor : -Infinity);
  for (let r = 0; r < rows; r++) {
    const a = y + <usize>r * ldB;
    const ga = gy + <usize>r * ldB;
    const q = (<usize>r * <usize>C) << 2;
    let c = 0;
    for (; c < C4; c += 4) {
      const cb = <usize>c << 2;
      const A = v128.load(a + cb);
      const W = v128.load(a + wOff + cb);
      const inside = v128.and(f32x4.lt(A, one), f32x4.gt(f32x4.add(A, W), zero));
      const inv = f32x4.div(one, f32x4.max(f32x4.add(one, W), lo));
      // mask the product, not g: a masked lane may have 1 + W = 0 (0 * inf = NaN)
      const gA = v128.and(f32x4.mul(v128.load(g + q + cb), inv), inside);
      v128.store(ga + cb, gA);
      v128.store(ga + wOff + cb, f32x4.mul(gA, f32x4.sub(one, v128.load(out + q + cb))));
    }
    for (; c < C; c++) {
      const cb = <usize>c << 2;
      const A = load<f32>(a + cb);
      const W = load<f32>(a + wOff + cb);
      const gi = load<f32>(g + q + cb);
      let gA: f32 = 0;
      let gW: f32 = 0;
      if (gi != 0 && A < 1 && A + W > 0) {
        const inv: f32 = 1 / max<f32>(1 + W, floor);
        gA = gi * inv;
        gW = gA * (1 - load<f32>(out + q + cb));
      }
      store<f32>(ga + cb, gA);
      store<f32>(ga + wOff + cb, gW);
    }
  }
}

/**
 * ReLU (top = +Infinity) or ReLU1 (top = 1) forward from A (rows at y) into out (compact);
 * returns the number of nonzero outputs.
 */
export function clampForward(y: usize, rows: i32, ld: i32, C: i32, top: f32, out: usize): i32 {
  const C4 = C & ~3;
  const ldB = <usize>ld << 2;
  const zero = f32x4.splat(0);
  const hi = f32x4.splat(top);
  let count = i32x4.splat(0);
  let tail = 0;
  for (let r = 0; r < rows; r++) {
    const a = y + <usize>r * ldB;
    const o = out + ((<usize>r * <usize>C) << 2);
    let c = 0;
    for (; c < C4; c += 4) {
      const cb = <usize>c << 2;
      const t = f32x4.min(f32x4.max(v128.load(a + cb), zero), hi);
      v128.store(o + cb, t);
      count = i32x4.sub(count, f32x4.ne(t, zero));
    }
    for (; c < C; c++) {
      const cb = <usize>c << 2;
      const t = min(max(load<f32>(a + cb), <f32>0), top);
      store<f32>(o + cb, t);
      if (t != 0) tail++;
    }
  }
  return i32x4.extract_lane(count, 0) + i32x4.extract_lane(count, 1) + i32x4.extract_lane(count, 2) + i32x4.extract_lane(count, 3) + tail;
}

/** Backward of clampForward: gy = g where 0 < A < top, else 0 (gy laid out like y, block 0). */
export function clampBackward(g: usize, y: usize, gy: usize, rows: i32, ld: i32, C: i32, top: f32): void {
  const C4 = C & ~3;
  const ldB = <usize>ld << 2;
  const zero = f32x4.splat(0);
  const hi = f32x4.splat(top);
  for (let r = 0; r < rows; r++) {
    const a = y + <usize>r * ldB;
    const ga = gy + <usize>r * ldB;
    const q = (<usize>r * <usize>C) << 2;
    let c = 0;
    for (; c < C4; c += 4) {
      const cb = <usize>c << 2;
      const A = v128.load(a + cb);
      const pass = v128.and(f32x4.gt(A, zero), f32x4.lt(A, hi));
      v128.store(ga + cb, v128.and(v128.load(g + q + cb), pass));
    }
    for (; c < C; c++) {
      const cb = <usize>c << 2;
      const A = load<f32>(a + cb);
      store<f32>(ga + cb, A > 0 && A < top ? load<f32>(g + q + cb) : 0);
    }
  }
}
