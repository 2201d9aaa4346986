/**
 * A conv or dense layer of the trainer as GEMMs (WebAssembly SIMD kernels, wasm/kernels.ts), on
 * NHWC frames. For a shard of `n` frames with `P` output positions each (`P = 1` for dense),
 * `R = n P` rows:
 *
 *     cols  [S R][Kp]   im2col of the input: block 0 the values tau, block 1 (S = 2) the
 *                       spiking indicators [tau > 0], column (ky k + kx) C_in + ic
 *     z     [S R][Cp]   z = cols Wt (+ b): block 0 A = sum w tau + b, block 1 W = sum w + b
 *                       (SPEC sections 2-3: silent inputs are in no sum, the bias is a spike at
 *                       tau = 1), so the two sums are one GEMM over 2R rows
 *     y     [S R][Cp]   z after batch norm (batchnorm.ts), or z itself
 *
 * Backward, with `gz = dL/dz` (block 0 `gA`, block 1 `gW`):
 *
 *     dL/dWt = cols^T gz      (= sum over rows of gA tau_i + gW [tau_i > 0], Eq. 9 in tau form)
 *     dL/db  = sum of gz over both blocks
 *     dL/dx  = col2im(gA Wt^T)                          (Eq. 10: W does not depend on tau)
 *
 * `Wt[K][C]` is the weight tensor (PyTorch OIHW, or `[units, in]` with the input flattened in
 * CHW order) reordered through one index table, packed once per step for both products.
 */
import type { Shape3 } from '../snn/network.js';
import type { PlanStep } from './plan.js';
import { type Buf, type Buf64, type Kernels, pad4, pad8 } from './wasm/kernels.js';

/** Scratch shared by all layers of a workspace (sized for the largest). */
export interface Scratch {
  cols: Buf;
  dcols: Buf;
  /** The logical `Wt[K][C]` of a layer while packing. */
  wt: Buf;
  /** gz packed as the right operand of the weight-gradient GEMM. */
  gPack: Buf;
  /** Weight gradient `[pad4(K)][Cp]`. */
  dW: Buf;
  /** Per-channel sums (the bias gradient). */
  sums: Buf64;
}

/** Buffer sizes (floats) a layer needs for `n` frames. */
export function weightedSizes(step: PlanStep, n: number) {
  const g = geometry(step);
  const S = step.dual ? 2 : 1;
  const R = n * g.P;
  return {
    z: S * R * g.Cp,
    cols: S * R * g.Kp,
    dcols: R * g.Kp,
    wt: g.K * g.C,
    gPack: pad8(g.C) * S * R,
    dW: pad4(g.K) * g.Cp,
    packF: pad8(g.C) * g.K,
    packB: pad8(g.K) * g.C,
  };
}

interface Geometry {
  /** Output positions per frame. */
  P: number;
  K: number;
  Kp: number;
  C: number;
  Cp: number;
  conv: { k: number; s: number; pad: number; inH: number; inW: number; inC: number } | null;
  outH: number;
  outW: number;
}

function geometry(step: PlanStep): Geometry {
  const C = step.channels;
  const layer = step.layer;
  if (layer.kind === 'conv') {
    const inC = step.inShape.c;
    const K = inC * layer.kernel * layer.kernel;
    return {
      P: step.outShape.h * step.outShape.w,
      K,
      Kp: pad8(K),
      C,
      Cp: pad8(C),
      conv: {
        k: layer.kernel,
        s: layer.stride,
        pad: layer.padding,
        inH: step.inShape.h,
        inW: step.inShape.w,
        inC,
      },
      outH: step.outShape.h,
      outW: step.outShape.w,
    };
  }
  const K = step.inSize;
  return { P: 1, K, Kp: pad8(K), C, Cp: pad8(C), conv: null, outH: 1, outW: 1 };
}

/**
 * For each `(p, c)` of `Wt[K][C]`, the index of that weight in the layer's flat tensor. Conv:
 * `p = (ky k + kx) C_in + ic` -> OIHW. Dense: `p` is the NHWC position of the input (`nhwc`
 * is the shape of the map the input was flattened from, or null for a vector) -> CHW order.
 */
function weightIndex(g: Geometry, nhwc: Shape3 | null): Int32Array {
  const { K, C } = g;
  const idx = new Int32Array(K * C);
  if (g.conv !== null) {
    const { k, inC } = g.conv;
    for (let oc = 0; oc < C; oc++)
      for (let ic = 0; ic < inC; ic++)
        for (let ky = 0; ky < k; ky++)
          for (let kx = 0; kx < k; kx++) {
            const p = (ky * k + kx) * inC + ic;
            idx[p * C + oc] = ((oc * inC + ic) * k + ky) * k + kx;
          }
    return idx;
  }
  for (let p = 0; p < K; p++) {
    let chw = p;
    if (nhwc !== null) {
      const c = p % nhwc.c;
      const pos = (p - c) / nhwc.c;
      chw = c * nhwc.h * nhwc.w + pos;
    }
    for (let u = 0; u < C; u++) idx[p * C + u] = u * K + chw;
  }
  return idx;
}

