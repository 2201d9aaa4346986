// AssemblyScript source of the trainer's compute kernels (compiled by `npm run build:wasm`, part
// of `npm ci`, to dist/wasm/kernels.wasm and, with relaxed SIMD's fused multiply-add,
// dist/wasm/kernels-relaxed.wasm). All pointers are byte offsets into the imported
// memory, all data float32, all matrices row-major. See src/train/wasm/kernels.ts for the
// contracts; the TypeScript side owns every buffer.
//
// GEMM: C[M x N] = beta * C + A[M x K] * B[K x N], with A read through strides (element (i, p)
// at a + 4 * (i * sai + p * sap)) and B packed by packB into panels of 8 columns
// ([ceil(N / 8)][K][8], zero beyond N). C's rows hold ceil(N / 8) * 8 columns (ldc >= that):
// the padding columns are written too. The 4 x 8 register block (8 f32x4 accumulators) was the
// fastest of 4 x 8, 6 x 8 measured here (V8 TurboFan, x86-64 with 16 xmm registers).

/**
 * c + a * b, fused (one rounding) where the build has relaxed SIMD (kernels-relaxed.wasm: V8 then
 * emits an FMA on CPUs that have one), else a multiply and an add.
 */
@inline
function fma(c: v128, a: v128, b: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

const KC: i32 = 256; // depth of a block: 8 x KC floats of B stay in L1
const MC: i32 = 64; // rows of a block of A: MC x KC floats stay in L2

@inline
function kern4x8(a: usize, sai: usize, sap: usize, b: usize, K: i32, c: usize, ldc: usize, acc: bool, bias: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  if (!acc && bias != 0) {
    c00 = v128.load(bias); c01 = v128.load(bias, 16);
    c10 = c00; c11 = c01; c20 = c00; c21 = c01; c30 = c00; c31 = c01;
  }
  if (acc) {
    c00 = v128.load(c); c01 = v128.load(c, 16);
    c10 = v128.load(c + ldc); c11 = v128.load(c + ldc, 16);
    c20 = v128.load(c + 2 * ldc); c21 = v128.load(c + 2 * ldc, 16);
    c30 = v128.load(c + 3 * ldc); c31 = v128.load(c + 3 * ldc, 16);
  }
  let a0 = a;
  const a1off = sai, a2off = sai << 1, a3off = sai * <usize>3;
  for (let p = 0; p < K; p++) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    let x = f32x4.splat(load<f32>(a0));
    c00 = fma(c00, x, b0); c01 = fma(c01, x, b1);
    x = f32x4.splat(load<f32>(a0 + a1off));
    c10 = fma(c10, x, b0); c11 = fma(c11, x, b1);
    x = f32x4.splat(load<f32>(a0 + a2off));
    c20 = fma(c20, x, b0); c21 = fma(c21, x, b1);
    x = f32x4.splat(load<f32>(a0 + a3off));
    c30 = fma(c30, x, b0); c31 = fma(c31, x, b1);
    a0 += sap;
    b += 32;
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + ldc, c10); v128.store(c + ldc, c11, 16);
  v128.store(c + 2 * ldc, c20); v128.store(c + 2 * ldc, c21, 16);
  v128.store(c + 3 * ldc, c30); v128.store(c + 3 * ldc, c31, 16);
}

@inline
function kern1x8(a: usize, sap: usize, b: usize, K: i32, c: usize, acc: bool, bias: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  if (!acc && bias != 0) {
    c00 = v128.load(bias); c01 = v128.load(bias, 16);
  }
  if (acc) {
    c00 = v128.load(c); c01 = v128.load(c, 16);
  }
  let a0 = a;
  for (let p = 0; p < K; p++) {
    const x = f32x4.splat(load<f32>(a0));
    c00 = fma(c00, x, v128.load(b));
    c01 = fma(c01, x, v128.load(b, 16));
    a0 += sap;
    b += 32;
  }
  v128.store(c, c00); v128.store(c, c01, 16);
}

/**
 * C = beta * C + A * B (see the file comment); beta is 0 or 1. With beta 0 and bias != 0, every
 * row of C starts from bias[0 .. ceil(N / 8) * 8) instead of 0 (C = A B + 1 bias^T).
 */
