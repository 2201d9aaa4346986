/**
 * Initial weights: seeded Kaiming-normal (scaled), or weights loaded from a model or a
 * safetensors file (e.g. a bias-free, BN-free ReLU1 ANN exported from PyTorch), the paper's
 * CIFAR recipe (SPEC section 2: the DFT neuron is a ReLU1 pivoting around `A = 1`).
 */
import { createRng, deriveSeed } from '../kernel/rng.js';
import { importNetwork } from '../model/import.js';
import type { Architecture, Network } from '../snn/network.js';
import { UserError } from '../util/errors.js';
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
  }
  return out;
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
