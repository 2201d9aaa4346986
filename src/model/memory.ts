/**
 * A rough upper estimate of the memory a model needs in ttfsim, checked when a manifest is
 * loaded (before any weight is read or generated): per weight the float32 copy as loaded, a
 * quantized float32 copy and a float64 copy of the simulation or trainer (about
 * {@link BYTES_PER_WEIGHT}); per neuron its spike times, accumulators and thresholds for the
 * frames in flight (about {@link BYTES_PER_NEURON}).
 */
import { type Architecture, stages, weightCount } from '../snn/network.js';
import { inFile } from '../util/errors.js';
import { formatBytes, memoryBudgetBytes } from '../util/memory.js';

export const BYTES_PER_WEIGHT = 16;
export const BYTES_PER_NEURON = 256;

export interface ModelMemory {
  bytes: number;
  weights: number;
  neurons: number;
  /** Index in `arch.layers` of the layer with the most weights (or neurons), and its count. */
  largest: { layer: number; weights: number; neurons: number };
}

export function estimateModelMemory(arch: Architecture): ModelMemory {
  const st = stages(arch);
  let weights = 0;
  let neurons = st[0]!.size;
  let largest = { layer: 0, weights: -1, neurons: 0 };
  arch.layers.forEach((l, i) => {
    const w = weightCount(l, st[i]!.shape);
    const n = st[i + 1]!.size;
    weights += w;
    neurons += n;
    if (
      w * BYTES_PER_WEIGHT + n * BYTES_PER_NEURON >
      largest.weights * BYTES_PER_WEIGHT + largest.neurons * BYTES_PER_NEURON
    ) {
      largest = { layer: i, weights: w, neurons: n };
    }
  });
  return {
    bytes: weights * BYTES_PER_WEIGHT + neurons * BYTES_PER_NEURON,
    weights,
    neurons,
    largest,
  };
}

/**
 * Refuses a model whose estimate exceeds the machine's memory, naming the largest layer (by
 * its index in the manifest, `manifestIndex`) and the estimate.
 */
export function checkModelMemory(
  arch: Architecture,
  file: string,
  manifestIndex: (layer: number) => number,
  budget = memoryBudgetBytes(),
): void {
  const m = estimateModelMemory(arch);
  if (m.bytes <= budget) return;
  const l = arch.layers[m.largest.layer]!;
  const field = l.kind === 'dense' ? 'units' : l.kind === 'conv' ? 'outChannels' : 'type';
  throw inFile(
    file,
    `layers[${manifestIndex(m.largest.layer)}].${field}: the model needs about ${formatBytes(m.bytes)} of memory (estimate: ${m.weights.toExponential(2)} weights, ${m.neurons.toExponential(2)} neurons; this layer ${m.largest.weights.toExponential(2)} weights), more than this machine's ${formatBytes(budget)}`,
  );
}
