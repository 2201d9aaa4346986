import {
  type LayerLevels,
  type Network,
  type NetworkLevels,
  type StageInfo,
  stages,
} from './network.js';
import { ROUND_MAGIC } from './neuron.js';

/**
 * Symmetric per-layer weight quantization to `bits`-bit signed integers with one scale per
 * layer (SPEC section 4):
 *
 *     s = max|w| / (2^(bits-1) - 1)       q = clamp(round(w / s), -(2^(bits-1) - 1), 2^(bits-1) - 1)
 *
 * The levels are symmetric (4 bits: -7 .. 7), so zero stays exactly zero. `w / s` is computed in
 * double and **ties (an exact `.5`) round to the even level** (IEEE round-half-to-even, as
 * `torch.round` and NumPy do): symmetric, `-2.5 -> -2`, `2.5 -> 2`, `3.5 -> 4`. (`Math.round`,
 * used before, rounds `.5` up, so `2.5 -> 3` but `-2.5 -> -2`.)
 *
 * The network keeps the integer levels `q` and the scale `s` (`Network.levels`): the neurons
 * compute on them with exact arithmetic (levels.ts), as integer-weight hardware does, so levels
 * that cancel (`3 + 4 - 7`) cancel exactly. Its `weights` hold `float32(q s)` for whatever reads
 * real values.
 *
 * **Biases** are quantized on the same scale (issue 19): a bias is one more input with weight
 * `b`, so it takes the weights' integer levels, `q_b = clamp(round(b / s), -Q_b, Q_b)` (ties to
 * even), but with a wider register, {@link biasBits} = `2 * bits` (`Q_b = 2^(2 bits - 1) - 1`;
 * 4-bit weights: 8-bit biases, levels -127 .. 127, i.e. up to 18 times the largest weight),
 * because a bias stands for many inputs (batch norm folds a whole channel's shift into it). A zero
 * bias stays zero. A layer whose weights are all zero has no scale; its biases then take the scale
 * `max|b| / Q_b` of their own. The cost is one `biasBits` register per output channel and core
 * that holds the channel (docs/mapping.md).
 */

function checkBits(bits: number): void {
  if (!Number.isInteger(bits) || bits < 2 || bits > 16) {
    throw new RangeError(`weightBits must be an integer from 2 to 16, got ${bits}`);
  }
}

/** Largest integer level of `bits`-bit signed symmetric quantization: `2^(bits-1) - 1`. */
function levelMax(bits: number): number {
  return 2 ** (bits - 1) - 1;
}

function maxAbsOf(x: Float32Array): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]!));
  return m;
}

/**
 * `x` rounded to an integer, ties to even (`x + 1.5 * 2^52 - 1.5 * 2^52`, exact for
 * `|x| < 2^51`; larger values are integers already).
 */
export function roundHalfEven(x: number): number {
  return Math.abs(x) >= 2 ** 51 ? x : x + ROUND_MAGIC - ROUND_MAGIC;
}

/** Bits of one stored bias: `2 * weightBits` (at most 32); 32 (float) for float weights. */
export function biasBits(weightBits: number | null): number {
  return weightBits === null ? 32 : Math.min(32, 2 * weightBits);
}

/** The per-layer scale of `bits`-bit weights: `max|w| / (2^(bits-1) - 1)` (0 if all are 0). */
export function weightScale(weights: Float32Array, bits: number): number {
  checkBits(bits);
  return maxAbsOf(weights) / levelMax(bits);
}

/** `round(x / scale)` (ties to even) clamped to `[-qMax, qMax]`, into a new array. */
function levelsOf(x: Float32Array, scale: number, qMax: number): Float32Array {
  const out = new Float32Array(x.length);
  if (scale === 0) return out;
  for (let i = 0; i < x.length; i++) {
    out[i] = Math.max(-qMax, Math.min(qMax, roundHalfEven(x[i]! / scale)));
  }
  return out;
}

/** `float32(q * scale)` of each level. */
function realOf(levels: Float32Array, scale: number): Float32Array {
  // A loop, not `Float32Array.from(levels, fn)`: that goes through the iterator protocol and a
  // call per element, 5.6 s of VGG16's set-up.
  const out = new Float32Array(levels.length);
  for (let i = 0; i < levels.length; i++) out[i] = levels[i]! * scale;
  return out;
}

