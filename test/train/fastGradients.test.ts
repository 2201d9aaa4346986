import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/kernel/rng.js';
import type { Architecture } from '../../src/snn/network.js';
import { archArb } from '../../src/testing/index.js';
import { buildPlan, type NetMode, type PlanOptions, type TrainPlan } from '../../src/train/plan.js';
import { Workspace } from '../../src/train/workspace.js';
import { smallArch } from './helpers.js';
import { oracleForward } from './oracle.js';

/** Random parameters: weights with a positive mean (so that layers fire), biases, BN. */
function randomParams(plan: TrainPlan, seed: number): Float64Array {
  const rng = createRng(seed);
  const p = new Float64Array(plan.paramCount);
  for (const s of plan.steps) {
    if (s.paramOffset < 0) continue;
    const fanIn = s.paramCount / s.channels;
    const std = 1.2 / Math.sqrt(fanIn);
    for (let k = 0; k < s.paramCount; k++) p[s.paramOffset + k] = std * (rng.normal() + 0.4);
    for (let c = 0; c < s.channels; c++) {
      if (s.biasOffset >= 0) p[s.biasOffset + c] = 0.3 * rng.normal();
      if (s.gammaOffset >= 0) p[s.gammaOffset + c] = 0.5 + 0.5 * rng.next();
      if (s.betaOffset >= 0) p[s.betaOffset + c] = 0.2 + 0.4 * rng.normal();
    }
  }
  return p;
}

function randomFrames(plan: TrainPlan, n: number, seed: number): Float32Array[] {
  const rng = createRng(seed);
  const direct = plan.arch.encoding.kind === 'direct';
  return Array.from({ length: n }, () =>
    Float32Array.from({ length: plan.inputSize }, () =>
      rng.next() < 0.35 ? 0 : direct ? rng.next() : 1 + rng.int(255),
    ),
  );
}

/** The workspace's loss and flat gradient (one shard holding every frame). */
function fastGradient(
  plan: TrainPlan,
  p: Float64Array,
  frames: Float32Array[],
  labels: number[],
  scale: number,
) {
  const n = frames.length;
  const ws = new Workspace(plan, n);
  const images = new Float32Array(n * plan.inputSize);
  frames.forEach((x, f) => {
    images.set(x, f * plan.inputSize);
  });
  ws.load({ images, labels: Uint8Array.from(labels) }, null, 0, n);
  const params = Float32Array.from(p);
  ws.forward(params, new Float32Array(plan.statsCount), true);
  const r = ws.loss(labels, 0, { logitScale: scale }, 1 / n);
  const grad = new Float64Array(plan.paramCount);
  ws.backward(params, grad);
  return { ws, grad, loss: r.lossSum / n };
}

/**
 * Compares the workspace's gradient with central differences of the oracle's loss for the
 * parameters `indices`, where the perturbation keeps every neuron's case and pooling winner.
 * Returns how many were compared.
 */
function check(
  plan: TrainPlan,
  p: Float64Array,
  frames: Float32Array[],
  labels: number[],
  scale: number,
  indices: number[],
): number {
  // the oracle works on float32-rounded parameters, as the workspace does
  const p32 = Float64Array.from(Float32Array.from(p));
  const base = oracleForward(plan, p32, frames, labels, scale);
  const { grad, loss } = fastGradient(plan, p32, frames, labels, scale);
  expect(Math.abs(loss - base.loss)).toBeLessThan(1e-4 * (1 + base.loss));
  let compared = 0;
  const eps = 1e-4;
  for (const k of indices) {
    const q = p32.slice();
    q[k] = p32[k]! + eps;
    const plus = oracleForward(plan, q, frames, labels, scale);
    q[k] = p32[k]! - eps;
    const minus = oracleForward(plan, q, frames, labels, scale);
    if (plus.piece !== base.piece || minus.piece !== base.piece) continue;
    const fd = (plus.loss - minus.loss) / (2 * eps);
    expect(Math.abs(fd - grad[k]!), `parameter ${k}`).toBeLessThanOrEqual(
      2e-4 + 5e-3 * Math.abs(fd),
    );
    compared++;
  }
  return compared;
}

const cases: { name: string; mode: NetMode; opts: PlanOptions }[] = [
  { name: 'DFT network with biases', mode: 'snn', opts: { bias: true } },
  { name: 'DFT network with batch norm', mode: 'snn', opts: { batchNorm: true } },
  {
    name: 'ReLU ANN with batch norm',
    mode: 'ann',
    opts: { batchNorm: true, annActivation: 'relu' },
  },
  { name: 'ReLU1 ANN with biases', mode: 'ann', opts: { bias: true } },
  {
    name: 'ReLU1 ANN with batch norm and the W penalty',
    mode: 'ann',
    opts: { batchNorm: true, wPenalty: 0.3 },
  },
];

describe('trainer gradients (float32 GEMM kernels) against finite differences of a float64 oracle', () => {
  for (const c of cases) {
    for (const readout of ['membrane', 'first-spike'] as const) {
      it(`${c.name}, every parameter of a conv-pool-conv-pool-dense-dense network, ${readout}`, () => {
        const arch = smallArch(readout);
        const plan = buildPlan(arch, c.mode, c.opts);
        const p = randomParams(plan, 3);
        const frames = randomFrames(plan, 4, 5);
        const labels = [0, 2, 1, 2];
        const all = Array.from({ length: plan.paramCount }, (_, i) => i);
        const compared = check(plan, p, frames, labels, readout === 'membrane' ? 1 : 4, all);
        expect(compared).toBeGreaterThan(plan.paramCount * 0.4);
      });
    }
  }

  it('random architectures (stride, padding, direct encoding), biases and batch norm', () => {
    const arb = archArb({ encoding: 'any', maxLayers: 2 }).chain((arch: Architecture) =>
      fc.record({
        arch: fc.constant(arch),
        mode: fc.constantFrom<NetMode>('snn', 'ann'),
        bn: fc.boolean(),
        seed: fc.nat(),
        pick: fc.array(fc.nat(), { minLength: 16, maxLength: 16 }),
      }),
    );
    fc.assert(
      fc.property(arb, ({ arch, mode, bn, seed, pick }) => {
        const plan = buildPlan(arch, mode, {
          batchNorm: bn,
          bias: !bn,
          annActivation: bn ? 'relu' : 'relu1',
        });
        const p = randomParams(plan, seed);
        const frames = randomFrames(plan, 3, seed + 1);
        const labels = frames.map((_, f) => (seed + f) % plan.outputSize);
        const indices = [...new Set(pick.map((x) => x % plan.paramCount))];
        check(plan, p, frames, labels, 3, indices);
      }),
      { numRuns: 40, seed: 20261207 },
    );
  });
});
