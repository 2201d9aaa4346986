import { biasBits } from '../snn/quantize.js';
import type { Mapping } from './types.js';

/**
 * What the biases cost in core SRAM (issue 19; docs/mapping.md). A core stores one bias per
 * output channel it holds ({@link CoreAssignment.biasParams}); every neuron of the channel in the
 * core reads it when the core opens a window (the bias spike, SPEC section 3). One stored bias
 * takes `biasBits(weightBits)` bits: `2 x weightBits` on the weights' per-layer scale (4-bit
 * weights: 8-bit biases), 32 for float weights (src/snn/quantize.ts).
 *
 *     bits of core c = biasParams(c) x biasBits(weightBits)
 */
export interface BiasSram {
  /** Bits of one stored bias. */
  bitsPerBias: number;
  /** Bias SRAM bits of each core, by core id. */
  coreBits: number[];
  /** Sum over cores. */
  totalBits: number;
  /** The largest per-core figure. */
  maxCoreBits: number;
}

/** Bias SRAM of a mapping for `weightBits`-bit weights (null: float). */
export function biasSram(mapping: Mapping, weightBits: number | null): BiasSram {
  const bitsPerBias = biasBits(weightBits);
  const coreBits = mapping.cores.map((c) => c.biasParams * bitsPerBias);
  return {
    bitsPerBias,
    coreBits,
    totalBits: coreBits.reduce((a, b) => a + b, 0),
    maxCoreBits: coreBits.reduce((a, b) => Math.max(a, b), 0),
  };
}
