import { createRng, deriveSeed } from '../kernel/rng.js';
import { encodeInput, quantizeTau } from '../snn/encoding.js';
import { maxPoolTau } from '../snn/layers.js';
import {
  type Architecture,
  type LayerSpec,
  type Network,
  type Shape3,
  stages,
  weightCount,
} from '../snn/network.js';
import { dftTauReal } from '../snn/neuron.js';

/**
 * Seeded random weights for a model that has no trained weights yet (VGG16 until one is
 * trained), scaled per layer so that activity is realistic: each weighted layer fires a target
 * fraction of its neurons on a few calibration frames (the paper's VGG16 sparsity is 0.2561).
 * Accuracy with such weights is meaningless; spikes, SOPs, traffic and energy are indicative.
 *
 * Layer by layer, with `z` standard normal draws (seed derived from the layer name) and the
 * calibration frames' input spikes `tau_i` of the layer fixed, the weights are
 *
 *     w = s * (z + mu)
 *
 * so that `A = s (sum z tau + mu sum tau)` and `W = s (sum z + mu k)` over the `k` spiking inputs.
 * - The scale `s` sets the spread of the membrane: the standard deviation of `s sum z tau` over
 *   neurons and frames equals `membraneStd` (default 0.5), so spike times spread over the window
 *   rather than piling up at its start.
 * - The shift `mu` sets the firing fraction. Whether a neuron fires (`A >= 1` or `A + W > 0`,
 *   Eq. 7) is monotone in `mu` for `s > 0` (both `A` and `A + W` grow with it), so the fraction
 *   is monotone too and a bisection on `mu` hits the target. (With `mu = 0` the fraction cannot
 *   fall below about one half whatever `s` is: `A + W = s sum z (tau + 1)` has a sign that does
 *   not depend on `s`. That is why the shift, not the scale, sets the fraction.)
 * - A `direct` encoding's host-side conv is calibrated the same way (`x = s sum (z + mu) a` fires
 *   when `x > 0`).
 * A layer whose architecture has a bias gets zero biases (the bias-free layer exactly).
 * The bisection works on real sums; the fixed-point accumulators and the weight quantization
 * the chip applies afterwards move the fraction only slightly (report the achieved one).
 */

export interface UntrainedOptions {
  seed: number | string;
  /** Raw inputs of the calibration frames (a few real images; values >= 0, as the encodings require). */
  calibrationInputs: readonly ArrayLike<number>[];
  /** Fraction of each weighted layer's neurons that fire. Default 0.26 (paper's VGG16, 0.2561). */
  targetFiringFraction?: number;
  /** Standard deviation of the membrane at the window start. Default 0.5. */
  membraneStd?: number;
  /** Time mode the fractions are calibrated in: steps per window or null (exact). Default null. */
  stepsPerWindow?: number | null;
}

export interface LayerCalibration {
  stage: number;
  name: string;
  /** `s` and `mu` of `w = s (z + mu)`. */
  scale: number;
  shift: number;
  /** Fraction of the layer's neurons firing on the calibration frames (real-valued sums). */
  firingFraction: number;
}

export interface UntrainedNetwork {
  network: Network;
  weightsTrained: false;
  seed: string;
  targetFiringFraction: number;
  layers: LayerCalibration[];
}

/** Per output neuron and frame: the sums the bisection needs. */
interface Sums {
  zTau: Float64Array;
  tau: Float64Array;
  z: Float64Array;
  k: Float64Array;
}

/**
 * The four sums of one frame for every output neuron of a conv or dense layer, by scattering
 * each spiking input (`tau > 0`; raw values for a host conv) to its targets, as the chip does:
 * `sum z tau`, `sum tau`, `sum z` and the count `k` of spiking inputs. Padding contributes nothing.
 */
