import type { LayerSpec, Shape3 } from './network.js';
import { ACC_ONE, ROUND_MAGIC, toAcc } from './neuron.js';

/** Module-local copies for the hot loops (see {@link toAcc}). */
const ONE = ACC_ONE;
const MAGIC = ROUND_MAGIC;

/**
 * Dense (whole-layer) operators over `tau` arrays in CHW order, written as plain gather loops:
 * the obviously-right form the event-driven simulator is checked against.
 *
 * A weighted layer produces the fixed-point accumulators `aAcc = sum w tau` and
 * `wAcc = sum w` over the *spiking* inputs of each output neuron (see neuron.ts); padding
 * positions are silent and contribute nothing. Each term `w tau` is `round(w tau tauScale)`
 * (ties to even): `tauScale = 2^32` for float weights; for integer levels (`w` a level `q`,
 * `tau` on a grid of `1 / tauScale`) the term is an exact integer (arith.ts, levels.ts).
 */

export interface Accumulators {
  aAcc: Float64Array;
  wAcc: Float64Array;
}

/**
 * A per-neuron bias `b` is one more input: a spike at `tau = 1` (the earliest time of the input
 * window) with weight `b` (SPEC section 3). It adds `toAcc(b * 1) = toAcc(b)` to `aAcc` and
 * `toAcc(b)` to `wAcc`, like any other term:
 *
 *     A = sum_i w_i tau_i + b      W = sum_i w_i + b
 *
 * The terms are integers on the accumulator grid, so it does not matter when they are added.
 */
export function biasToAcc(bias: Float32Array | null): Float64Array | null {
  if (bias === null) return null;
  const out = new Float64Array(bias.length);
  for (let c = 0; c < bias.length; c++) out[c] = toAcc(bias[c]!);
  return out;
}

/**
 * Adds the bias spikes of a layer to its accumulators: `biasAcc[c]` (from {@link biasToAcc}) to
 * `aAcc` and `wAcc` of each of the `plane` neurons of channel `c` (CHW; dense: `plane = 1`).
 */
export function addBiasAcc(acc: Accumulators, biasAcc: Float64Array, plane: number): void {
  const { aAcc, wAcc } = acc;
  for (let c = 0; c < biasAcc.length; c++) {
    const b = biasAcc[c]!;
    if (b === 0) continue;
    for (let i = c * plane; i < (c + 1) * plane; i++) {
      aAcc[i] += b;
      wAcc[i] += b;
    }
  }
}

/** Neurons with a non-zero bias (one bias SOP each): `plane` per channel whose bias is not 0. */
export function biasSopCount(bias: Float32Array | null, plane: number): number {
  if (bias === null) return 0;
  let n = 0;
  for (let c = 0; c < bias.length; c++) if (bias[c] !== 0) n += plane;
  return n;
}

/** Per-weight `w` on the accumulator grid, computed once per layer. */
export function weightsToAcc(weights: Float32Array): Float64Array {
  const out = new Float64Array(weights.length);
  for (let i = 0; i < weights.length; i++) out[i] = toAcc(weights[i]!);
  return out;
}

type Conv = Extract<LayerSpec, { kind: 'conv' }>;

/**
 * Inclusive range `[lo, hi]` of the output positions (rows or columns) of a conv whose receptive
 * field contains input position `i` (`lo > hi`: none). Output `o` reads inputs
 * `o * stride - padding .. o * stride - padding + kernel - 1`.
 */
export function convTargetRange(
  i: number,
  kernel: number,
  stride: number,
  padding: number,
  outSize: number,
): [number, number] {
  const lo = Math.max(0, Math.ceil((i + padding - kernel + 1) / stride));
  const hi = Math.min(outSize - 1, Math.floor((i + padding) / stride));
  return [lo, hi];
}

/**
 * 2D convolution (stride, zero padding that is silent) into fixed-point accumulators.
 *
 * Written as a scatter over the spiking inputs: each input `(ic, iy, ix)` with `tau > 0` adds
 * `w * tau` and `w` to every output whose receptive field holds it ({@link convTargetRange}),
 * with kernel offset `ky = iy + padding - oy * stride` (likewise `kx`). The work is the number
 * of SOPs, and the loops have no data-dependent branches. The accumulators are integers, so
 * the order of the terms does not matter (tests check this form against the gather form written
 * as a dense Toeplitz matrix, and against a literal time-stepped simulation).
 */
