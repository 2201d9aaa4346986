/**
 * Initial weights: seeded Kaiming-normal (scaled), or weights loaded from a model or a
 * safetensors file (e.g. a bias-free, BN-free ReLU1 ANN exported from PyTorch), the paper's
 * CIFAR recipe (SPEC section 2: the DFT neuron is a ReLU1 pivoting around `A = 1`).
 */
import { existsSync } from 'node:fs';
import { createRng, deriveSeed } from '../kernel/rng.js';
import { loadModel, networkFromSafetensors } from '../model/load.js';
import { readSafetensors } from '../model/safetensors.js';
import { type Architecture, stages, weightShape } from '../snn/network.js';
import { inFile, UserError } from '../util/errors.js';
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
 * Initial weights from a file: a model manifest (`.json`, its weights) or a safetensors file.
 * Tensors are matched by name (`<layer>.weight`); failing that, the `*.weight` tensors of the
 * file are matched to the weighted layers in file order when every shape agrees (a PyTorch
 * `nn.Sequential` export names them `0.weight`, `3.weight`, ...).
 */
export function loadInitWeights(arch: Architecture, path: string): Float32Array[] {
  if (!existsSync(path)) throw inFile(path, 'initial weights not found');
  if (path.endsWith('.json')) {
    const m = loadModel(path);
    if (m.network === null)
      throw inFile(path, 'weights: the manifest has no weights to start from');
    const same =
      JSON.stringify(m.arch.layers) === JSON.stringify(arch.layers) &&
      JSON.stringify(m.arch.input) === JSON.stringify(arch.input);
    if (!same) throw inFile(path, 'layers: architecture differs from the model being trained');
    return m.network.weights;
  }
  const file = readSafetensors(path);
  try {
    return networkFromSafetensors(arch, file, path).weights;
  } catch (err) {
    const st = stages(arch);
    const wanted = arch.layers
      .map((l, i) => ({ i, shape: weightShape(l, st[i]!.shape) }))
      .filter((x) => x.shape !== null);
    const tensors = [...file.tensors.values()].filter((t) => t.name.endsWith('.weight'));
    const ok =
      tensors.length === wanted.length &&
      tensors.every((t, k) => JSON.stringify(t.shape) === JSON.stringify(wanted[k]!.shape)) &&
      [...file.tensors.keys()].every((n) => n.endsWith('.weight'));
    if (!ok) throw err;
    const renamed = new Map(
      tensors.map((t, k) => {
        const name = `${arch.layers[wanted[k]!.i]!.name}.weight`;
        return [name, { ...t, name }] as const;
      }),
    );
    return networkFromSafetensors(arch, { tensors: renamed, metadata: file.metadata }, path)
      .weights;
  }
}
