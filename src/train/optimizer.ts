/**
 * Adam, AdamW and SGD with momentum (PyTorch semantics) over the flat parameter vector, and the
 * learning-rate schedules (milestones, cosine).
 *
 *     Adam:  m = b1 m + (1 - b1) g,   v = b2 v + (1 - b2) g^2
 *            w -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
 *     SGD:   m = momentum m + g  (m = g at the first step),   w -= lr (nesterov ? g + momentum m : m)
 *
 * Adam and SGD add `weightDecay * w` to `g` (L2); AdamW instead shrinks `w *= 1 - lr weightDecay`
 * before the step (decoupled decay). Weights and moments are stored as float32 (computed in
 * double, rounded once per step), so a checkpoint holds the whole state exactly.
 */

export type OptimizerKind = 'adam' | 'adamw' | 'sgd';

export interface OptimizerConfig {
  kind: OptimizerKind;
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Epochs (0-based, counted as completed epochs) at which the learning rate is multiplied by `gamma`. */
  milestones: number[];
  gamma: number;
  /** `step` (milestones) or `cosine`: `lr (1 + cos(pi e / E)) / 2` over the run's E epochs, per batch. */
  schedule?: 'step' | 'cosine';
  /** SGD's momentum and Nesterov flag. */
  momentum?: number;
  nesterov?: boolean;
}

export function defaultOptimizerConfig(kind: OptimizerKind = 'adam'): OptimizerConfig {
  return {
    kind,
    lr: 1e-3,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    weightDecay: kind === 'adamw' ? 1e-2 : kind === 'sgd' ? 5e-4 : 0,
    milestones: [],
    gamma: 0.1,
    schedule: 'step',
    momentum: 0.9,
    nesterov: kind === 'sgd',
  };
}

/**
 * Learning rate at `epoch` (0-based, fractional within an epoch) of a run of `epochs`: `step`:
 * `lr * gamma^(number of milestones <= floor(epoch))`; `cosine`: the milestone rate times
 * `(1 + cos(pi epoch / epochs)) / 2` (PyTorch's CosineAnnealingLR to 0, stepped per batch).
 */
export function learningRate(cfg: OptimizerConfig, epoch: number, epochs = 1): number {
  let lr = cfg.lr;
  for (const m of cfg.milestones) if (Math.floor(epoch) >= m) lr *= cfg.gamma;
  if (cfg.schedule === 'cosine') lr *= (1 + Math.cos((Math.PI * epoch) / Math.max(1, epochs))) / 2;
  return lr;
}

export interface OptimizerState {
  /** Steps taken (the `t` of the bias correction). */
  step: number;
  m: Float32Array;
  v: Float32Array;
}

export function createOptimizerState(paramCount: number): OptimizerState {
  return { step: 0, m: new Float32Array(paramCount), v: new Float32Array(paramCount) };
}

/** One optimizer step on `w` (float32, updated in place) with gradient `g` at rate `lr`. */
export function optimizerStep(
  cfg: OptimizerConfig,
  state: OptimizerState,
  w: Float32Array,
  g: Float64Array,
  lr: number,
): void {
  state.step++;
  const t = state.step;
  if (cfg.kind === 'sgd') {
    sgdStep(cfg, state, w, g, lr);
    return;
  }
  const { beta1: b1, beta2: b2, eps, weightDecay: wd } = cfg;
  const c1 = 1 - b1 ** t;
  const c2 = 1 - b2 ** t;
  const decoupled = cfg.kind === 'adamw';
  const { m, v } = state;
  for (let k = 0; k < w.length; k++) {
    let wk = w[k]!;
    let gk = g[k]!;
    if (wd !== 0) {
      if (decoupled) wk *= 1 - lr * wd;
      else gk += wd * wk;
    }
    const mk = b1 * m[k]! + (1 - b1) * gk;
    const vk = b2 * v[k]! + (1 - b2) * gk * gk;
    m[k] = mk;
    v[k] = vk;
    w[k] = wk - (lr * (mk / c1)) / (Math.sqrt(vk / c2) + eps);
  }
}

function sgdStep(
  cfg: OptimizerConfig,
  state: OptimizerState,
  w: Float32Array,
  g: Float64Array,
  lr: number,
): void {
  const mu = cfg.momentum ?? 0.9;
  const wd = cfg.weightDecay;
  const nesterov = cfg.nesterov ?? false;
  const first = state.step === 1;
  const { m } = state;
  for (let k = 0; k < w.length; k++) {
    const wk = w[k]!;
    const gk = g[k]! + wd * wk;
    const mk = first ? gk : mu * m[k]! + gk;
    m[k] = mk;
    w[k] = wk - lr * (nesterov ? gk + mu * mk : mk);
  }
}