export function convAccumulate(
  tauIn: Float64Array,
  inShape: Shape3,
  layer: Conv,
  weights: Float32Array,
  wAccs: Float64Array,
  outShape: Shape3,
  tauScale: number = ONE,
): Accumulators {
  const { kernel: k, stride, padding } = layer;
  const inC = inShape.c;
  const inH = inShape.h;
  const inW = inShape.w;
  const outC = outShape.c;
  const outH = outShape.h;
  const outW = outShape.w;
  const plane = outH * outW;
  const aAcc = new Float64Array(outC * plane);
  const wAcc = new Float64Array(outC * plane);
  for (let ic = 0; ic < inC; ic++) {
    for (let iy = 0; iy < inH; iy++) {
      const [oy0, oy1] = convTargetRange(iy, k, stride, padding, outH);
      for (let ix = 0; ix < inW; ix++) {
        const tau = tauIn[(ic * inH + iy) * inW + ix]!;
        if (tau === 0) continue;
        const [ox0, ox1] = convTargetRange(ix, k, stride, padding, outW);
        for (let oc = 0; oc < outC; oc++) {
          const wBase = (oc * inC + ic) * k * k;
          for (let oy = oy0; oy <= oy1; oy++) {
            const wRow = wBase + (iy + padding - oy * stride) * k + ix + padding;
            const oRow = oc * plane + oy * outW;
            for (let ox = ox0; ox <= ox1; ox++) {
              const wi = wRow - ox * stride;
              aAcc[oRow + ox] += weights[wi]! * tau * tauScale + MAGIC - MAGIC; // toAcc(w * tau)
              wAcc[oRow + ox] += wAccs[wi]!;
            }
          }
        }
      }
    }
  }
  return { aAcc, wAcc };
}

/** Dense layer (`weights` is `[units, in]`) into fixed-point accumulators. */
export function denseAccumulate(
  tauIn: Float64Array,
  units: number,
  weights: Float32Array,
  wAccs: Float64Array,
  tauScale: number = ONE,
): Accumulators {
  const nIn = tauIn.length;
  // the spiking inputs, once (silent inputs are not in the sums)
  const active = new Int32Array(nIn);
  let nActive = 0;
  for (let i = 0; i < nIn; i++) if (tauIn[i] !== 0) active[nActive++] = i;
  const aAcc = new Float64Array(units);
  const wAcc = new Float64Array(units);
  for (let o = 0; o < units; o++) {
    let a = 0;
    let w = 0;
    const row = o * nIn;
    for (let j = 0; j < nActive; j++) {
      const i = active[j]!;
      a += weights[row + i]! * tauIn[i]! * tauScale + MAGIC - MAGIC; // toAcc(w * tau)
      w += wAccs[row + i]!;
    }
    aAcc[o] = a;
    wAcc[o] = w;
  }
  return { aAcc, wAcc };
}

/**
 * Analog convolution on the host (`direct` encoding): plain real-valued sum over the raw input
 * in index order (no fixed point, no spikes), plus the channel's bias when there is one
 * (`x = sum w a + b`). Padding is zero.
 */
export function convAnalog(
  input: ArrayLike<number>,
  inShape: Shape3,
  layer: Conv,
  weights: Float32Array,
  outShape: Shape3,
  bias: Float32Array | null = null,
): Float64Array {
  const { kernel: k, stride, padding } = layer;
  const out = new Float64Array(outShape.c * outShape.h * outShape.w);
  for (let oc = 0; oc < outShape.c; oc++) {
    for (let oy = 0; oy < outShape.h; oy++) {
      for (let ox = 0; ox < outShape.w; ox++) {
        let s = 0;
        for (let ic = 0; ic < inShape.c; ic++) {
          for (let ky = 0; ky < k; ky++) {
            const iy = oy * stride + ky - padding;
            if (iy < 0 || iy >= inShape.h) continue;
            for (let kx = 0; kx < k; kx++) {
              const ix = ox * stride + kx - padding;
              if (ix < 0 || ix >= inShape.w) continue;
              s +=
                weights[((oc * inShape.c + ic) * k + ky) * k + kx]! *
                input[(ic * inShape.h + iy) * inShape.w + ix]!;
            }
          }
        }
        out[(oc * outShape.h + oy) * outShape.w + ox] = bias === null ? s : s + bias[oc]!;
      }
    }
  }
  return out;
}

/**
 * Max pooling as the earliest spike: the largest `tau` of each region wins (`t = min`), silent
 * when the whole region is silent. Takes no window of its own.
 */
export function maxPoolTau(
  tauIn: Float64Array,
  inShape: Shape3,
  size: number,
  stride: number,
  outShape: Shape3,
): Float64Array {
  const out = new Float64Array(outShape.c * outShape.h * outShape.w);
  for (let c = 0; c < outShape.c; c++) {
    for (let oy = 0; oy < outShape.h; oy++) {
      for (let ox = 0; ox < outShape.w; ox++) {
        let best = 0;
        for (let py = 0; py < size; py++) {
          for (let px = 0; px < size; px++) {
            const t = tauIn[(c * inShape.h + oy * stride + py) * inShape.w + ox * stride + px]!;
            if (t > best) best = t;
          }
        }
        out[(c * outShape.h + oy) * outShape.w + ox] = best;
      }
    }
  }
  return out;
}
