import type { NeuronEval } from '../snn/arith.js';
import type { StageInfo } from '../snn/network.js';
import type { LayerLink, SimCore } from './connectivity.js';

/**
 * What a core computes: the synaptic operations of one arriving spike on the core's target
 * neurons, and the closed-form evaluation of its neurons when it opens a window. Plain functions
 * over typed arrays: no allocation per SOP or per spike.
 *
 * One SOP (SPEC section 5) updates one target neuron's accumulators exactly as the dense
 * reference does (src/snn/layers.ts, src/snn/arith.ts), with `G` the run's `tauScale`:
 *
 *     aAcc[o] += round(w * tau * G)      wAcc[o] += wq      (float: G = 2^32, wq = toAcc(w))
 *
 * (integer levels: `w` is the level `q`, `tau` a multiple of `1 / G` and `wq = q G`, so the
 * rounding does nothing). Both terms are integers, so the sums do not depend on arrival order
 * (docs/DEVELOPING.md). The loops below spell the rounding out with a module-local constant
 * ({@link SOP_MAGIC}): `x + 1.5 * 2^52 - 1.5 * 2^52` (round half to even), with `w * (tau * G)`
 * for `(w * tau) * G`, equal bit for bit when `G` is a power of two (scaling by it is exact;
 * with `G = n` steps the products are within 2^-40 of the integer they round to); without a call
 * through an imported binding in the innermost loop (under tsx/vitest an imported function is
 * reached through a getter that V8 does not always inline). A test checks that both agree bit
 * for bit. `wq` does not depend on the spike: it is read from the link's table (connectivity.ts).
 */

/** 2^32: the accumulator's 1.0 (equals `ACC_ONE`). */
export const SOP_ONE = 4294967296;
/** 1.5 * 2^52: adding and subtracting it rounds a double to an integer, ties to even. */
export const SOP_MAGIC = 6755399441055744;

/**
 * Number of SOPs the spike of emitted neuron `j` causes on the targets held by `core` (a
 * receiving core of `link`): what {@link coreSops} will do for it, without doing it.
 */
export function sopCount(link: LayerLink, core: SimCore, j: number): number {
  if (link.kind !== 'conv') return core.channelEnd - core.channelStart;
  const inW = link.inW;
  const ix = j % inW;
  const iy = ((j - ix) / inW) % link.inH;
  const rl = link.rowLo[iy]!;
  const rh = link.rowHi[iy]!;
  const oyLo = Math.max(core.rowStart, rl);
  const oyHi = Math.min(core.rowEnd - 1, rh);
  const nx = link.colHi[ix]! - link.colLo[ix]! + 1;
  if (oyLo > oyHi || nx <= 0) return 0;
  return (core.channelEnd - core.channelStart) * (oyHi - oyLo + 1) * nx;
}

/** Scratch for {@link convTargets} in the SOP loops (no allocation per spike). */
const TARGETS = new Int32Array(7);

/**
 * The conv targets of emitted neuron `j` of `link` on the output rows `[r0, r1]` of a core: writes
 * its input channel, row and column and its target rows and columns (`convTargetRange` of
 * connectivity.ts, rows clipped to the core's band) into `out` as `[ic, iy, ix, oyLo, oyHi,
 * oxLo, oxHi]`; false when it has no target there. One home for the fixed-point loops below and
 * the integer ones (intSops.ts).
 */
export function convTargets(
  link: LayerLink,
  r0: number,
  r1: number,
  j: number,
  out: Int32Array,
): boolean {
  const inW = link.inW;
  const ix = j % inW;
  const rest = (j - ix) / inW;
  const iy = rest % link.inH;
  const oyLo = Math.max(r0, link.rowLo[iy]!);
  const oyHi = Math.min(r1, link.rowHi[iy]!);
  const oxLo = link.colLo[ix]!;
  const oxHi = link.colHi[ix]!;
  if (oyLo > oyHi || oxLo > oxHi) return false;
  out[0] = (rest - iy) / link.inH;
  out[1] = iy;
  out[2] = ix;
  out[3] = oyLo;
  out[4] = oyHi;
  out[5] = oxLo;
  out[6] = oxHi;
  return true;
}

/**
 * The SOPs of `count` spikes (emitted neurons `js[0..count)`, values `tauIn[j]`) on the targets
 * held by `core`, a receiving core of `link`. Returns the number of SOPs.
 *
 * The simulator runs a core's SOPs in one batch when it opens its window (see simulator.ts): the
 * accumulators of one core (at most 1024 neurons) then stay in the first-level cache, and the
 * sums are the same as spike by spike (integers: order does not matter).
 *
 * Conv targets: output channels `[c0, c1)` and rows `[r0, r1)` of the core, all columns. The
 * weight of target `(oc, oy, ox)` is `w[(ic outC + oc) k^2 + (iy + p - oy s) k + ix + p - ox s]`
 * (weights reordered `[ic][oc][ky][kx]`); it steps by `-s` along a row and by `-s k` between rows.
 */