export class WeightedLayer {
  readonly g: Geometry;
  readonly S: number;
  private readonly index: Int32Array;

  constructor(
    readonly step: PlanStep,
    readonly kern: Kernels,
    readonly scratch: Scratch,
    /** Forward-packed `Wt` (`pad8(C) K`) and backward-packed `Wt^T` (`pad8(K) C`). */
    readonly packF: Buf,
    readonly packB: Buf,
    /** For a dense layer after a 3D map: that map's shape (flatten order); else null. */
    nhwc: Shape3 | null,
  ) {
    this.g = geometry(step);
    this.S = step.dual ? 2 : 1;
    this.index = weightIndex(this.g, nhwc);
  }

  /** Packs the layer's weights (its slice of the flat parameters) for this step. */
  prepare(weights: Float32Array): void {
    const { K, C } = this.g;
    const wt = this.scratch.wt.f32;
    const idx = this.index;
    for (let q = 0; q < K * C; q++) wt[q] = weights[idx[q]!]!;
    const p = this.scratch.wt.ptr;
    this.kern.packB(p, C, 1, K, C, this.packF.ptr);
    this.kern.packB(p, 1, C, C, K, this.packB.ptr);
  }

  /** im2col of `n` frames of `x` (NHWC) into the scratch `cols`: values, then indicators. */
  private buildCols(x: Buf, n: number): void {
    const { Kp, P, conv } = this.g;
    const cols = this.scratch.cols.ptr;
    const blockBytes = n * P * Kp * 4;
    for (let b = 0; b < this.S; b++) {
      if (conv !== null) {
        const { inH, inW, inC, k, s, pad } = conv;
        this.kern.k.im2col(
          x.ptr,
          n,
          inH,
          inW,
          inC,
          k,
          s,
          pad,
          this.g.outH,
          this.g.outW,
          cols + b * blockBytes,
          Kp,
          b,
        );
      } else {
        this.kern.k.im2col(x.ptr, n, 1, 1, this.g.K, 1, 1, 0, 1, 1, cols + b * blockBytes, Kp, b);
      }
    }
  }

  /** z = cols Wt + b for `n` frames of `x` (`bias` padded to a multiple of 8, or null). */
  forward(x: Buf, n: number, z: Buf, bias: Buf | null): void {
    const { K, Kp, C, Cp, P } = this.g;
    const rows = this.S * n * P;
    this.buildCols(x, n);
    const cols = this.scratch.cols.ptr;
    this.kern.gemm(rows, C, K, cols, Kp, 1, this.packF.ptr, z.ptr, Cp, 0, bias?.ptr ?? 0);
  }

  /**
   * Backward for `n` frames: `gz` (laid out like z) gives the weight gradient (added into
   * `gw`, the layer's slice of a flat float64 gradient), the bias gradient (into `gb`) and,
   * when `gx` is not null, the input gradient (overwritten, NHWC).
   */
  backward(
    x: Buf,
    n: number,
    gz: Buf,
    gw: Float64Array,
    gb: Float64Array | null,
    gx: Buf | null,
  ): void {
    const { K, Kp, C, Cp, P } = this.g;
    const R = n * P;
    const rows = this.S * R;
    const sc = this.scratch;
    if (gb !== null) {
      this.kern.k.colSums(gz.ptr, rows, Cp, C, sc.sums.ptr);
      for (let c = 0; c < C; c++) gb[c]! += sc.sums.f64[c]!;
    }
    this.buildCols(x, n);
    this.kern.packB(gz.ptr, Cp, 1, rows, C, sc.gPack.ptr);
    this.kern.gemmT(K, C, rows, sc.cols.ptr, Kp, sc.gPack.ptr, sc.dW.ptr, Cp, 0);
    const dW = sc.dW.f32;
    const idx = this.index;
    for (let p = 0; p < K; p++) {
      const o = p * Cp;
      const q = p * C;
      for (let c = 0; c < C; c++) gw[idx[q + c]!]! += dW[o + c]!;
    }
    if (gx === null) return;
    this.kern.gemm(R, K, C, gz.ptr, Cp, 1, this.packB.ptr, sc.dcols.ptr, Kp, 0);
    const conv = this.g.conv;
    if (conv !== null) {
      const { inH, inW, inC, k, s, pad } = conv;
      gx.f32.fill(0, 0, n * inH * inW * inC);
      this.kern.k.col2im(
        sc.dcols.ptr,
        Kp,
        n,
        inH,
        inW,
        inC,
        k,
        s,
        pad,
        this.g.outH,
        this.g.outW,
        gx.ptr,
      );
    } else {
      const d = sc.dcols.f32;
      const gxf = gx.f32;
      for (let f = 0; f < n; f++) {
        const o = f * Kp;
        const q = f * K;
        for (let i = 0; i < K; i++) gxf[q + i] = d[o + i]!;
      }
    }
  }
}
