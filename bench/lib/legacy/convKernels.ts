// Frozen copy of the trainer's kernels before the WebAssembly GEMM rewrite (src/train/ at commit
// a14e79d: float64, event-style scatter, one frame at a time, CHW), kept only so that
// bench/train.ts measures today's kernels against them in one run. Not used by ttfsim.
/**
 * Convolution kernels of the trainer (forward and backward, one frame at a time), event-style
 * like the dense ones in kernels.ts: the forward pass scatters only nonzero inputs into
 * `A = sum w tau` and `W = sum w`, the backward pass visits only nonzero inputs, adding
 * `gA_j tau_i + gW_j` to the weight gradient and `w_ij gA_j` to the input gradient.
 */
import type { LayerSpec, Shape3 } from '../../../src/snn/network.js';

type Conv = Extract<LayerSpec, { kind: 'conv' }>;

/**
 * Scratch of one conv layer. The kernels work channel-last inside: weights as
 * `[inChannel, ky, k - 1 - kx, outChannel]` and accumulators as `[oy, ox, outChannel]`. With
 * the kernel column mirrored, the outputs one input reaches along a kernel row are contiguous in
 * both arrays, so with stride 1 the innermost loop runs over `k * outChannels` consecutive
 * values; results are written back CHW.
 */
export class ConvScratch {
  /** Weights transposed to `[ic, ky, kx, oc]`. */
  readonly wT: Float32Array;
  /** Weight gradient in the same layout, summed over the frames of a batch. */
  readonly gwT: Float64Array;
  private readonly sa: Float64Array;
  private readonly sw: Float64Array;
  private readonly gah: Float64Array;
  private readonly gwh: Float64Array;
  private readonly active: Uint8Array;

  constructor(
    readonly layer: Conv,
    readonly inShape: Shape3,
    readonly outShape: Shape3,
  ) {
    const n = inShape.c * layer.kernel * layer.kernel * outShape.c;
    this.wT = new Float32Array(n);
    this.gwT = new Float64Array(n);
    const outN = outShape.c * outShape.h * outShape.w;
    this.sa = new Float64Array(outN);
    this.sw = new Float64Array(outN);
    this.gah = new Float64Array(outN);
    this.gwh = new Float64Array(outN);
    this.active = new Uint8Array(outShape.h * outShape.w);
  }

  /** Index in {@link wT} of OIHW weight `(oc, ic, ky, kx)`: kx is stored mirrored. */
  private tIndex(oc: number, ic: number, ky: number, kx: number): number {
    const k = this.layer.kernel;
    return ((ic * k + ky) * k + (k - 1 - kx)) * this.outShape.c + oc;
  }

  /** Loads OIHW weights (before a forward pass) and zeroes the gradient. */
  prepare(w: Float32Array): void {
    const OC = this.outShape.c;
    const IC = this.inShape.c;
    const k = this.layer.kernel;
    let i = 0;
    for (let oc = 0; oc < OC; oc++)
      for (let ic = 0; ic < IC; ic++)
        for (let ky = 0; ky < k; ky++)
          for (let kx = 0; kx < k; kx++) this.wT[this.tIndex(oc, ic, ky, kx)] = w[i++]!;
    this.gwT.fill(0);
  }

  /** Adds the batch's weight gradient into `gw` (OIHW). */
  finish(gw: Float64Array): void {
    const OC = this.outShape.c;
    const IC = this.inShape.c;
    const k = this.layer.kernel;
    let i = 0;
    for (let oc = 0; oc < OC; oc++)
      for (let ic = 0; ic < IC; ic++)
        for (let ky = 0; ky < k; ky++)
          for (let kx = 0; kx < k; kx++) gw[i++]! += this.gwT[this.tIndex(oc, ic, ky, kx)]!;
  }

  /**
   * Forward for one frame: `a`, `ws` (CHW, at `outOff`) receive `A = sum w tau` and
   * `W = sum w` over the frame's nonzero inputs (scattered in input order).
   */
  forward(
    tin: Float64Array,
    inOff: number,
    a: Float64Array,
    ws: Float64Array,
    outOff: number,
  ): void {
    const { kernel: k, stride: s, padding: p } = this.layer;
    const { c: IC, h: IH, w: IW } = this.inShape;
    const { c: OC, h: OH, w: OW } = this.outShape;
    const { sa, sw, wT } = this;
    sa.fill(0);
    sw.fill(0);
    if (s === 1) {
      for (let ic = 0; ic < IC; ic++) {
        for (let iy = 0; iy < IH; iy++) {
          const rowIn = inOff + (ic * IH + iy) * IW;
          for (let ix = 0; ix < IW; ix++) {
            const t = tin[rowIn + ix]!;
            if (t === 0) continue;
            // mirrored kernel column m = k - 1 - kx reaches ox = base + m
            const base = ix + p - k + 1;
            const m0 = base < 0 ? -base : 0;
            const m1 = Math.min(k, OW - base);
            if (m1 <= m0) continue;
            const len = (m1 - m0) * OC;
            for (let ky = 0; ky < k; ky++) {
              const oy = iy + p - ky;
              if (oy < 0) break;
              if (oy >= OH) continue;
              const o0 = (oy * OW + base + m0) * OC;
              const w0 = ((ic * k + ky) * k + m0) * OC;
              for (let j = 0; j < len; j++) {
                const wv = wT[w0 + j]!;
                sa[o0 + j]! += wv * t;
                sw[o0 + j]! += wv;
              }
            }
          }
        }
      }
    } else {
      this.forwardStrided(tin, inOff);
    }
    const hw = OH * OW;
    for (let pos = 0; pos < hw; pos++) {
      for (let oc = 0; oc < OC; oc++) {
        a[outOff + oc * hw + pos] = sa[pos * OC + oc]!;
        ws[outOff + oc * hw + pos] = sw[pos * OC + oc]!;
      }
    }
  }