export function coreSops(
  link: LayerLink,
  core: SimCore,
  js: Int32Array,
  count: number,
  tauIn: Float64Array,
  aAcc: Float64Array,
  wAcc: Float64Array,
  tauScale: number = SOP_ONE,
): number {
  const w = link.w;
  const wq = link.wq;
  const c0 = core.channelStart;
  const c1 = core.channelEnd;
  let sops = 0;
  if (link.kind !== 'conv') {
    // Dense: input j reads the contiguous row w[j * units + o] (weights transposed [in][units]).
    const units = link.outC;
    for (let i = 0; i < count; i++) {
      const j = js[i]!;
      const tauS = tauIn[j]! * tauScale;
      const base = j * units;
      for (let o = c0; o < c1; o++) {
        aAcc[o] += w[base + o]! * tauS + SOP_MAGIC - SOP_MAGIC;
        wAcc[o] += wq[base + o]!;
      }
    }
    return count * (c1 - c0);
  }
  const k = link.kernel;
  const kk = k * k;
  const stride = link.stride;
  const padding = link.padding;
  const outW = link.outW;
  const outC = link.outC;
  const plane = link.outH * outW;
  const rowStep = stride * k;
  const r0 = core.rowStart;
  const r1 = core.rowEnd - 1;
  const t = TARGETS;
  for (let i = 0; i < count; i++) {
    const j = js[i]!;
    if (!convTargets(link, r0, r1, j, t)) continue;
    const ic = t[0]!;
    const iy = t[1]!;
    const ix = t[2]!;
    const oyLo = t[3]!;
    const oyHi = t[4]!;
    const oxLo = t[5]!;
    const nx = t[6]! - oxLo + 1;
    const tauS = tauIn[j]! * tauScale;
    let wBase =
      (ic * outC + c0) * kk + (iy + padding - oyLo * stride) * k + ix + padding - oxLo * stride;
    let oBase = c0 * plane + oyLo * outW + oxLo;
    if (nx === 3 && stride === 1) {
      // The common case (3x3, stride 1, away from the edges), unrolled along the row.
      for (let oc = c0; oc < c1; oc++, wBase += kk, oBase += plane) {
        for (let oy = oyLo, wr = wBase, o = oBase; oy <= oyHi; oy++, wr -= rowStep, o += outW) {
          aAcc[o] += w[wr]! * tauS + SOP_MAGIC - SOP_MAGIC;
          wAcc[o] += wq[wr]!;
          aAcc[o + 1] += w[wr - 1]! * tauS + SOP_MAGIC - SOP_MAGIC;
          wAcc[o + 1] += wq[wr - 1]!;
          aAcc[o + 2] += w[wr - 2]! * tauS + SOP_MAGIC - SOP_MAGIC;
          wAcc[o + 2] += wq[wr - 2]!;
        }
      }
    } else {
      for (let oc = c0; oc < c1; oc++, wBase += kk, oBase += plane) {
        for (let oy = oyLo, wr = wBase, o = oBase; oy <= oyHi; oy++, wr -= rowStep, o += outW) {
          for (let x = 0; x < nx; x++) {
            const wi = wr - x * stride;
            aAcc[o + x] += w[wi]! * tauS + SOP_MAGIC - SOP_MAGIC;
            wAcc[o + x] += wq[wi]!;
          }
        }
      }
    }
    sops += (c1 - c0) * (oyHi - oyLo + 1) * nx;
  }
  return sops;
}

/**
 * The bias spikes of a core's neurons (SPEC section 3): each neuron with bias `b` gets one more
 * input, a spike at `tau = 1` of the input window with weight `b`, i.e. `toAcc(b)` (a level:
 * `q_b G`) added to both accumulators (`A = sum w tau + b`, `W = sum w + b`). It is a local event of the core, done when
 * the core opens its window (before {@link evaluateCore}): no packet, no link. Integer terms, so
 * when it is added does not change the sums. Returns the bias SOPs (neurons whose bias is not 0).
 */
export function coreBias(
  core: SimCore,
  st: StageInfo,
  biasAcc: Float64Array,
  aAcc: Float64Array,
  wAcc: Float64Array,
): number {
  const { h, w } = st.shape;
  const band = (core.rowEnd - core.rowStart) * w;
  for (let ch = core.channelStart; ch < core.channelEnd; ch++) {
    const b = biasAcc[ch]!;
    if (b === 0) continue;
    const from = (ch * h + core.rowStart) * w;
    for (let i = from; i < from + band; i++) {
      aAcc[i] += b;
      wAcc[i] += b;
    }
  }
  return core.biasSops;
}

/**
 * Evaluates a weighted core's neurons at window open (Eq. 7 in closed form, `neuron`: the layer's
 * evaluation from src/snn/arith.ts, fixed point or exact integer levels): writes `tau` of each,
 * and for the output layer the membrane `V = (A + W)` at the window end. With `spiking` false
 * (membrane readout of the output layer) the neurons do not fire.
 */
export function evaluateCore(
  core: SimCore,
  st: StageInfo,
  aAcc: Float64Array,
  wAcc: Float64Array,
  tauOut: Float64Array,
  membrane: Float64Array | null,
  spiking: boolean,
  neuron: NeuronEval,
): void {
  const { h, w } = st.shape;
  for (let ch = core.channelStart; ch < core.channelEnd; ch++) {
    const from = (ch * h + core.rowStart) * w;
    const to = (ch * h + core.rowEnd) * w;
    for (let i = from; i < to; i++) {
      const a = aAcc[i]!;
      const b = wAcc[i]!;
      if (membrane !== null) membrane[i] = neuron.membrane(a, b);
      tauOut[i] = spiking ? neuron.tau(a, b) : 0;
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