/**
 * One weighted layer's levels (see the file comment): the scale, the weight levels, the bias
 * levels (null without a bias) and how many biases were clipped to the largest bias level.
 */
export function quantizeLayer(
  weights: Float32Array,
  bias: Float32Array | null,
  bits: number,
): LayerLevels & { clipped: number } {
  let scale = weightScale(weights, bits);
  const qb = levelMax(biasBits(bits));
  if (scale === 0 && bias !== null) scale = maxAbsOf(bias) / qb;
  let clipped = 0;
  if (bias !== null && scale > 0) {
    for (let i = 0; i < bias.length; i++) if (Math.abs(bias[i]! / scale) >= qb + 0.5) clipped++;
  }
  return {
    scale,
    weights: levelsOf(weights, scale, levelMax(bits)),
    bias: bias === null ? null : levelsOf(bias, scale, qb),
    clipped,
  };
}

/** Weights on their `bits`-bit integer levels as real values `float32(q s)`, one scale per layer. */
export function quantizeWeights(weights: Float32Array, bits: number): Float32Array {
  const l = quantizeLayer(weights, null, bits);
  return realOf(l.weights, l.scale);
}

/**
 * A layer's biases on the scale of its `bits`-bit weights, with `biasBits(bits)`-bit levels, as
 * real values `float32(q_b s)` (see the file comment); also how many were clipped.
 */
export function quantizeBias(
  bias: Float32Array,
  weights: Float32Array,
  bits: number,
): { bias: Float32Array; clipped: number } {
  const l = quantizeLayer(weights, bias, bits);
  return { bias: realOf(l.bias!, l.scale), clipped: l.clipped };
}

/**
 * The largest sum of level magnitudes one neuron of layer `i` can collect, `sum |q| + |q_b|`
 * over its whole fan-in (padding included: an upper bound).
 */
function levelSumBound(st: StageInfo[], i: number, l: LayerLevels): number {
  const layer = st[i + 1]!.layer!;
  const out = layer.kind === 'conv' ? layer.outChannels : layer.kind === 'dense' ? layer.units : 0;
  const per = out > 0 ? l.weights.length / out : 0;
  let worst = 0;
  for (let o = 0; o < out; o++) {
    let s = l.bias === null ? 0 : Math.abs(l.bias[o]!);
    for (let k = o * per; k < (o + 1) * per; k++) s += Math.abs(l.weights[k]!);
    worst = Math.max(worst, s);
  }
  return worst;
}

/**
 * Bits of the exact-time grid (`NetworkLevels.tickBits`): 32, or fewer so that every
 * accumulator, at most `2 x bound x 2^tickBits` in magnitude (`A` and `W` terms together), stays
 * an exact integer in a double (below 2^53). 4-bit and 8-bit networks of any size ttfsim ships
 * get 32.
 */
export function tickBitsFor(bound: number): number {
  let bits = 32;
  while (bits > 1 && 2 * bound * 2 ** bits >= 2 ** 53) bits--;
  return bits;
}

/**
 * The network with every weighted layer quantized to `bits` (null: unchanged): its integer
 * levels and scales in `levels`, and `float32(q s)` in `weights` and `biases`.
 */
export function quantizeNetwork(net: Network, bits: number | null): Network {
  if (bits === null) return net;
  const st = stages(net.arch);
  let bound = 0;
  const layers = net.weights.map((w, i) => {
    const kind = net.arch.layers[i]!.kind;
    if (kind !== 'conv' && kind !== 'dense') return null;
    const l = quantizeLayer(w, net.biases?.[i] ?? null, bits);
    bound = Math.max(bound, levelSumBound(st, i, l));
    return { scale: l.scale, weights: l.weights, bias: l.bias };
  });
  const levels: NetworkLevels = { bits, tickBits: tickBitsFor(bound), layers };
  const out: Network = {
    arch: net.arch,
    weights: net.weights.map((w, i) => {
      const l = layers[i];
      return l ? realOf(l.weights, l.scale) : w;
    }),
    levels,
  };
  if (net.biases !== undefined) {
    out.biases = net.biases.map((b, i) => {
      const l = layers[i];
      return b === null || !l ? b : realOf(l.bias!, l.scale);
    });
  }
  return out;
}
