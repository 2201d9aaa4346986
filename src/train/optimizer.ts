/**
 * Adam and AdamW (PyTorch semantics) over the flat weight vector, and the milestone schedule.
 *
 *     m = b1 m + (1 - b1) g,   v = b2 v + (1 - b2) g^2
 *     w -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
 *
 * Adam adds `weightDecay * w` to `g` (L2); AdamW instead shrinks `w *= 1 - lr weightDecay`
 * before the step (decoupled decay). Weights and moments are stored as float32 (computed in
 * double, rounded once per step), so a checkpoint holds the whole state exactly.
 */

export type OptimizerKind = 'adam' | 'adamw';

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
}

export function defaultOptimizerConfig(kind: OptimizerKind = 'adam'): OptimizerConfig {
  return {
    kind,
    lr: 1e-3,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    weightDecay: kind === 'adamw' ? 1e-2 : 0,
    milestones: [],
    gamma: 0.1,
  };
}

/** Learning rate of epoch `epoch` (0-based): `lr * gamma^(number of milestones <= epoch)`. */
export function learningRate(cfg: OptimizerConfig, epoch: number): number {
  let lr = cfg.lr;
  for (const m of cfg.milestones) if (epoch >= m) lr *= cfg.gamma;
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
