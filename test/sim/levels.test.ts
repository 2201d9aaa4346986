import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultHardwareConfig } from '../../src/hardware/config.js';
import type { SimFrameResult } from '../../src/sim/frameResult.js';
import { simulateFrames } from '../../src/sim/run.js';
import { prepareSimulation } from '../../src/sim/setup.js';
import type { Architecture, Network } from '../../src/snn/network.js';
import { quantizeNetwork } from '../../src/snn/quantize.js';
import { prepareNetwork, referenceForward } from '../../src/snn/reference.js';
import { networkAndInputArb } from '../../src/testing/index.js';
import { ExactForward } from '../../src/train/exact.js';
import { UserError } from '../../src/util/errors.js';
import { levelOracle } from '../snn/levelOracle.js';

/**
 * Integer weight levels (issue 14, part 1): with k-bit weights the reference, the event-driven
 * simulator and the trainer's evaluator compute on the levels with exact arithmetic, so levels
 * that cancel are silent, and every spike equals the exact integer-level computation
 * (levelOracle.ts, BigInt rationals).
 */

type TimeMode = 'exact' | 'quantized';

/** The simulator's frames, with the smallest core size the mapping accepts from `cores` up. */
function simulate(
  net: Network,
  inputs: Float32Array[],
  timeMode: TimeMode,
  steps: number,
  bits: number,
  cores = 1024,
): SimFrameResult[] {
  const hw = defaultHardwareConfig();
  hw.timing.stepsPerWindow = steps;
  for (let n = cores; ; n *= 2) {
    hw.chip.neuronsPerCore = n;
    try {
      const setup = prepareSimulation(net, hw, { timeMode, weightBits: bits });
      const out: SimFrameResult[] = [];
      simulateFrames(setup, inputs, {}, (r) => out.push(r));
      return out;
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
    }
  }
}

const pixelArch = (layers: Architecture['layers'], w: number, h = 1): Architecture => ({
  input: { c: 1, h, w },
  encoding: { kind: 'pixel', maxValue: 255 },
  layers,
  readout: 'first-spike',
});

describe('levels that cancel exactly (3 + 4 - 7 with equal inputs, scale 0.13, 4 bits)', () => {
  const s = 0.13;
  const dense: Network = {
    arch: pixelArch(
      [
        { kind: 'flatten', name: 'flatten' },
        { kind: 'dense', name: 'fc1', units: 2 },
        { kind: 'dense', name: 'fc2', units: 2 },
      ],
      3,
    ),
    // fc1: unit 0 has levels 3, 4, -7 (A + W = 0: silent), unit 1 fires on level 1;
    // fc2 reads both, so a spurious fc1 spike would change fc2's spikes.
    weights: [
      new Float32Array(0),
      Float32Array.from([3 * s, 4 * s, -7 * s, s, 0, 0]),
      Float32Array.from([7 * s, 2 * s, -7 * s, 5 * s].map((x) => x * 3)),
    ],
  };
  const conv: Network = {
    arch: pixelArch(
      [
        { kind: 'conv', name: 'conv1', outChannels: 2, kernel: 3, stride: 1, padding: 0 },
        { kind: 'flatten', name: 'flatten' },
        { kind: 'dense', name: 'fc1', units: 2 },
      ],
      3,
      3,
    ),
    weights: [
      Float32Array.from([3, 0, 4, 0, -7, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0].map((x) => x * s)),
      new Float32Array(0),
      Float32Array.from([7 * s, 2 * s, -7 * s, 5 * s]),
    ],
  };

  for (const [name, net] of [
    ['dense', dense],
    ['conv', conv],
  ] as const) {
    it(`${name}: silent in exact time in the reference, the simulator and the trainer's evaluator`, () => {
      const q = quantizeNetwork(net, 4);
      const lv = q.levels!.layers.find((l) => l !== null)!;
      expect(Array.from(lv.weights).filter((x) => x !== 0)).toEqual([3, 4, -7, 1]);
      const size = net.arch.input.h * net.arch.input.w;
      for (const p of [50, 77, 128, 200]) {
        const input = new Float32Array(size).fill(p);
        const ref = referenceForward(prepareNetwork(q), input);
        const cancelStage = 1 + net.arch.layers.findIndex((l) => l.kind !== 'flatten');
        expect(ref.tau[cancelStage]![0]).toBe(0); // the cancelling neuron
        expect(ref.tau[cancelStage]!.some((t) => t > 0)).toBe(true); // its neighbour fires
        const sim = simulate(net, [input], 'exact', 10, 4)[0]!;
        expect(sim.tau).toEqual(ref.tau);
        const taus: Float64Array[] = [];
        const ex = new ExactForward(q, null).frame(input, taus);
        expect(ex.decision).toBe(ref.decision);
        expect(taus[1]![0]).toBe(0);
        expect(taus.at(-1)).toEqual(ref.tau.at(-1));
        // Float products float32(q s) tau do not cancel: the same network without its levels
        // fires the neuron just before the window end (the defect this fixes).
        const { levels: _, ...asFloats } = q;
        const old = referenceForward(prepareNetwork(asFloats), input);
        expect(old.tau[cancelStage]![0]).toBeGreaterThan(0);
        expect(old.tau[cancelStage]![0]).toBeLessThan(1e-6);
      }
    });
  }

  it('also in quantized time, and the oracle agrees', () => {
    const q = quantizeNetwork(dense, 4);
    const input = new Float32Array(3).fill(128);
    for (const steps of [null, 10]) {
      const ref = referenceForward(prepareNetwork(q), input, { stepsPerWindow: steps });
      expect(ref.tau[2]![0]).toBe(0);
      expect(ref.tau).toEqual(levelOracle(q, input, steps).tau);
    }
  });
});

describe('every spike equals the exact integer-level computation', () => {
  it('random networks (conv, pool, dense, biases, both encodings, both readouts), 2- to 8-bit weights, exact and quantized time: reference, simulator and trainer evaluator', () => {
    let cancelled = 0;
    fc.assert(
      fc.property(
        networkAndInputArb({ encoding: 'any', bias: true }),
        fc.integer({ min: 2, max: 8 }),
        fc.constantFrom<TimeMode>('exact', 'exact', 'quantized'),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 3, max: 40 }),
        ({ net, input }, bits, timeMode, n, cores) => {
          const steps = timeMode === 'exact' ? null : n;
          const q = quantizeNetwork(net, bits);
          const want = levelOracle(q, input, steps);
          const ref = referenceForward(prepareNetwork(q), input, { stepsPerWindow: steps });
          expect(ref.tau).toEqual(want.tau);
          expect(ref.decision).toBe(want.decision);
          const sim = simulate(net, [input], timeMode, n, bits, cores)[0]!;
          expect(sim.tau).toEqual(want.tau);
          expect(sim.decision).toBe(want.decision);
          const taus: Float64Array[] = [];
          const ex = new ExactForward(q, steps).frame(input, taus);
          expect(ex.decision).toBe(want.decision);
          const weighted = want.tau.filter(
            (_, s) => s === 0 || ['conv', 'dense'].includes(net.arch.layers[s - 1]!.kind),
          );
          const first = net.arch.encoding.kind === 'direct' ? 1 : 0;
          expect(taus).toEqual(weighted.slice(first));
          // neurons whose levels cancel exactly with inputs spiking (A + W = 0): silent
          cancelled += want.cancelled;
        },
      ),
      { numRuns: 200, seed: 14 },
    );
    expect(cancelled).toBeGreaterThan(100);
  });
});