  /** The general-stride scatter of {@link forward} into the channel-last accumulators. */
  private forwardStrided(tin: Float64Array, inOff: number): void {
    const { kernel: k, stride: s, padding: p } = this.layer;
    const { c: IC, h: IH, w: IW } = this.inShape;
    const { c: OC, h: OH, w: OW } = this.outShape;
    const { sa, sw, wT } = this;
    for (let ic = 0; ic < IC; ic++) {
      for (let iy = 0; iy < IH; iy++) {
        const rowIn = inOff + (ic * IH + iy) * IW;
        for (let ix = 0; ix < IW; ix++) {
          const t = tin[rowIn + ix]!;
          if (t === 0) continue;
          for (let ky = 0; ky < k; ky++) {
            const ny = iy + p - ky;
            if (ny < 0) break;
            if (ny % s !== 0) continue;
            const oy = ny / s;
            if (oy >= OH) continue;
            for (let kx = 0; kx < k; kx++) {
              const nx = ix + p - kx;
              if (nx < 0) break;
              if (nx % s !== 0) continue;
              const ox = nx / s;
              if (ox >= OW) continue;
              const o = (oy * OW + ox) * OC;
              const wi = ((ic * k + ky) * k + (k - 1 - kx)) * OC;
              for (let oc = 0; oc < OC; oc++) {
                const wv = wT[wi + oc]!;
                sa[o + oc]! += wv * t;
                sw[o + oc]! += wv;
              }
            }
          }
        }
      }
    }
  }

  /**
   * Backward for one frame: `gA`, `gW` (CHW, at `outOff`) are the accumulator gradients. Adds
   * the weight gradient into {@link gwT} and, when `gin` is given, the input gradient into `gin`
   * (CHW at `inOff`, zeroed by the caller), for nonzero inputs only.
   */
  backward(
    tin: Float64Array,
    inOff: number,
    gA: Float64Array,
    gW: Float64Array,
    outOff: number,
    gin: Float64Array | null,
  ): void {
    const { kernel: k, stride: s, padding: p } = this.layer;
    const { c: IC, h: IH, w: IW } = this.inShape;
    const { c: OC, h: OH, w: OW } = this.outShape;
    const { gah, gwh, wT, gwT, active } = this;
    const hw = OH * OW;
    let any = false;
    for (let pos = 0; pos < hw; pos++) {
      let on = 0;
      for (let oc = 0; oc < OC; oc++) {
        const ga = gA[outOff + oc * hw + pos]!;
        const gw = gW[outOff + oc * hw + pos]!;
        gah[pos * OC + oc] = ga;
        gwh[pos * OC + oc] = gw;
        if (ga !== 0 || gw !== 0) on = 1;
      }
      active[pos] = on;
      if (on) any = true;
    }
    if (!any) return;
    if (s === 1) {
      for (let ic = 0; ic < IC; ic++) {
        for (let iy = 0; iy < IH; iy++) {
          const rowIn = inOff + (ic * IH + iy) * IW;
          for (let ix = 0; ix < IW; ix++) {
            const t = tin[rowIn + ix]!;
            if (t === 0) continue;
            const base = ix + p - k + 1;
            const m0 = base < 0 ? -base : 0;
            const m1 = Math.min(k, OW - base);
            if (m1 <= m0) continue;
            const len = (m1 - m0) * OC;
            let g = 0;
            for (let ky = 0; ky < k; ky++) {
              const oy = iy + p - ky;
              if (oy < 0) break;
              if (oy >= OH) continue;
              const o0 = (oy * OW + base + m0) * OC;
              const w0 = ((ic * k + ky) * k + m0) * OC;
              for (let j = 0; j < len; j++) {
                const ga = gah[o0 + j]!;
                gwT[w0 + j]! += ga * t + gwh[o0 + j]!;
                g += wT[w0 + j]! * ga;
              }
            }
            if (gin !== null) gin[rowIn + ix]! += g;
          }
        }
      }
      return;
    }
    for (let ic = 0; ic < IC; ic++) {
      for (let iy = 0; iy < IH; iy++) {
        const rowIn = inOff + (ic * IH + iy) * IW;
        for (let ix = 0; ix < IW; ix++) {
          const t = tin[rowIn + ix]!;
          if (t === 0) continue;
          let g = 0;
          for (let ky = 0; ky < k; ky++) {
            const ny = iy + p - ky;
            if (ny < 0) break;
            if (ny % s !== 0) continue;
            const oy = ny / s;
            if (oy >= OH) continue;
            for (let kx = 0; kx < k; kx++) {
              const nx = ix + p - kx;
              if (nx < 0) break;
              if (nx % s !== 0) continue;
              const ox = nx / s;
              if (ox >= OW) continue;
              const pos = oy * OW + ox;
              if (active[pos] === 0) continue;
              const o = pos * OC;
              const wi = ((ic * k + ky) * k + (k - 1 - kx)) * OC;
              for (let oc = 0; oc < OC; oc++) {
                const ga = gah[o + oc]!;
                gwT[wi + oc]! += ga * t + gwh[o + oc]!;
                g += wT[wi + oc]! * ga;
              }
            }
          }
          if (gin !== null) gin[rowIn + ix]! += g;
        }
      }
    }
  }
}
