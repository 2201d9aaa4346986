/**
 * Neuron activations of the trainer (see plan.ts) and the loss, on float32 buffers.
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
import type { Buf, Kernels } from './wasm/kernels.js';

/**
 * The buffers of one weighted layer: `y` holds `rows` rows of `ld` floats for `A` and, when
 * `dual`, another `rows` rows for `W` right after; `out` holds the layer's output compactly,
 * `rows x channels` (NHWC).
 */
export interface ActShape {
  rows: number;
  channels: number;
  ld: number;
  dual: boolean;
}

/**
 * Applies the activation (WebAssembly kernels): reads `y`, writes `out`. For `membrane` and
 * `linear` (output layers without spikes) `out` receives 0: the stage has no spikes; the logits
 * come from {@link outputLogits}. Returns the number of nonzero outputs (spikes).
 */
export function activate(k: Kernels, act: Activation, y: Buf, out: Buf, sh: ActShape): number {
  const { rows, channels: C, ld } = sh;
  switch (act) {
    case 'dft':
    case 'first-spike':
      return k.k.dftForward(y.ptr, rows, ld, C, out.ptr);
    case 'relu1':
      return k.k.clampForward(y.ptr, rows, ld, C, 1, out.ptr);
    case 'relu':
      return k.k.clampForward(y.ptr, rows, ld, C, Number.POSITIVE_INFINITY, out.ptr);
    case 'membrane':
    case 'linear':
      out.f32.fill(0, 0, rows * C);
      return 0;
  }
}

/** The output layer's logits before the logit scale (tau, `V = A + W` or `A`), `rows x C`. */
export function outputLogits(
  act: Activation,
  y: Float32Array,
  out: Float32Array,
  sh: ActShape,
  logits: Float64Array,
): void {
  const { rows, channels: C, ld } = sh;
  const wOff = rows * ld;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < C; c++) {
      const o = r * ld + c;
      logits[r * C + c] =
        act === 'membrane' ? y[o]! + y[wOff + o]! : act === 'linear' ? y[o]! : out[r * C + c]!;
    }
  }
}

/**
 * Turns `g = dL/d(output)` (compact, `rows x C`) into the gradients of the sums, `gy` (laid out
 * like `y`): `gA = dL/dA` and, when dual, `gW = dL/dW`. For the output layer `g` is
 * `dL/d(logit)`. DFT neuron, inside case only (Eq. 9-10 in tau form):
 * `d tau / d A = 1 / (1 + W)`, `d tau / d W = (1 - tau) / (1 + W)`; with `dftGradFloor > 0`
 * the denominator is `max(1 + W, dftGradFloor)` (a bounded surrogate near `W = -1`).
 */
export function activationBackward(
  k: Kernels,
  act: Activation,
  g: Buf,
  y: Buf,
  out: Buf,
  gy: Buf,
  sh: ActShape,
  wPenalty = 0,
  dftGradFloor = 0,
): void {
  const { rows, channels: C, ld, dual } = sh;
  if (dual && act !== 'dft' && act !== 'first-spike' && act !== 'membrane') {
    // an ANN layer computing W only for the penalty: dL/dW = wPenalty * W (the caller's scale)
    const y32 = y.f32;
    const g32 = gy.f32;
    const off = rows * ld;
    for (let k = off; k < 2 * off; k++) g32[k] = wPenalty * y32[k]!;
  }
  switch (act) {
    case 'dft':
    case 'first-spike':
      k.k.dftBackward(g.ptr, y.ptr, out.ptr, gy.ptr, rows, ld, C, dftGradFloor);
      return;
    case 'relu1':
      k.k.clampBackward(g.ptr, y.ptr, gy.ptr, rows, ld, C, 1);
      return;
    case 'relu':
      k.k.clampBackward(g.ptr, y.ptr, gy.ptr, rows, ld, C, Number.POSITIVE_INFINITY);
      return;
    case 'membrane':
    case 'linear': {
      // logit = A + W (membrane) or A (linear)
      const gf = g.f32;
      const gyf = gy.f32;
      const wOff = rows * ld;
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < C; c++) {
          const v = gf[r * C + c]!;
          gyf[r * ld + c] = v;
          if (act === 'membrane') gyf[wOff + r * ld + c] = v;
        }
      }
    }
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
