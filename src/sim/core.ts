import type { StageInfo } from '../snn/network.js';
import { ACC_ONE, neuronTau } from '../snn/neuron.js';
import type { LayerLink, SimCore } from './connectivity.js';

/**
 * What a core computes: the synaptic operations of one arriving spike on the core's target
 * neurons, and the closed-form evaluation of its neurons when it opens a window. Plain functions
 * over typed arrays: no allocation per SOP or per spike.
 *
 * One SOP (SPEC section 5) updates one target neuron's fixed-point accumulators exactly as the
 * dense reference does (src/snn/layers.ts):
 *
 *     aAcc[o] += toAcc(w * tau)      wAcc[o] += toAcc(w)      (toAcc(x) = round(x * 2^32))
 *
 * Both terms are integers, so the sums do not depend on arrival order (docs/DEVELOPING.md).
 * The loops below spell `toAcc` out with module-local constants ({@link SOP_ONE},
 * {@link SOP_MAGIC}): `x * 2^32 + 1.5 * 2^52 - 1.5 * 2^52` (round half to even), with
 * `w * (tau * 2^32)` for `(w * tau) * 2^32`, equal bit for bit since scaling by a power of two
 * is exact; without a call through an imported binding in the innermost loop (under tsx/vitest an
 * imported function is reached through a getter that V8 does not always inline). A test checks
 * that both agree bit for bit.
 */

/** 2^32: the accumulator's 1.0 (equals `ACC_ONE`). */
export const SOP_ONE = 4294967296;
/** 1.5 * 2^52: adding and subtracting it rounds a double to an integer, ties to even. */
export const SOP_MAGIC = 6755399441055744;

/**
 * SOPs of the spike of emitted neuron `j` (value `tau`) on the conv targets a core holds:
 * output channels `[c0, c1)`, rows `[r0, r1)`, all columns. Returns the number of SOPs.
 */
export function convSops(
  link: LayerLink,
  j: number,
  tau: number,
  c0: number,
  c1: number,
  r0: number,
  r1: number,
  aAcc: Float64Array,
  wAcc: Float64Array,
): number {
  const inW = link.inW;
  const inH = link.inH;
  const k = link.kernel;
  const stride = link.stride;
  const padding = link.padding;
  const outW = link.outW;
  const w = link.w;
  const ix = j % inW;
  const rest = (j - ix) / inW;
  const iy = rest % inH;
  const ic = (rest - iy) / inH;
  // Target rows and columns (connectivity.ts, convTargetRange), rows clipped to the core's band.
  const oyLo = Math.max(r0, link.rowLo[iy]!);
  const oyHi = Math.min(r1 - 1, link.rowHi[iy]!);
  const oxLo = link.colLo[ix]!;
  const oxHi = link.colHi[ix]!;
  if (oyLo > oyHi || oxLo > oxHi) return 0;
  // Weight of target (oc, oy, ox): w[(ic * outC + oc) * k^2 + (iy + p - oy s) * k + ix + p - ox s]
  // (weights reordered [ic][oc][ky][kx]); it steps by -s along a row and by -s k between rows.
  const nx = oxHi - oxLo + 1;
  const plane = link.outH * outW;
  const rowStep = stride * k;
  const tauS = tau * SOP_ONE;
  for (let oc = c0; oc < c1; oc++) {
    let wRow =
      (ic * link.outC + oc) * k * k +
      (iy + padding - oyLo * stride) * k +
      ix +
      padding -
      oxLo * stride;
    let oRow = oc * plane + oyLo * outW + oxLo;
    for (let oy = oyLo; oy <= oyHi; oy++, wRow -= rowStep, oRow += outW) {
      for (let x = 0; x < nx; x++) {
        const wv = w[wRow - x * stride]!;
        const o = oRow + x;
        aAcc[o] += wv * tauS + SOP_MAGIC - SOP_MAGIC;
        wAcc[o] += wv * SOP_ONE + SOP_MAGIC - SOP_MAGIC;
      }
    }
  }
  return (c1 - c0) * (oyHi - oyLo + 1) * nx;
}

/** SOPs of input `j` (value `tau`) on dense units `[u0, u1)`. Returns the number of SOPs. */
export function denseSops(
  link: LayerLink,
  j: number,
  tau: number,
  u0: number,
  u1: number,
  aAcc: Float64Array,
  wAcc: Float64Array,
): number {
  const w = link.w;
  const base = j * link.outC;
  const tauS = tau * SOP_ONE;
  for (let o = u0; o < u1; o++) {
    const wv = w[base + o]!;
    aAcc[o] += wv * tauS + SOP_MAGIC - SOP_MAGIC;
    wAcc[o] += wv * SOP_ONE + SOP_MAGIC - SOP_MAGIC;
  }
  return u1 - u0;
}

/** SOPs of a spike of emitted neuron `j` on the targets held by `core` (a receiving core). */
export function coreSops(
  link: LayerLink,
  core: SimCore,
  j: number,
  tau: number,
  aAcc: Float64Array,
  wAcc: Float64Array,
): number {
  return link.kind === 'conv'
    ? convSops(
        link,
        j,
        tau,
        core.channelStart,
        core.channelEnd,
        core.rowStart,
        core.rowEnd,
        aAcc,
        wAcc,
      )
    : denseSops(link, j, tau, core.channelStart, core.channelEnd, aAcc, wAcc);
}

/**
 * Evaluates a weighted core's neurons at window open (Eq. 7 in closed form, see neuron.ts):
 * writes `tau` of each, and for the output layer the membrane `V = (A + W)` at the window end.
 * With `spiking` false (membrane readout of the output layer) the neurons do not fire.
 */
export function evaluateCore(
  core: SimCore,
  st: StageInfo,
  aAcc: Float64Array,
  wAcc: Float64Array,
  tauOut: Float64Array,
  membrane: Float64Array | null,
  spiking: boolean,
  stepsPerWindow: number | null,
): void {
  const { h, w } = st.shape;
  for (let ch = core.channelStart; ch < core.channelEnd; ch++) {
    const from = (ch * h + core.rowStart) * w;
    const to = (ch * h + core.rowEnd) * w;
    for (let i = from; i < to; i++) {
      const a = aAcc[i]!;
      const b = wAcc[i]!;
      if (membrane !== null) membrane[i] = (a + b) / ACC_ONE;
      tauOut[i] = spiking ? neuronTau(a, b, stepsPerWindow) : 0;
    }
  }
}

/**
 * Max pooling inside a core (SPEC section 3): each pooled neuron the core holds takes the
 * earliest spike (largest `tau`) of its region of the previous stage; silent if all are silent.
 */
export function poolCore(
  neurons: Int32Array,
  tauIn: Float64Array,
  inSt: StageInfo,
  outSt: StageInfo,
  size: number,
  stride: number,
  tauOut: Float64Array,
): void {
  const { h: oh, w: ow } = outSt.shape;
  const { h: ih, w: iw } = inSt.shape;
  for (let n = 0; n < neurons.length; n++) {
    const o = neurons[n]!;
    const ox = o % ow;
    const r = (o - ox) / ow;
    const oy = r % oh;
    const c = (r - oy) / oh;
    let best = 0;
    for (let py = 0; py < size; py++) {
      const row = (c * ih + oy * stride + py) * iw + ox * stride;
      for (let px = 0; px < size; px++) {
        const t = tauIn[row + px]!;
        if (t > best) best = t;
      }
    }
    tauOut[o] = best;
  }
}
