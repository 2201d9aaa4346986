import type { Network } from './network.js';

/**
 * Symmetric per-layer weight quantization to `bits`-bit signed integers with one scale per
 * layer (SPEC section 4): `scale = max|w| / (2^(bits-1) - 1)`,
 * `w_q = clamp(round(w / scale), -(2^(bits-1) - 1), 2^(bits-1) - 1) * scale`.
 * The levels are symmetric (4 bits: -7 .. 7), so zero stays exactly zero.
 *
 * **Biases** are quantized on the same scale (issue 19): a bias is one more input with weight
 * `b`, so it takes the weights' integer levels, `b_q = clamp(round(b / scale), -q_b, q_b) * scale`,
 * but with a wider register, {@link biasBits} = `2 * bits` (`q_b = 2^(2 bits - 1) - 1`; 4-bit
 * weights: 8-bit biases, levels -127 .. 127, i.e. up to 18 times the largest weight), because a
 * bias stands for many inputs (batch norm folds a whole channel's shift into it). A zero bias
 * stays zero. A layer whose weights are all zero has no scale; its biases then take the scale
 * `max|b| / q_b` of their own. The cost is one `biasBits` register per output channel and core
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

/** Bits of one stored bias: `2 * weightBits` (at most 32); 32 (float) for float weights. */
export function biasBits(weightBits: number | null): number {
  return weightBits === null ? 32 : Math.min(32, 2 * weightBits);
}

/** The per-layer scale of `bits`-bit weights: `max|w| / (2^(bits-1) - 1)` (0 if all are 0). */
export function weightScale(weights: Float32Array, bits: number): number {
  checkBits(bits);
  return maxAbsOf(weights) / levelMax(bits);
}

/** `round(x / scale)` clamped to `[-qMax, qMax]`, times `scale`, into a new array. */
function onLevels(x: Float32Array, scale: number, qMax: number): Float32Array {
  const out = new Float32Array(x.length);
  if (scale === 0) return out;
  for (let i = 0; i < x.length; i++) {
    const q = Math.max(-qMax, Math.min(qMax, Math.round(x[i]! / scale)));
    out[i] = q * scale;
  }
  return out;
}

/** Weights on their `bits`-bit integer levels, one scale per layer (see the file comment). */
export function quantizeWeights(weights: Float32Array, bits: number): Float32Array {
  return onLevels(weights, weightScale(weights, bits), levelMax(bits));
}

/**
 * A layer's biases on the scale of its `bits`-bit weights, with `biasBits(bits)`-bit levels
 * (see the file comment); also how many were clipped to the largest level.
 */
export function quantizeBias(
  bias: Float32Array,
  weights: Float32Array,
  bits: number,
): { bias: Float32Array; clipped: number } {
  const qb = levelMax(biasBits(bits));
  let scale = weightScale(weights, bits);
  if (scale === 0) scale = maxAbsOf(bias) / qb;
  let clipped = 0;
  if (scale > 0) {
    for (let i = 0; i < bias.length; i++) if (Math.abs(bias[i]! / scale) >= qb + 0.5) clipped++;
  }
  return { bias: onLevels(bias, scale, qb), clipped };
}

/** The network with every weighted layer (weights and biases) quantized to `bits` (null: unchanged). */
export function quantizeNetwork(net: Network, bits: number | null): Network {
  if (bits === null) return net;
  const out: Network = {
    arch: net.arch,
    weights: net.weights.map((w) => (w.length > 0 ? quantizeWeights(w, bits) : w)),
  };
  if (net.biases !== undefined) {
    out.biases = net.biases.map((b, i) =>
      b === null ? null : quantizeBias(b, net.weights[i]!, bits).bias,
    );
  }
  return out;
}