export function gemm(M: i32, N: i32, K: i32, a: usize, sai: i32, sap: i32, bp: usize, c: usize, ldc: i32, beta: i32, bias: usize): void {
  const saiB = <usize>sai << 2, sapB = <usize>sap << 2, ldcB = <usize>ldc << 2;
  if (K == 0) {
    if (beta == 0) {
      memory.fill(c, 0, <usize>M * ldcB);
      if (bias != 0) for (let i = 0; i < M; i++) memory.copy(c + <usize>i * ldcB, bias, <usize>N << 2);
    }
    return;
  }
  const N8 = (N + 7) & ~7;
  for (let i0 = 0; i0 < M; i0 += MC) {
    const i1 = min(M, i0 + MC);
    for (let p0 = 0; p0 < K; p0 += KC) {
      const kk = min(KC, K - p0);
      const acc = beta != 0 || p0 > 0;
      for (let j = 0; j < N8; j += 8) {
        const bj = bp + (<usize>j * <usize>K + <usize>p0 * 8) * 4;
        const cj = c + (<usize>j << 2);
        const biasJ: usize = bias == 0 ? <usize>0 : bias + (<usize>j << 2);
        let i = i0;
        for (; i + 4 <= i1; i += 4) {
          kern4x8(a + <usize>i * saiB + <usize>p0 * sapB, saiB, sapB, bj, kk, cj + <usize>i * ldcB, ldcB, acc, biasJ);
        }
        for (; i < i1; i++) {
          kern1x8(a + <usize>i * saiB + <usize>p0 * sapB, sapB, bj, kk, cj + <usize>i * ldcB, acc, biasJ);
        }
      }
    }
  }
}

@inline
function kernT4x8(a: usize, sap: usize, b: usize, K: i32, c: usize, ldc: usize, acc: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  if (acc) {
    c00 = v128.load(c); c01 = v128.load(c, 16);
    c10 = v128.load(c + ldc); c11 = v128.load(c + ldc, 16);
    c20 = v128.load(c + 2 * ldc); c21 = v128.load(c + 2 * ldc, 16);
    c30 = v128.load(c + 3 * ldc); c31 = v128.load(c + 3 * ldc, 16);
  }
  let a0 = a;
  for (let p = 0; p < K; p++) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    const av = v128.load(a0);
    let x = i32x4.shuffle(av, av, 0, 0, 0, 0);
    c00 = fma(c00, x, b0); c01 = fma(c01, x, b1);
    x = i32x4.shuffle(av, av, 1, 1, 1, 1);
    c10 = fma(c10, x, b0); c11 = fma(c11, x, b1);
    x = i32x4.shuffle(av, av, 2, 2, 2, 2);
    c20 = fma(c20, x, b0); c21 = fma(c21, x, b1);
    x = i32x4.shuffle(av, av, 3, 3, 3, 3);
    c30 = fma(c30, x, b0); c31 = fma(c31, x, b1);
    a0 += sap;
    b += 32;
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + ldc, c10); v128.store(c + ldc, c11, 16);
  v128.store(c + 2 * ldc, c20); v128.store(c + 2 * ldc, c21, 16);
  v128.store(c + 3 * ldc, c30); v128.store(c + 3 * ldc, c31, 16);
}

/**
 * C = beta * C + A^T * B for A stored [K][lda] (so A^T(i, p) = A[p][i], four consecutive i in
 * one load): rows are computed in blocks of 4, so A's rows must hold ceil(M / 4) * 4 readable
 * floats and C ceil(M / 4) * 4 rows (the extra rows receive values to ignore).
 */
export function gemmT(M: i32, N: i32, K: i32, a: usize, lda: i32, bp: usize, c: usize, ldc: i32, beta: i32): void {
  const ldaB = <usize>lda << 2, ldcB = <usize>ldc << 2;
  const M4 = (M + 3) & ~3;
  const N8 = (N + 7) & ~7;
  if (K == 0) {
    if (beta == 0) memory.fill(c, 0, <usize>M4 * ldcB);
    return;
  }
  for (let p0 = 0; p0 < K; p0 += KC) {
    const kk = min(KC, K - p0);
    const acc = beta != 0 || p0 > 0;
    for (let j = 0; j < N8; j += 8) {
      const bj = bp + (<usize>j * <usize>K + <usize>p0 * 8) * 4;
      for (let i = 0; i < M4; i += 4) {
        kernT4x8(a + (<usize>i << 2) + <usize>p0 * ldaB, ldaB, bj, kk, c + <usize>i * ldcB + (<usize>j << 2), ldcB, acc);
      }
    }
  }
}

/**
 * Packs B (element (p, j) at src + 4 * (p * sp + j * sj), K x N) into panels of 8 columns,
 * [ceil(N / 8)][K][8], zero beyond N.
 */
