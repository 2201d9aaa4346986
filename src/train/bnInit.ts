/**
 * Batch norm put back into a transferred DFT network, as an identity to start from: for the
 * SNN phase with `snnBatchNorm`, each hidden layer's bias `b` becomes batch norm with the
 * per-channel statistics of its sums `A` measured on training images,
 *
 *     gamma = sqrt(var(A) + eps),   beta = mean(A),   running mean = mean(A) - b,
 *     running var = var(A)
 *
 * so that in evaluation `gamma (A - b - mean(A - b)) / sqrt(var + eps) + beta = A` exactly: the
 * network computes what it did before, and training then adapts every layer's operating point
 * (batch statistics, SPEC section 3: `A' = g (A - mean) + beta`, `W' = g (W - mean) + beta`).
 * At the end the batch norm is folded back into weights and biases.
 */
import type { Network } from '../snn/network.js';
import { BN_EPS } from './batchnorm.js';
import { flattenNetwork } from './init.js';
import { buildPlan, type TrainPlan } from './plan.js';
import { type FrameSource, Workspace } from './workspace.js';

/** Parameters and running statistics of `bnPlan` (an SNN plan with batch norm) from `net`. */
export function batchNormInit(
  bnPlan: TrainPlan,
  net: Network,
  src: FrameSource,
  count: number,
  images: number,
): { params: Float32Array; stats: Float32Array } {
  const plain = buildPlan(net.arch, 'snn', { bias: true });
  const p0 = flattenNetwork(plain, net);
  const n = Math.min(count, images);
  const chunk = 64;
  const ws = new Workspace(plain, Math.min(chunk, Math.max(1, n)));
  const sum = plain.steps.map((s) => new Float64Array(s.channels));
  const sq = plain.steps.map((s) => new Float64Array(s.channels));
  let rows = plain.steps.map(() => 0);
  for (let f = 0; f < n; f += chunk) {
    const k = Math.min(chunk, n - f);
    ws.load(src, null, f, k);
    ws.forward(p0, new Float32Array(0), false);
    rows = rows.map((r, i) => {
      const s = plain.steps[i]!;
      if (bnPlan.steps[i]!.gammaOffset < 0) return r;
      const z = ws.preActivation(i);
      for (let q = 0; q < z.rows; q++) {
        for (let c = 0; c < s.channels; c++) {
          const v = z.values[q * z.ld + c]!;
          sum[i]![c]! += v;
          sq[i]![c]! += v * v;
        }
      }
      return r + z.rows;
    });
  }
  const params = new Float32Array(bnPlan.paramCount);
  const stats = new Float32Array(bnPlan.statsCount);
  for (const s of bnPlan.steps) {
    if (s.paramOffset < 0) continue;
    const ps = plain.steps[s.index]!;
    params.set(p0.subarray(ps.paramOffset, ps.paramOffset + ps.paramCount), s.paramOffset);
    const b = p0.subarray(ps.biasOffset, ps.biasOffset + s.channels);
    if (s.gammaOffset < 0) {
      if (s.biasOffset >= 0) params.set(b, s.biasOffset);
      continue;
    }
    const R = Math.max(1, rows[s.index]!);
    for (let c = 0; c < s.channels; c++) {
      const mean = sum[s.index]![c]! / R;
      const variance = Math.max(0, sq[s.index]![c]! / R - mean * mean);
      params[s.gammaOffset + c] = Math.sqrt(variance + BN_EPS);
      params[s.betaOffset + c] = mean;
      stats[s.statsOffset + c] = mean - b[c]!;
      stats[s.statsOffset + s.channels + c] = variance;
    }
  }
  return { params, stats };
}
