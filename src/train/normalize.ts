/**
 * Data-based normalization of a ReLU network into the ReLU1 network a DFT network starts from
 * (SPEC section 3; Rueckauer et al. 2017). ReLU is positively homogeneous, so scaling a layer's
 * output by `1 / lam` and the next layer's weights by `lam` changes nothing downstream:
 *
 *     W_l' = W_l lam_(l-1) / lam_l,     b_l' = b_l / lam_l      (lam_0 = 1: the input as it is)
 *
 * With `lam_l` the `percentile`-th percentile of layer `l`'s activations on training images, the
 * normalized layer's outputs lie in [0, 1] except for the top `100 - percentile` percent, which
 * the ReLU1 clamp then cuts: the ReLU1 network computes what the ReLU network does, up to those
 * clamps. The output layer keeps `lam = 1` (its scale is the logits', which the readout compares
 * only with each other; the logit scale of the loss is a separate hyperparameter). Max pooling
 * commutes with the scaling.
 */
import { layerBias, type Network } from '../snn/network.js';
import { flattenNetwork } from './init.js';
import { buildPlan } from './plan.js';
import type { FrameSource } from './workspace.js';
import { Workspace } from './workspace.js';

export interface NormalizeOptions {
  /** Percentile of the activations that maps to 1, in (0, 100]. */
  percentile: number;
  /** Training images the activations are measured on (the first ones, in file order). */
  images: number;
}

export interface NormalizeResult {
  net: Network;
  /** `lam` of every layer (1 for pool, flatten and the output layer). */
  scales: number[];
}

/** The `q`-th percentile (0..100) of `v` (sorted in place), by linear interpolation. */
export function percentile(v: Float32Array, q: number): number {
  if (v.length === 0) return 0;
  v.sort();
  const pos = (q / 100) * (v.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(v.length - 1, lo + 1);
  return v[lo]! + (pos - lo) * (v[hi]! - v[lo]!);
}

/**
 * Normalizes `net` (read as a ReLU network: hidden layers `max(A, 0)`, biases as they are) on
 * the first `opts.images` frames of `src`. A layer whose percentile is 0 (never active) keeps
 * `lam = 1`.
 */
export function normalizeRelu(
  net: Network,
  src: FrameSource,
  count: number,
  opts: NormalizeOptions,
): NormalizeResult {
  const arch = net.arch;
  const plan = buildPlan(arch, 'ann', { annActivation: 'relu' });
  const params = flattenNetwork(plan, net);
  const n = Math.min(count, opts.images);
  const chunk = 64;
  const ws = new Workspace(plan, Math.min(chunk, Math.max(1, n)));
  const last = plan.steps.length - 1;
  const hidden = plan.steps.filter((s) => s.paramOffset >= 0 && s.index !== last);
  const values = new Map(hidden.map((s) => [s.index, new Float32Array(n * s.outSize)]));
  for (let f = 0; f < n; f += chunk) {
    const k = Math.min(chunk, n - f);
    ws.load(src, null, f, k);
    ws.forward(params, new Float32Array(0), false);
    for (const s of hidden) {
      values
        .get(s.index)!
        .set(ws.stage[s.index + 1]!.f32.subarray(0, k * s.outSize), f * s.outSize);
    }
  }
  const scales = arch.layers.map(() => 1);
  for (const s of hidden) {
    const lam = percentile(values.get(s.index)!, opts.percentile);
    scales[s.index] = lam > 0 ? lam : 1;
  }
  const weights = net.weights.map((w) => w.slice());
  const biases = arch.layers.map((_, i) => layerBias(net, i)?.slice() ?? null);
  let prev = 1;
  for (const s of plan.steps) {
    if (s.paramOffset < 0) continue;
    const lam = scales[s.index]!;
    const w = weights[s.index]!;
    for (let k = 0; k < w.length; k++) w[k] = (w[k]! * prev) / lam;
    const b = biases[s.index];
    if (b) for (let c = 0; c < b.length; c++) b[c] = b[c]! / lam;
    prev = lam;
  }
  const out: Network = { arch, weights };
  if (biases.some((b) => b !== null)) out.biases = biases;
  return { net: out, scales };
}
