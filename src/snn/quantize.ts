import type { Network } from './network.js';

/**
 * Symmetric per-layer weight quantization to `bits`-bit signed integers with one scale per
 * layer (SPEC section 4): `scale = max|w| / (2^(bits-1) - 1)`,
 * `w_q = clamp(round(w / scale), -(2^(bits-1) - 1), 2^(bits-1) - 1) * scale`.
 * The levels are symmetric (4 bits: -7 .. 7), so zero stays exactly zero.
 */
export function quantizeWeights(weights: Float32Array, bits: number): Float32Array {
  if (!Number.isInteger(bits) || bits < 2 || bits > 16) {
    throw new RangeError(`weightBits must be an integer from 2 to 16, got ${bits}`);
  }
  const qMax = 2 ** (bits - 1) - 1;
  let maxAbs = 0;
  for (let i = 0; i < weights.length; i++) maxAbs = Math.max(maxAbs, Math.abs(weights[i]!));
  const out = new Float32Array(weights.length);
  if (maxAbs === 0) return out;
  const scale = maxAbs / qMax;
  for (let i = 0; i < weights.length; i++) {
    const q = Math.max(-qMax, Math.min(qMax, Math.round(weights[i]! / scale)));
    out[i] = q * scale;
  }
  return out;
}

/** The network with every weighted layer quantized to `bits` (null: unchanged). */
export function quantizeNetwork(net: Network, bits: number | null): Network {
  if (bits === null) return net;
  return {
    arch: net.arch,
    weights: net.weights.map((w) => (w.length > 0 ? quantizeWeights(w, bits) : w)),
  };
}