export function scatterSums(
  layer: LayerSpec,
  inShape: Shape3,
  outShape: Shape3,
  z: Float32Array,
  tauIn: Float64Array,
): Sums {
  const n = outShape.c * outShape.h * outShape.w;
  const r: Sums = {
    zTau: new Float64Array(n),
    tau: new Float64Array(n),
    z: new Float64Array(n),
    k: new Float64Array(n),
  };
  const nIn = tauIn.length;
  if (layer.kind === 'dense') {
    for (let i = 0; i < nIn; i++) {
      const t = tauIn[i]!;
      if (!(t > 0)) continue;
      for (let o = 0; o < n; o++) {
        const w = z[o * nIn + i]!;
        r.zTau[o] += w * t;
        r.tau[o] += t;
        r.z[o] += w;
        r.k[o]++;
      }
    }
    return r;
  }
  if (layer.kind !== 'conv') throw new Error(`layer ${layer.name} has no weights`);
  const { kernel: k, stride, padding } = layer;
  const { c: inC, h: inH, w: inW } = inShape;
  const { c: outC, h: outH, w: outW } = outShape;
  for (let i = 0; i < nIn; i++) {
    const t = tauIn[i]!;
    if (!(t > 0)) continue;
    const ix = i % inW;
    const iy = Math.floor(i / inW) % inH;
    const ic = Math.floor(i / (inW * inH));
    const oyLo = Math.max(0, Math.ceil((iy + padding - k + 1) / stride));
    const oyHi = Math.min(outH - 1, Math.floor((iy + padding) / stride));
    const oxLo = Math.max(0, Math.ceil((ix + padding - k + 1) / stride));
    const oxHi = Math.min(outW - 1, Math.floor((ix + padding) / stride));
    for (let oc = 0; oc < outC; oc++) {
      for (let oy = oyLo; oy <= oyHi; oy++) {
        const wRow = ((oc * inC + ic) * k + iy + padding - oy * stride) * k + ix + padding;
        for (let ox = oxLo; ox <= oxHi; ox++) {
          const w = z[wRow - ox * stride]!;
          const o = (oc * outH + oy) * outW + ox;
          r.zTau[o] += w * t;
          r.tau[o] += t;
          r.z[o] += w;
          r.k[o]++;
        }
      }
    }
  }
  return r;
}

function fires(A: number, W: number, steps: number | null): boolean {
  if (A >= 1) return true;
  if (!(A + W > 0)) return false;
  if (steps === null) return true;
  // Quantized: fires at a step k <= n - 1, i.e. f((n - 1) / n) >= 0 (SPEC section 4).
  return (W + 1) * ((steps - 1) / steps) + A - 1 >= 0;
}

function fraction(
  sums: Sums,
  s: number,
  mu: number,
  direct: boolean,
  steps: number | null,
): number {
  const n = sums.zTau.length;
  let fired = 0;
  for (let i = 0; i < n; i++) {
    const A = s * (sums.zTau[i]! + mu * sums.tau[i]!);
    if (direct) {
      if (A > 0 && (steps === null || Math.min(A, 1) * steps >= 1 - 1e-9)) fired++;
    } else if (fires(A, s * (sums.z[i]! + mu * sums.k[i]!), steps)) fired++;
  }
  return n > 0 ? fired / n : 0;
}

