// Frozen copy of the trainer's kernels before the WebAssembly GEMM rewrite (src/train/ at commit
// a14e79d: float64, event-style scatter, one frame at a time, CHW), kept only so that
// bench/train.ts measures today's kernels against them in one run. Not used by ttfsim.
/**
 * Typed-array kernels of the trainer: conv, dense and max pooling, forward and backward, on
 * batch buffers (frames back to back, each frame CHW).
 *
 * They work event-style, so their cost follows the activity rather than the layer size:
 * - forward scatters each *nonzero* input into the accumulators of the neurons it reaches:
 *   `A_j += w_ij tau_i` and `W_j += w_ij` (SPEC section 2: silent inputs are in no sum);
 * - backward visits only neurons with a nonzero gradient (the `inside` case of Eq. 7) and, for
 *   each, only its nonzero inputs: with `gA_j = dL/dA_j` and `gW_j = dL/dW_j`,
 *
 *       dL/dw_ij   += gA_j tau_i + gW_j          (tau_i > 0)
 *       dL/dtau_i  += w_ij gA_j                  (tau_i > 0)
 *
 *   which is Eq. 9-10 in tau form once `gA_j = g_j / (1 + W_j)` and
 *   `gW_j = g_j (1 - tau_j) / (1 + W_j)` (activation.ts):
 *   `g_j (tau_i + 1 - tau_j) / (1 + W_j) = gA_j tau_i + gW_j`.
 *
 * Every sum runs in a fixed index order, so results are bit-for-bit reproducible. This file
 * holds dense layers and pooling; convolution is in convKernels.ts.
 */

import type { Shape3 } from '../../../src/snn/network.js';

/** Nonzero inputs of every frame of a batch, as index/value lists (CSR by frame). */
export interface SparseRows {
  /** `start[b] .. start[b + 1]` index `idx` and `val` for frame `b`. */
  start: Int32Array;
  idx: Int32Array;
  val: Float64Array;
}

export function allocSparseRows(frames: number, size: number): SparseRows {
  return {
    start: new Int32Array(frames + 1),
    idx: new Int32Array(frames * size),
    val: new Float64Array(frames * size),
  };
}

/** Fills `rows` with the nonzero entries of `n` frames of `size` values. */
export function gatherNonzero(x: Float64Array, n: number, size: number, rows: SparseRows): void {
  let k = 0;
  for (let b = 0; b < n; b++) {
    rows.start[b] = k;
    const base = b * size;
    for (let i = 0; i < size; i++) {
      const v = x[base + i]!;
      if (v !== 0) {
        rows.idx[k] = i;
        rows.val[k] = v;
        k++;
      }
    }
  }
  rows.start[n] = k;
}

const FRAME_BLOCK = 8;

/**
 * Dense forward for `n` frames (weights `[units, in]`): `A[b, o] = sum_i w[o, i] x[b, i]` and
 * `W[b, o] = sum_i w[o, i]` over the nonzero inputs of frame `b`. Frames are processed in
 * blocks so that a weight row is reused from cache.
 */
export function denseForward(
  rows: SparseRows,
  n: number,
  inSize: number,
  units: number,
  w: Float32Array,
  a: Float64Array,
  ws: Float64Array,
): void {
  const { start, idx, val } = rows;
  for (let b0 = 0; b0 < n; b0 += FRAME_BLOCK) {
    const b1 = Math.min(n, b0 + FRAME_BLOCK);
    for (let o = 0; o < units; o++) {
      const row = o * inSize;
      for (let b = b0; b < b1; b++) {
        let sa = 0;
        let sw = 0;
        const k1 = start[b + 1]!;
        for (let k = start[b]!; k < k1; k++) {
          const wv = w[row + idx[k]!]!;
          sa += wv * val[k]!;
          sw += wv;
        }
        a[b * units + o] = sa;
        ws[b * units + o] = sw;
      }
    }
  }
}

/**
 * Dense backward for `n` frames: adds `gA[b, o] x[b, i] + gW[b, o]` into `gw[o, i]` and, when
 * `gin` is given, `w[o, i] gA[b, o]` into `gin[b, i]` (zeroed by the caller), for nonzero
 * inputs only. Frames are summed in order for every weight.
 */
export function denseBackward(
  rows: SparseRows,
  n: number,
  inSize: number,
  units: number,
  w: Float32Array,
  gA: Float64Array,
  gW: Float64Array,
  gw: Float64Array,
  gin: Float64Array | null,
): void {
  const { start, idx, val } = rows;
  for (let o = 0; o < units; o++) {
    const row = o * inSize;
    for (let b = 0; b < n; b++) {
      const ga = gA[b * units + o]!;
      const gws = gW[b * units + o]!;
      if (ga === 0 && gws === 0) continue;
      const k1 = start[b + 1]!;
      const k0 = start[b]!;
      if (gin === null || ga === 0) {
        for (let k = k0; k < k1; k++) gw[row + idx[k]!]! += ga * val[k]! + gws;
      } else {
        const base = b * inSize;
        for (let k = k0; k < k1; k++) {
          const i = idx[k]!;
          gw[row + i]! += ga * val[k]! + gws;
          gin[base + i]! += w[row + i]! * ga;
        }
      }
    }
  }
}

/**
 * Max pooling as the earliest spike for one frame: the largest value of each region wins (the
 * first one on ties), 0 when the whole region is 0. `arg` receives the winning input index
 * (relative to the frame), or -1.
 */
export function poolForward(
  tin: Float64Array,
  inOff: number,
  inShape: Shape3,
  size: number,
  stride: number,
  out: Float64Array,
  outOff: number,
  outShape: Shape3,
  arg: Int32Array,
): void {
  const { h: ih, w: iw } = inShape;
  const { c: c_, h: oh, w: ow } = outShape;
  for (let c = 0; c < c_; c++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let best = 0;
        let bestI = -1;
        for (let py = 0; py < size; py++) {
          const rowIn = (c * ih + oy * stride + py) * iw + ox * stride;
          for (let px = 0; px < size; px++) {
            const t = tin[inOff + rowIn + px]!;
            if (t > best) {
              best = t;
              bestI = rowIn + px;
            }
          }
        }
        const o = (c * oh + oy) * ow + ox;
        out[outOff + o] = best;
        arg[outOff + o] = bestI;
      }
    }
  }
}

/** Pool backward for `n` frames: each output's gradient goes to its winning input. */
export function poolBackward(
  gout: Float64Array,
  outSize: number,
  arg: Int32Array,
  gin: Float64Array,
  inSize: number,
  n: number,
): void {
  gin.fill(0, 0, n * inSize);
  for (let b = 0; b < n; b++) {
    for (let o = 0; o < outSize; o++) {
      const i = arg[b * outSize + o]!;
      if (i >= 0) gin[b * inSize + i]! += gout[b * outSize + o]!;
    }
  }
}
