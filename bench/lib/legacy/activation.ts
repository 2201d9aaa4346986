// Frozen copy of the trainer's kernels before the WebAssembly GEMM rewrite (src/train/ at commit
// a14e79d: float64, event-style scatter, one frame at a time, CHW), kept only so that
// bench/train.ts measures today's kernels against them in one run. Not used by ttfsim.
/**
 * Neuron activations of the trainer (see plan.ts) and the loss.
 *
 * DFT neuron (Eq. 7 in tau form, SPEC section 2), with `A = sum w tau`, `W = sum w` over the
 * spiking inputs: `tau = 1` if `A >= 1` (start), `(A + W) / (1 + W)` if `A + W > 0` (inside,
 * Eq. 6), else 0 (silent). Only the inside case passes gradient:
 *
 *     d tau / d A = 1 / (1 + W)
 *     d tau / d W = (1 - A) / (1 + W)^2 = (1 - tau) / (1 + W)
 *
 * which with `dA/dw_ij = tau_i`, `dW/dw_ij = 1`, `dA/dtau_i = w_ij` gives Eq. 9-10 in tau form:
 * `d tau_j / d w_ij = (tau_i + 1 - tau_j) / (1 + W)` and `d tau_j / d tau_i = w_ij / (1 + W)`.
 */
import type { Activation } from './plan.js';

/**
 * Applies the activation to `n` neurons: reads `a`, `ws`, writes `out`.
 * For `membrane` and `linear` (output layers without spikes) `out` receives 0: the stage has no
 * spikes; the logits come from {@link outputLogit}.
 */
export function activate(
  act: Activation,
  a: Float64Array,
  ws: Float64Array,
  out: Float64Array,
  n: number,
): void {
  switch (act) {
    case 'dft':
    case 'first-spike':
      for (let i = 0; i < n; i++) {
        const A = a[i]!;
        const W = ws[i]!;
        out[i] = A >= 1 ? 1 : A + W > 0 ? (A + W) / (1 + W) : 0;
      }
      return;
    case 'relu1':
      for (let i = 0; i < n; i++) {
        const A = a[i]!;
        out[i] = A <= 0 ? 0 : Math.min(A, 1);
      }
      return;
    case 'membrane':
    case 'linear':
      out.fill(0, 0, n);
      return;
  }
}

/** The quantity the output layer's logits are made of, before the logit scale. */
export function outputLogit(act: Activation, a: number, ws: number, tau: number): number {
  switch (act) {
    case 'membrane':
      return a + ws;
    case 'linear':
      return a;
    default:
      return tau;
  }
}

/**
 * Turns `g = dL/d(output)` into the accumulator gradients, in place: on return `a` holds
 * `gA = dL/dA` and `ws` holds `gW = dL/dW`. `out` is the forward output (tau).
 * For the output layer `g` is `dL/d(outputLogit)`.
 */
export function activationBackward(
  act: Activation,
  g: Float64Array,
  a: Float64Array,
  ws: Float64Array,
  out: Float64Array,
  n: number,
): void {
  switch (act) {
    case 'dft':
    case 'first-spike':
      for (let i = 0; i < n; i++) {
        const A = a[i]!;
        const W = ws[i]!;
        const gi = g[i]!;
        if (A < 1 && A + W > 0 && gi !== 0) {
          const inv = 1 / (1 + W);
          a[i] = gi * inv;
          ws[i] = gi * (1 - out[i]!) * inv;
        } else {
          a[i] = 0;
          ws[i] = 0;
        }
      }
      return;
    case 'relu1':
      for (let i = 0; i < n; i++) {
        const A = a[i]!;
        a[i] = A > 0 && A < 1 ? g[i]! : 0;
        ws[i] = 0;
      }
      return;
    case 'membrane':
      for (let i = 0; i < n; i++) {
        a[i] = g[i]!;
        ws[i] = g[i]!;
      }
      return;
    case 'linear':
      for (let i = 0; i < n; i++) {
        a[i] = g[i]!;
        ws[i] = 0;
      }
      return;
  }
}

export interface LossResult {
  loss: number;
  /** Predicted class, -1 when there is none (first-spike readout with every output silent). */
  decision: number;
}

/**
 * Softmax cross-entropy over `z_c = scale * q_c` for one frame (Eq. 8 with a logit scale:
 * `q = tau = (l + 1) - t`, so `scale * tau` is `-t / T_w` up to a constant for `T_w = 1/scale`).
 * Writes `dL/dq_c * weight` into `gq` (`weight` is 1 / batch size for a batch mean) and returns
 * the loss and the decision of the readout: the largest `q`, ties to the lower index; for
 * `first-spike` a frame whose outputs are all silent has no decision.
 */
export function softmaxCrossEntropy(
  q: Float64Array,
  off: number,
  classes: number,
  label: number,
  scale: number,
  weight: number,
  firstSpike: boolean,
  gq: Float64Array | null,
): LossResult {
  let maxZ = Number.NEGATIVE_INFINITY;
  let best = -1;
  let bestQ = firstSpike ? 0 : Number.NEGATIVE_INFINITY;
  for (let c = 0; c < classes; c++) {
    const v = q[off + c]!;
    if (v > bestQ) {
      bestQ = v;
      best = c;
    }
    const z = scale * v;
    if (z > maxZ) maxZ = z;
  }
  let sum = 0;
  for (let c = 0; c < classes; c++) sum += Math.exp(scale * q[off + c]! - maxZ);
  const logSum = Math.log(sum) + maxZ;
  const loss = logSum - scale * q[off + label]!;
  if (gq !== null) {
    for (let c = 0; c < classes; c++) {
      const p = Math.exp(scale * q[off + c]! - logSum);
      gq[off + c] = (p - (c === label ? 1 : 0)) * scale * weight;
    }
  }
  return { loss, decision: best };
}
