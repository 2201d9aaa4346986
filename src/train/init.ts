/**
 * Initial weights: seeded Kaiming-normal (scaled), or weights loaded from a model or a
 * safetensors file (e.g. a bias-free, BN-free ReLU1 ANN exported from PyTorch), the paper's
 * CIFAR recipe (SPEC section 2: the DFT neuron is a ReLU1 pivoting around `A = 1`).
 */
import { createRng, deriveSeed } from '../kernel/rng.js';
import { importNetwork } from '../model/import.js';
import { foldBatchNorm } from '../snn/batchnorm.js';
import { type Architecture, layerBias, type Network } from '../snn/network.js';
import { UserError } from '../util/errors.js';
import { BN_EPS } from './batchnorm.js';
import type { TrainPlan } from './plan.js';

/**
 * Kaiming-normal weights times `scale`: `w ~ N(0, (scale * sqrt(2 / fanIn))^2)`, with
 * `fanIn = inChannels * k * k` (conv) or `inFeatures` (dense). Our PyTorch runs found `scale =
 * 0.5` better than 1 for the MNIST CNN (SPEC section 3). Drawn from `seed/init`, layer by layer.
 */
export function kaimingInit(plan: TrainPlan, seed: number, scale: number): Float32Array {
  const out = new Float32Array(plan.paramCount);
  const rng = createRng(deriveSeed(seed, 'init'));
  for (const s of plan.steps) {
    if (s.paramOffset < 0) continue;
    const fanIn = s.paramCount / s.outShape.c;
    const std = scale * Math.sqrt(2 / fanIn);
    for (let k = 0; k < s.paramCount; k++) out[s.paramOffset + k] = std * rng.normal();
    // biases and batch-norm shifts start at 0, batch-norm scales at 1 (PyTorch)
    if (s.gammaOffset >= 0) out.fill(1, s.gammaOffset, s.gammaOffset + s.channels);
  }
  return out;
}

/** Batch-norm running statistics at the start (PyTorch): mean 0, variance 1. */
export function initialStats(plan: TrainPlan): Float32Array {
  const out = new Float32Array(plan.statsCount);
  for (const s of plan.steps) {
    if (s.statsOffset >= 0) out.fill(1, s.statsOffset + s.channels, s.statsOffset + 2 * s.channels);
  }
  return out;
}

/**
 * The flat parameters of a network laid out by `plan` (weights and, where the plan has them,
 * biases; a plan with batch norm is not a target: its scales and shifts stay at 1 and 0).
 * A network bias on a layer the plan gives none is an error.
 */
export function flattenNetwork(plan: TrainPlan, net: Network): Float32Array {
  const out = flattenWeights(plan, net.weights);
  for (const s of plan.steps) {
    const b = layerBias(net, s.index);
    if (s.gammaOffset >= 0) out.fill(1, s.gammaOffset, s.gammaOffset + s.channels);
    if (b === null) continue;
    if (s.biasOffset < 0) {
      throw new UserError(`layer ${s.layer.name}: the network has a bias, the training plan none`);
    }
    out.set(b, s.biasOffset);
  }
  return out;
}

/**
 * The network of flat parameters laid out by `plan`: weights, biases, and batch norm folded
 * into weights and biases with the running statistics (SPEC section 3, exact). Every weighted
 * layer with a bias or batch norm gets `bias: true`; the architecture is otherwise `plan.arch`.
 */
export function networkFromParams(
  plan: TrainPlan,
  params: Float32Array,
  stats: Float32Array,
): Network {
  const weights: Float32Array[] = [];
  const biases: (Float32Array | null)[] = [];
  const layers = plan.arch.layers.map((l) => ({ ...l }));
  for (const s of plan.steps) {
    if (s.paramOffset < 0) {
      weights.push(new Float32Array(0));
      biases.push(null);
      continue;
    }
    const w = params.slice(s.paramOffset, s.paramOffset + s.paramCount);
    const b = s.biasOffset < 0 ? null : params.slice(s.biasOffset, s.biasOffset + s.channels);
    if (s.gammaOffset >= 0) {
      const C = s.channels;
      const f = foldBatchNorm(w, b, C, {
        gamma: params.subarray(s.gammaOffset, s.gammaOffset + C),
        beta: params.subarray(s.betaOffset, s.betaOffset + C),
        mean: stats.subarray(s.statsOffset, s.statsOffset + C),
        variance: stats.subarray(s.statsOffset + C, s.statsOffset + 2 * C),
        eps: BN_EPS,
      });
      weights.push(f.weights);
      biases.push(f.bias);
    } else {
      weights.push(w);
      biases.push(b);
    }
    const layer = layers[s.index]!;
    if ((layer.kind === 'conv' || layer.kind === 'dense') && biases[s.index] !== null) {
      layer.bias = true;
    }
  }
  const hasBias = biases.some((b) => b !== null);
  return {
    arch: { ...plan.arch, layers },
    weights,
    ...(hasBias ? { biases } : {}),
  };
}

/** Copies per-layer weights into a flat vector laid out by `plan`. */
export function flattenWeights(plan: TrainPlan, weights: Float32Array[]): Float32Array {
  const out = new Float32Array(plan.paramCount);
  for (const s of plan.steps) {
    if (s.paramOffset < 0) continue;
    const w = weights[s.index]!;
    if (w.length !== s.paramCount) {
      throw new UserError(`layer ${s.layer.name}: ${w.length} weights, expected ${s.paramCount}`);
    }
    out.set(w, s.paramOffset);
  }
  return out;
}

/** Per-layer copies of a flat vector (empty arrays for pool and flatten). */
export function unflattenWeights(plan: TrainPlan, flat: Float32Array): Float32Array[] {
  return plan.steps.map((s) =>
    s.paramOffset < 0
      ? new Float32Array(0)
      : flat.slice(s.paramOffset, s.paramOffset + s.paramCount),
  );
}

/**
 * Initial weights from a file: a model manifest (`.json`, its weights) or a safetensors file,
 * matched by name or, failing that, by order (a PyTorch `nn.Sequential` export); biases and
 * batch norm are accepted and folded (`importNetwork`, src/model/import.ts). Only the weights:
 * for a network with biases use {@link loadInitNetwork}.
 */
export function loadInitWeights(arch: Architecture, path: string): Float32Array[] {
  return importNetwork(arch, path).weights;
}

/**
 * The initial network from a file (see {@link loadInitWeights}): weights and biases (batch
 * norm folded into them at load, in double precision). A layer whose file has a bias or a
 * batch norm must have `bias: true` in `arch`; one with `bias: true` and neither starts at 0.
 */
export function loadInitNetwork(arch: Architecture, path: string): Network {
  return importNetwork(arch, path);
}

/** `arch` with `bias: true` on every conv and dense layer (`ttfsim train --bias`). */
export function withBiases(arch: Architecture): Architecture {
  return {
    ...arch,
    layers: arch.layers.map((l) =>
      l.kind === 'conv' || l.kind === 'dense' ? { ...l, bias: true } : l,
    ),
  };
}
