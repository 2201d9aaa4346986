// Frozen copy of the trainer's kernels before the WebAssembly GEMM rewrite (src/train/ at commit
// a14e79d: float64, event-style scatter, one frame at a time, CHW), kept only so that
// bench/train.ts measures today's kernels against them in one run. Not used by ttfsim.
/**
 * The training view of an architecture: one step per layer, with the stage it reads, the stage
 * it writes and how its neurons turn the accumulators into an output.
 *
 * Activations (`act`) of weighted layers, with `A = sum w x` and `W = sum w` over the nonzero
 * (spiking) inputs:
 * - `dft`: the DFT neuron in closed form (Eq. 7, tau form): `tau = 1` if `A >= 1`,
 *   `(A + W) / (1 + W)` if `A + W > 0`, else 0 (silent).
 * - `relu1`: `clamp(A, 0, 1)`; the ANN used for initialization (SPEC section 2), and the
 *   host-side analog first conv of `direct` encoding.
 * - `membrane`: output layer of the membrane readout, logits `V = A + W` (no spike).
 * - `first-spike`: output layer of the first-spike readout, a `dft` layer whose logits are
 *   `scale * tau` (Eq. 8 with the logit scale as the `T_w` the loss sees).
 * - `linear`: output layer of the ANN, logits `A`.
 */
import {
  type Architecture,
  type LayerSpec,
  paperNeuronCount,
  type Shape3,
  stages,
  weightCount,
} from '../../../src/snn/network.js';

export type Activation = 'dft' | 'relu1' | 'membrane' | 'first-spike' | 'linear';

/** `snn`: the DFT network as the reference forward pass computes it; `ann`: its ReLU1 twin. */
export type NetMode = 'snn' | 'ann';

export interface PlanStep {
  layer: LayerSpec;
  /** Index in `arch.layers` (and in the weight list). */
  index: number;
  inShape: Shape3;
  outShape: Shape3;
  inSize: number;
  outSize: number;
  /** Activation for conv and dense; null for pool and flatten. */
  act: Activation | null;
  /** Offset of this layer's weights in the flat parameter vector; -1 without weights. */
  paramOffset: number;
  paramCount: number;
  /** True when the output counts towards the paper's sparsity (weighted, not the encoding). */
  countsSpikes: boolean;
}

export interface TrainPlan {
  arch: Architecture;
  mode: NetMode;
  steps: PlanStep[];
  /** Size of stage 0 (one input frame). */
  inputSize: number;
  /** Number of output neurons (classes). */
  outputSize: number;
  /** Total weights, all layers. */
  paramCount: number;
  /** The paper's neuron count (sparsity denominator). */
  neurons: number;
}

export function buildPlan(arch: Architecture, mode: NetMode): TrainPlan {
  const st = stages(arch);
  const last = arch.layers.length - 1;
  let offset = 0;
  const steps: PlanStep[] = arch.layers.map((layer, i) => {
    const inShape = st[i]!.shape;
    const outShape = st[i + 1]!.shape;
    const weighted = layer.kind === 'conv' || layer.kind === 'dense';
    let act: Activation | null = null;
    if (weighted) {
      if (i === last) {
        act = mode === 'ann' ? 'linear' : arch.readout === 'membrane' ? 'membrane' : 'first-spike';
      } else if (mode === 'ann' || (i === 0 && arch.encoding.kind === 'direct')) {
        act = 'relu1';
      } else {
        act = 'dft';
      }
    }
    const count = weighted ? weightCount(layer, inShape) : 0;
    const step: PlanStep = {
      layer,
      index: i,
      inShape,
      outShape,
      inSize: inShape.c * inShape.h * inShape.w,
      outSize: outShape.c * outShape.h * outShape.w,
      act,
      paramOffset: weighted ? offset : -1,
      paramCount: count,
      countsSpikes: weighted,
    };
    offset += count;
    return step;
  });
  return {
    arch,
    mode,
    steps,
    inputSize: st[0]!.size,
    outputSize: st[st.length - 1]!.size,
    paramCount: offset,
    neurons: paperNeuronCount(arch),
  };
}

/** Views of one flat parameter (or gradient) vector, one per layer (empty for pool/flatten). */
export function layerViews<T extends Float32Array | Float64Array>(plan: TrainPlan, flat: T): T[] {
  return plan.steps.map(
    (s) =>
      (s.paramOffset < 0
        ? flat.subarray(0, 0)
        : flat.subarray(s.paramOffset, s.paramOffset + s.paramCount)) as T,
  );
}

/**
 * Nominal floating-point operations per image of one training step (forward and backward), dense
 * equivalent: per synapse 4 in the forward pass (the `A` and `W` sums), 4 for the weight
 * gradient and 2 for the input gradient. The kernels skip silent inputs and neurons that pass no
 * gradient, so the work actually done is smaller; GFLOP/s figures use this nominal count.
 */
export function nominalTrainFlops(plan: TrainPlan): number {
  let synapses = 0;
  for (const s of plan.steps) {
    if (s.layer.kind === 'conv') {
      synapses += s.outSize * s.inShape.c * s.layer.kernel * s.layer.kernel;
    } else if (s.layer.kind === 'dense') {
      synapses += s.outSize * s.inSize;
    }
  }
  return synapses * 10;
}
