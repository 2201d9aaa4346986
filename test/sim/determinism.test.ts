import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultHardwareConfig } from '../../src/hardware/config.js';
import { SOP_MAGIC, SOP_ONE } from '../../src/sim/core.js';
import type { SimFrameResult } from '../../src/sim/frameResult.js';
import { simulateFrames } from '../../src/sim/run.js';
import { prepareSimulation } from '../../src/sim/setup.js';
import { untrainedNetwork } from '../../src/sim/untrained.js';
import { ACC_ONE, toAcc } from '../../src/snn/neuron.js';
import { archArb, inputArb, networkAndInputArb } from '../../src/testing/index.js';

describe('SOP rounding', () => {
  it('the inlined round in the SOP loops is toAcc, bit for bit', () => {
    expect(SOP_ONE).toBe(ACC_ONE);
    fc.assert(
      fc.property(
        fc.float({ noNaN: true, noDefaultInfinity: true, min: -64, max: 64 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (w, tau) => {
          expect(w * (tau * SOP_ONE) + SOP_MAGIC - SOP_MAGIC).toBe(toAcc(w * tau));
          expect(w * SOP_ONE + SOP_MAGIC - SOP_MAGIC).toBe(toAcc(w));
        },
      ),
      { numRuns: 2000, seed: 3 },
    );
  });
});

function run(seedCase: { net: Parameters<typeof prepareSimulation>[0]; inputs: Float32Array[] }) {
  const hw = defaultHardwareConfig();
  hw.chip.neuronsPerCore = 64;
  const setup = prepareSimulation(seedCase.net, hw, {});
  const frames: SimFrameResult[] = [];
  const trace: number[][] = [];
  const summary = simulateFrames(
    setup,
    seedCase.inputs,
    { onSpike: (f, s, n, t, ns) => trace.push([f, s, n, t, ns]) },
    (r) => frames.push(r),
  );
  return { frames, trace, summary };
}

describe('determinism', () => {
  it('the same network, inputs and options give identical results, traces and NoC statistics', () => {
    fc.assert(
      fc.property(
        networkAndInputArb({ encoding: 'any' }).chain(({ net, input }) =>
          fc.record({
            net: fc.constant(net),
            inputs: fc.array(inputArb(net.arch), { maxLength: 2 }).map((m) => [input, ...m]),
          }),
        ),
        (c) => {
          const a = run(c);
          const b = run(c);
          expect(b.frames).toEqual(a.frames);
          expect(b.trace).toEqual(a.trace);
          expect(b.summary).toEqual(a.summary);
          // The trace holds exactly the spikes of the tau arrays (pooled stages included).
          const spikes = a.frames.reduce(
            (n, r) =>
              n + r.spikes.reduce((m, s, st) => m + (r.tau[st] === r.tau[st - 1] ? 0 : s), 0),
            0,
          );
          expect(a.trace.length).toBe(spikes);
        },
      ),
      { numRuns: 40, seed: 5 },
    );
  });

  it('untrained weights are a pure function of the seed', () => {
    fc.assert(
      fc.property(
        archArb({ encoding: 'any' }).chain((arch) =>
          fc.record({
            arch: fc.constant(arch),
            cal: fc.array(inputArb(arch), { minLength: 2, maxLength: 3 }),
            target: fc.double({ min: 0.15, max: 0.6, noNaN: true }),
          }),
        ),
        ({ arch, cal, target }) => {
          const opts = { seed: 9, calibrationInputs: cal, targetFiringFraction: target };
          const a = untrainedNetwork(arch, opts);
          const b = untrainedNetwork(arch, opts);
          expect(b.network.weights).toEqual(a.network.weights);
          expect(a.weightsTrained).toBe(false);
          const c = untrainedNetwork(arch, { ...opts, seed: 10 });
          expect(c.network.weights).not.toEqual(a.network.weights);
          for (const l of a.layers) {
            expect(Number.isFinite(l.scale) && l.scale > 0).toBe(true);
            expect(Number.isFinite(l.shift)).toBe(true);
          }
        },
      ),
      { numRuns: 30, seed: 8 },
    );
  });
});
