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
 * - `relu`: `max(A, 0)`; the ANN trained with batch norm, normalized to ReLU1 afterwards.
 * - `linear`: output layer of the ANN, logits `A`.
 *
 * A weighted layer may add a bias `b` (SPEC section 3: a spike at `tau = 1` of the input window,
 * so `A += b` and `W += b`) and, in training only, batch norm over `A` (see batchnorm.ts), which
 * is folded into weights and biases when the model is saved.
 */
import {
  type Architecture,
  type LayerSpec,
  paperNeuronCount,
  type Shape3,
  stages,
  weightCount,
} from '../snn/network.js';

export type Activation = 'dft' | 'relu1' | 'relu' | 'membrane' | 'first-spike' | 'linear';

/** `snn`: the DFT network as the reference forward pass computes it; `ann`: its ReLU1 twin. */
export type NetMode = 'snn' | 'ann';

/** How the trainer builds the network on top of the architecture. */
export interface PlanOptions {
  /** Batch norm after every weighted layer but the output one. */
  batchNorm?: boolean;
  /** A bias on every weighted layer (layers with batch norm use its shift instead). */
  bias?: boolean;
  /** Hidden activation of the ANN: `relu1` (the paper's) or `relu` (with batch norm). */
  annActivation?: 'relu1' | 'relu';
  /**
   * ANN only: adds `wPenalty * mean(W^2)` per weighted layer to the loss, with `W = sum w + b`
   * over the nonzero inputs (after batch norm, as folding gives it): the DFT neuron equals
   * ReLU1 exactly when `W = 0` (SPEC section 2), so an ANN trained with it transfers to the DFT
   * closed form with little loss. 0: none.
   */
  wPenalty?: number;
  /**
   * SNN only: the backward pass of the DFT neuron divides by `max(1 + W, dftGradFloor)` instead
   * of `1 + W` (a bounded surrogate of Eq. 9-10 near `W = -1`). 0: the exact gradient.
   */
  dftGradFloor?: number;
}

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
  /** Number of weights (the weight tensor only). */
  paramCount: number;
  /** Offset of the bias (one per output channel / unit), -1 without. */
  biasOffset: number;
  /** Offsets of batch norm's scale and shift, -1 without batch norm. */
  gammaOffset: number;
  betaOffset: number;
  /** Offset of the running mean (then the running variance) in the statistics vector, or -1. */
  statsOffset: number;
  /** Output channels (conv) or units (dense); 0 for pool and flatten. */
  channels: number;
  /**
   * True when the activation needs `W = sum w` over the spiking inputs besides `A` (the DFT
   * neuron and the membrane readout): the layer then computes both sums.
   */
  dual: boolean;
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
  /** Total parameters, all layers (weights, biases, batch-norm scales and shifts). */
  paramCount: number;
  /** Batch-norm running statistics (mean and variance per channel), all layers. */
  statsCount: number;
  options: Required<PlanOptions>;
  /** The paper's neuron count (sparsity denominator). */
  neurons: number;
}

export function buildPlan(arch: Architecture, mode: NetMode, opts: PlanOptions = {}): TrainPlan {
  const options: Required<PlanOptions> = {
    batchNorm: opts.batchNorm ?? false,
    bias: opts.bias ?? false,
    annActivation: opts.annActivation ?? 'relu1',
    wPenalty: opts.wPenalty ?? 0,
    dftGradFloor: opts.dftGradFloor ?? 0,
  };
  const st = stages(arch);
  const last = arch.layers.length - 1;
  let offset = 0;
  let statsOffset = 0;
  const steps: PlanStep[] = arch.layers.map((layer, i) => {
    const inShape = st[i]!.shape;
    const outShape = st[i + 1]!.shape;
    const weighted = layer.kind === 'conv' || layer.kind === 'dense';
    let act: Activation | null = null;
    if (weighted) {
      if (i === last) {
        act = mode === 'ann' ? 'linear' : arch.readout === 'membrane' ? 'membrane' : 'first-spike';
      } else if (mode === 'ann') {
        act = options.annActivation;
      } else if (i === 0 && arch.encoding.kind === 'direct') {
        act = 'relu1';
      } else {
        act = 'dft';
      }
    }
    const count = weighted ? weightCount(layer, inShape) : 0;
    const channels = weighted ? outShape.c : 0;
    const bn = weighted && i !== last && options.batchNorm;
    // the output layer of a batch-norm network has a bias, as PyTorch's nn.Linear does
    const hasBias =
      weighted &&
      !bn &&
      (options.bias ||
        (options.batchNorm && i === last) ||
        ('bias' in layer && layer.bias === true));
    const at = (present: boolean, n: number): number => {
      if (!present) return -1;
      const o = offset;
      offset += n;
      return o;
    };
    const paramOffset = at(weighted, count);
    const biasOffset = at(hasBias, channels);
    const gammaOffset = at(bn, channels);
    const betaOffset = at(bn, channels);
    const so = bn ? statsOffset : -1;
    if (bn) statsOffset += 2 * channels;
    const step: PlanStep = {
      layer,
      index: i,
      inShape,
      outShape,
      inSize: inShape.c * inShape.h * inShape.w,
      outSize: outShape.c * outShape.h * outShape.w,
      act,
      paramOffset,
      paramCount: count,
      biasOffset,
      gammaOffset,
      betaOffset,
      statsOffset: so,
      channels,
      dual:
        act === 'dft' ||
        act === 'first-spike' ||
        act === 'membrane' ||
        (mode === 'ann' &&
          options.wPenalty > 0 &&
          weighted &&
          !(i === 0 && arch.encoding.kind === 'direct')),
      countsSpikes: weighted,
    };
    return step;
  });
  return {
    arch,
    mode,
    steps,
    inputSize: st[0]!.size,
    outputSize: st[st.length - 1]!.size,
    paramCount: offset,
    statsCount: statsOffset,
    options,
    neurons: paperNeuronCount(arch),
  };
}

/** Views of one flat parameter (or gradient) vector: the biases, null for layers without. */
export function biasViews<T extends Float32Array | Float64Array>(
  plan: TrainPlan,
  flat: T,
): (T | null)[] {
  return plan.steps.map((s) =>
    s.biasOffset < 0 ? null : (flat.subarray(s.biasOffset, s.biasOffset + s.channels) as T),
  );
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

/**
 * Nominal floating-point operations per image of one ANN training step: 2 per synapse forward
 * (`A` only), 4 backward (weight and input gradients).
 */
export function nominalAnnFlops(plan: TrainPlan): number {
  return (nominalTrainFlops(plan) / 10) * 6;
}