export function packB(src: usize, sp: i32, sj: i32, K: i32, N: i32, dst: usize): void {
  const spB = <usize>sp << 2, sjB = <usize>sj << 2;
  let d = dst;
  for (let j0 = 0; j0 < N; j0 += 8) {
    const w = min(8, N - j0);
    for (let p = 0; p < K; p++) {
      let s = src + <usize>p * spB + <usize>j0 * sjB;
      if (w == 8 && sj == 1) {
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
      } else {
        for (let j = 0; j < 8; j++) {
          store<f32>(d + (<usize>j << 2), j < w ? load<f32>(s) : 0);
          s += sjB;
        }
      }
      d += 32;
    }
  }
}

@inline
function copyRun(dst: usize, src: usize, n: i32): void {
  let k = 0;
  for (; k + 4 <= n; k += 4) v128.store(dst + (<usize>k << 2), v128.load(src + (<usize>k << 2)));
  for (; k < n; k++) store<f32>(dst + (<usize>k << 2), load<f32>(src + (<usize>k << 2)));
}

@inline
function maskRun(dst: usize, src: usize, n: i32): void {
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    v128.store(dst + (<usize>k << 2), v128.and(f32x4.gt(v128.load(src + (<usize>k << 2)), zero), one));
  }
  for (; k < n; k++) store<f32>(dst + (<usize>k << 2), load<f32>(src + (<usize>k << 2)) > 0 ? 1 : 0);
}

/**
 * im2col of n NHWC frames (H x W x C) for a k x k kernel (stride s, zero padding pad) into rows
 * of ldk floats: row (f, oy, ox), column (ky * k + kx) * C + ic. With mask != 0 the rows
 * starting at cols + mask receive (x > 0 ? 1 : 0) instead of x (the spiking-input indicator).
 */
export function im2col(x: usize, n: i32, H: i32, W: i32, C: i32, k: i32, s: i32, pad: i32, OH: i32, OW: i32, cols: usize, ldk: i32, mask: i32): void {
  const rowB = <usize>ldk << 2;
  let r = cols;
  for (let f = 0; f < n; f++) {
    const xf = x + <usize>f * <usize>(H * W * C) * 4;
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        let col = r;
        for (let ky = 0; ky < k; ky++) {
          const iy = oy * s + ky - pad;
          const ix0 = ox * s - pad;
          if (iy < 0 || iy >= H) {
            memory.fill(col, 0, <usize>(k * C) << 2);
            col += <usize>(k * C) << 2;
            continue;
          }
          // columns kx with 0 <= ix0 + kx < W are one contiguous run of the input row
          const kx0 = max(0, -ix0);
          const kx1 = min(k, W - ix0);
          if (kx0 > 0) memory.fill(col, 0, <usize>(kx0 * C) << 2);
          if (kx1 > kx0) {
            const src = xf + <usize>((iy * W + ix0 + kx0) * C) * 4;
            const dst = col + (<usize>(kx0 * C) << 2);
            if (mask != 0) maskRun(dst, src, (kx1 - kx0) * C);
            else copyRun(dst, src, (kx1 - kx0) * C);
          }
          if (kx1 < k) memory.fill(col + (<usize>(max(kx1, kx0) * C) << 2), 0, <usize>((k - max(kx1, kx0)) * C) << 2);
          col += <usize>(k * C) << 2;
        }
        r += rowB;
      }
    }
  }
}

@inline
function addRun(dst: usize, src: usize, n: i32): void {
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const d = dst + (<usize>k << 2);
    v128.store(d, f32x4.add(v128.load(d), v128.load(src + (<usize>k << 2))));
  }
  for (; k < n; k++) {
    const d = dst + (<usize>k << 2);
    store<f32>(d, load<f32>(d) + load<f32>(src + (<usize>k << 2)));
  }
}

/** The adjoint of im2col: adds every row (ldk floats) back onto the NHWC frames dx (zeroed by the caller). */
export function col2im(cols: usize, ldk: i32, n: i32, H: i32, W: i32, C: i32, k: i32, s: i32, pad: i32, OH: i32, OW: i32, dx: usize): void {
  const rowB = <usize>ldk << 2;
  let r = cols;
  for (let f = 0; f < n; f++) {
    const xf = dx + <usize>f * <usize>(H * W * C) * 4;
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        let col = r;
        for (let ky = 0; ky < k; ky++) {
          const iy = oy * s + ky - pad;
          const ix0 = ox * s - pad;
          if (iy >= 0 && iy < H) {
            const kx0 = max(0, -ix0);
            const kx1 = min(k, W - ix0);
            if (kx1 > kx0) {
              addRun(xf + <usize>((iy * W + ix0 + kx0) * C) * 4, col + (<usize>(kx0 * C) << 2), (kx1 - kx0) * C);
            }
          }
          col += <usize>(k * C) << 2;
        }
        r += rowB;
      }
    }
  }
}

export * from "./elementwise.as";