function concat(parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function std(x: Float64Array): number {
  if (x.length === 0) return 0;
  let m = 0;
  for (let i = 0; i < x.length; i++) m += x[i]!;
  m /= x.length;
  let v = 0;
  for (let i = 0; i < x.length; i++) v += (x[i]! - m) ** 2;
  return Math.sqrt(v / x.length);
}

/**
 * Builds seeded random weights for `arch`, calibrated layer by layer on `calibrationInputs`.
 * Deterministic: the same architecture, inputs and seed give the same weights.
 */
export function untrainedNetwork(arch: Architecture, opts: UntrainedOptions): UntrainedNetwork {
  const all = stages(arch);
  const target = opts.targetFiringFraction ?? 0.26;
  const membraneStd = opts.membraneStd ?? 0.5;
  const steps = opts.stepsPerWindow ?? null;
  const seed = String(opts.seed);
  const direct = arch.encoding.kind === 'direct';
  const enc = arch.encoding;
  // tau of the current stage for every calibration frame (raw input for `direct`).
  let taus: Float64Array[] = opts.calibrationInputs.map((x) =>
    enc.kind === 'pixel' ? encodeInput(x, enc.maxValue, steps) : Float64Array.from(x),
  );
  const weights: Float32Array[] = [];
  const layers: LayerCalibration[] = [];
  arch.layers.forEach((layer, i) => {
    const inSt = all[i]!;
    const outSt = all[i + 1]!;
    if (layer.kind === 'pool') {
      weights.push(new Float32Array(0));
      taus = taus.map((t) => maxPoolTau(t, inSt.shape, layer.size, layer.stride, outSt.shape));
      return;
    }
    if (layer.kind === 'flatten') {
      weights.push(new Float32Array(0));
      return;
    }
    const rng = createRng(deriveSeed(seed, layer.name));
    const n = weightCount(layer, inSt.shape);
    const z = new Float32Array(n);
    for (let j = 0; j < n; j++) z[j] = rng.normal();
    const isHostConv = direct && i === 0;
    const perFrame = taus.map((t) => scatterSums(layer, inSt.shape, outSt.shape, z, t));
    const sums: Sums = {
      zTau: concat(perFrame.map((r) => r.zTau)),
      z: concat(perFrame.map((r) => r.z)),
      tau: concat(perFrame.map((r) => r.tau)),
      k: concat(perFrame.map((r) => r.k)),
    };
    const spread = std(sums.zTau);
    const fanIn = n / outSt.shape.c;
    const s = spread > 0 ? membraneStd / spread : 1 / fanIn;
    let lo = -8;
    let hi = 8;
    while (fraction(sums, s, lo, isHostConv, steps) > target && lo > -1e6) lo *= 2;
    while (fraction(sums, s, hi, isHostConv, steps) < target && hi < 1e6) hi *= 2;
    for (let it = 0; it < 60; it++) {
      const mid = (lo + hi) / 2;
      if (fraction(sums, s, mid, isHostConv, steps) < target) lo = mid;
      else hi = mid;
    }
    const mu = hi;
    const w = new Float32Array(n);
    for (let j = 0; j < n; j++) w[j] = s * (z[j]! + mu);
    weights.push(w);
    // The layer's output on the calibration frames feeds the next layer. It is computed from the
    // real-valued sums (no fixed point, no float32 rounding of w): close enough to calibrate.
    taus = perFrame.map((r) => {
      const out = new Float64Array(r.zTau.length);
      for (let j = 0; j < out.length; j++) {
        const A = s * (r.zTau[j]! + mu * r.tau[j]!);
        if (isHostConv) out[j] = A <= 0 ? 0 : Math.min(A, 1);
        else out[j] = dftTauReal(A, s * (r.z[j]! + mu * r.k[j]!));
      }
      return steps === null ? out : out.map((t) => quantizeTau(t, steps));
    });
    let fired = 0;
    for (const t of taus) for (let j = 0; j < t.length; j++) if (t[j]! > 0) fired++;
    layers.push({
      stage: i + 1,
      name: layer.name,
      scale: s,
      shift: mu,
      firingFraction: taus.length > 0 ? fired / (taus.length * outSt.size) : 0,
    });
  });
  // Layers whose architecture says bias get zero biases (exactly the bias-free layer).
  const network: Network = { arch, weights };
  if (arch.layers.some((l) => (l.kind === 'conv' || l.kind === 'dense') && l.bias === true)) {
    network.biases = arch.layers.map((l, i) =>
      (l.kind === 'conv' || l.kind === 'dense') && l.bias === true
        ? new Float32Array(all[i + 1]!.shape.c)
        : null,
    );
  }
  return {
    network,
    weightsTrained: false,
    seed,
    targetFiringFraction: target,
    layers,
  };
}
