import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/kernel/rng.js';
import type { Architecture, Network } from '../../src/snn/network.js';
import { prepareNetwork, referenceForward } from '../../src/snn/reference.js';
import { archArb, inputArb, weightsArb } from '../../src/testing/index.js';
import { flattenWeights } from '../../src/train/init.js';
import { buildPlan, layerViews } from '../../src/train/plan.js';
import { Workspace } from '../../src/train/workspace.js';
import { pieceSignature, referenceLoss, smallArch, trainerGradient } from './helpers.js';

function randomNetwork(arch: Architecture, seed: number): Network {
  const plan = buildPlan(arch, 'snn');
  const rng = createRng(seed);
  const weights = plan.steps.map((s) => {
    if (s.paramOffset < 0) return new Float32Array(0);
    const fanIn = s.paramCount / s.outShape.c;
    const std = 1.2 / Math.sqrt(fanIn);
    return Float32Array.from({ length: s.paramCount }, () => std * (rng.normal() + 0.4));
  });
  return { arch, weights };
}

function randomInputs(arch: Architecture, frames: number, seed: number): Float32Array[] {
  const rng = createRng(seed);
  const n = arch.input.c * arch.input.h * arch.input.w;
  return Array.from({ length: frames }, () =>
    Float32Array.from({ length: n }, () => (rng.next() < 0.35 ? 0 : 1 + rng.int(255))),
  );
}

/**
 * Compares the analytic gradient of every weight in `indices` with central finite differences
 * of the reference forward loss, skipping weights whose perturbation changes the piece (a
 * neuron's case or a pooling winner). Returns how many were compared.
 */
function checkGradients(
  net: Network,
  inputs: Float32Array[],
  labels: number[],
  scale: number,
  indices: number[] | null,
): number {
  const plan = buildPlan(net.arch, 'snn');
  const { grad, loss } = trainerGradient(net, inputs, labels, scale);
  // the workspace computes in float32: the loss agrees to about 1e-6 relative
  expect(loss).toBeCloseTo(referenceLoss(net, inputs, labels, scale), 4);
  const base = pieceSignature(net, inputs);
  const flat = flattenWeights(plan, net.weights);
  let compared = 0;
  const eps = 1e-3;
  for (const k of indices ?? Array.from({ length: plan.paramCount }, (_, i) => i)) {
    const perturbed = (delta: number): { net: Network; w: number } => {
      const f = flat.slice();
      f[k] = flat[k]! + delta;
      return { net: { arch: net.arch, weights: layerViews(plan, f) }, w: f[k]! };
    };
    const plus = perturbed(eps);
    const minus = perturbed(-eps);
    if (pieceSignature(plus.net, inputs) !== base) continue;
    if (pieceSignature(minus.net, inputs) !== base) continue;
    const fd =
      (referenceLoss(plus.net, inputs, labels, scale) -
        referenceLoss(minus.net, inputs, labels, scale)) /
      (plus.w - minus.w);
    expect(Math.abs(fd - grad[k]!)).toBeLessThanOrEqual(2e-4 + 5e-3 * Math.abs(fd));
    compared++;
  }
  return compared;
}

describe('analytic gradients (Eq. 9-10) against finite differences of the reference loss', () => {
  for (const readout of ['first-spike', 'membrane'] as const) {
    it(`whole conv-pool-conv-pool-dense-dense network, ${readout} readout`, () => {
      const arch = smallArch(readout);
      const net = randomNetwork(arch, 7);
      const inputs = randomInputs(arch, 3, 11);
      const labels = [0, 2, 1];
      const scale = readout === 'membrane' ? 1 : 5;
      const compared = checkGradients(net, inputs, labels, scale, null);
      const plan = buildPlan(arch, 'snn');
      // most weights are away from a boundary; the check must have covered every layer
      expect(compared).toBeGreaterThan(plan.paramCount * 0.5);
      const { grad } = trainerGradient(net, inputs, labels, scale);
      for (const s of plan.steps) {
        if (s.paramOffset < 0) continue;
        const g = grad.subarray(s.paramOffset, s.paramOffset + s.paramCount);
        expect(g.some((v) => v !== 0)).toBe(true);
      }
    });
  }

  // Dyadic weights and inputs (multiples of 1/64): the reference's fixed-point sums are then
  // exact and equal the trainer's real-valued ones, so no neuron sits on a case boundary in one
  // and off it in the other (with arbitrary reals, a weight of 1e-45 rounds to 0 in fixed point).
  it('random architectures (stride, padding, direct encoding, both readouts)', () => {
    const arb = archArb({ encoding: 'any', maxLayers: 2, dyadic: true }).chain((arch) =>
      fc.record({
        net: weightsArb(arch, true).map((weights) => ({ arch, weights })),
        inputs: fc.array(inputArb(arch, true), { minLength: 2, maxLength: 2 }),
        label: fc.nat(),
        pick: fc.array(fc.nat(), { minLength: 12, maxLength: 12 }),
      }),
    );
    fc.assert(
      fc.property(arb, ({ net, inputs, label, pick }) => {
        const plan = buildPlan(net.arch, 'snn');
        const labels = inputs.map((_, f) => (label + f) % plan.outputSize);
        const indices = [...new Set(pick.map((p) => p % plan.paramCount))];
        checkGradients(net, inputs, labels, 3, indices);
      }),
      { numRuns: 40, seed: 20231001 },
    );
  });
});

describe('trainer forward pass', () => {
  // Dyadic weights and inputs keep the first layer exact in both; deeper layers see taus that
  // the reference rounds to its 2^-32 accumulator grid and the trainer to float32, hence the
  // 1e-5 tolerance.
  it('equals the reference forward pass (tau of every stage, membrane, spikes)', () => {
    const arb = archArb({ encoding: 'any', maxLayers: 3, dyadic: true }).chain((arch) =>
      fc.record({
        net: weightsArb(arch, true).map((weights) => ({ arch, weights })),
        inputs: fc.array(inputArb(arch, true), { minLength: 3, maxLength: 3 }),
      }),
    );
    fc.assert(
      fc.property(arb, ({ net, inputs }) => {
        const plan = buildPlan(net.arch, 'snn');
        const prep = prepareNetwork(net);
        const ws = new Workspace(plan, inputs.length);
        const images = new Float32Array(inputs.length * plan.inputSize);
        inputs.forEach((x, f) => {
          images.set(x, f * plan.inputSize);
        });
        ws.load({ images, labels: new Uint8Array(inputs.length) }, null, 0, inputs.length);
        const spikes = ws.forward(flattenWeights(plan, net.weights), new Float32Array(0), true);
        let refSpikes = 0;
        inputs.forEach((x, f) => {
          const r = referenceForward(prep, x);
          refSpikes += r.weightedSpikes;
          for (let s = 1; s < r.tau.length; s++) {
            const mine = ws.stageCHW(s, f);
            for (let i = 0; i < mine.length; i++) {
              expect(Math.abs(mine[i]! - r.tau[s]![i]!)).toBeLessThan(1e-5);
            }
          }
          if (net.arch.readout === 'membrane') {
            const q = ws.logits.subarray(f * plan.outputSize, (f + 1) * plan.outputSize);
            q.forEach((v, i) => {
              expect(Math.abs(v - r.outputMembrane[i]!)).toBeLessThan(1e-5);
            });
          }
        });
        expect(spikes).toBe(refSpikes);
      }),
      { numRuns: 60, seed: 424242 },
    );
  });
});
