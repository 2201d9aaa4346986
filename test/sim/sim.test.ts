import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  defaultHardwareConfig,
  type HardwareConfig,
  placementNames,
} from '../../src/hardware/config.js';
import { DetailedNoc } from '../../src/hardware/noc/detailed.js';
import type { SimFrameResult } from '../../src/sim/frameResult.js';
import { simulateFrames } from '../../src/sim/run.js';
import { prepareSimulation } from '../../src/sim/setup.js';
import type { Network } from '../../src/snn/network.js';
import { quantizeNetwork } from '../../src/snn/quantize.js';
import { prepareNetwork, referenceForward } from '../../src/snn/reference.js';
import { bruteTraffic, inputArb, networkAndInputArb } from '../../src/testing/index.js';
import { UserError } from '../../src/util/errors.js';

/**
 * Maps with `neuronsPerCore` cores, doubling it while the mapping rejects the network (a row
 * band that pooling must keep whole does not fit a tiny core).
 */
function setupWithCores(
  net: Network,
  hw: HardwareConfig,
  neuronsPerCore: number,
  timeMode: 'exact' | 'quantized',
  weightBits: number | null,
) {
  for (let n = neuronsPerCore; ; n *= 2) {
    hw.chip.neuronsPerCore = n;
    try {
      return prepareSimulation(net, hw, { timeMode, weightBits });
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
    }
  }
}

const caseArb = networkAndInputArb({ encoding: 'any', bias: true }).chain(({ net, input }) =>
  fc.record({
    net: fc.constant(net),
    inputs: fc
      .array(inputArb(net.arch), { minLength: 0, maxLength: 2 })
      .map((more) => [input, ...more]),
    neuronsPerCore: fc.integer({ min: 3, max: 40 }),
    placement: fc.constantFrom(...placementNames),
    timeMode: fc.constantFrom('exact' as const, 'quantized' as const),
    steps: fc.integer({ min: 1, max: 16 }),
    weightBits: fc.option(fc.integer({ min: 2, max: 8 }), { nil: null }),
    multicast: fc.constantFrom('unicast' as const, 'xy-tree' as const),
    inFlight: fc.integer({ min: 1, max: 3 }),
  }),
);

describe('event-driven simulation equals the dense reference', () => {
  it('spike times, decision, SOPs, packets and hops, for random networks (with and without biases) and mappings', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const hw = defaultHardwareConfig();
        hw.chip.placement = c.placement;
        hw.timing.stepsPerWindow = c.steps;
        hw.noc.multicast = c.multicast;
        const setup = setupWithCores(c.net, hw, c.neuronsPerCore, c.timeMode, c.weightBits);
        const simulated = quantizeNetwork(c.net, c.weightBits);
        const prep = prepareNetwork(simulated);
        const results: SimFrameResult[] = [];
        const summary = simulateFrames(setup, c.inputs, { maxFramesInFlight: c.inFlight }, (r) =>
          results.push(r),
        );
        expect(results.map((r) => r.frame)).toEqual(c.inputs.map((_, i) => i));
        let spikeHops = 0;
        let controlHops = 0;
        results.forEach((r, f) => {
          const ref = referenceForward(prep, c.inputs[f]!, {
            stepsPerWindow: setup.stepsPerWindow,
          });
          expect(r.tau.length).toBe(ref.tau.length);
          r.tau.forEach((t, s) => {
            expect(t).toEqual(ref.tau[s]);
          });
          expect(r.decision).toBe(ref.decision);
          expect(r.spikes).toEqual(ref.spikes);
          expect(r.outputMembrane).toEqual(ref.outputMembrane);
          expect(r.sparsity).toBe(ref.sparsity);
          const brute = bruteTraffic(simulated, setup.mapping, ref.tau);
          expect(r.sops).toBe(brute.sops);
          expect(r.biasSops).toBe(brute.biasSops);
          expect(r.biasSopsIn.reduce((a, b) => a + b, 0)).toBe(brute.biasSops);
          expect(r.sopsOut.reduce((a, b) => a + b, 0)).toBe(brute.sops);
          expect(Array.from(r.coreSops).reduce((a, b) => a + b, 0)).toBe(brute.sops);
          if (c.multicast === 'unicast') {
            expect(r.spikePackets).toBe(brute.packets);
            expect(r.spikeHops).toBe(brute.hops);
          }
          expect(r.latencyNs).toBeGreaterThanOrEqual(0);
          spikeHops += r.spikeHops;
          controlHops += r.controlHops;
        });
        // The ideal network's own hop count equals what the simulator counted per packet.
        expect(summary.noc.hops).toBe(spikeHops + controlHops);
      }),
      { numRuns: 150 },
    );
  });
});

describe('with the detailed network-on-chip', () => {
  it('spike times, decision and SOPs do not depend on the network (routers, buffers, credits)', () => {
    fc.assert(
      fc.property(caseArb, fc.constantFrom('async' as const, 'clocked' as const), (c, timing) => {
        const hw = defaultHardwareConfig();
        hw.chip.placement = c.placement;
        hw.noc.multicast = c.multicast;
        hw.noc.timing = timing;
        hw.noc.bufferDepthFlits = 1;
        const ideal = setupWithCores(c.net, hw, c.neuronsPerCore, c.timeMode, c.weightBits);
        const detailed = prepareSimulation(c.net, hw, {
          timeMode: c.timeMode,
          weightBits: c.weightBits,
          mapping: ideal.mapping,
          noc: (w, h, p) => new DetailedNoc(w, h, p),
        });
        const a: SimFrameResult[] = [];
        const b: SimFrameResult[] = [];
        simulateFrames(ideal, c.inputs, { maxFramesInFlight: c.inFlight }, (r) => a.push(r));
        const s = simulateFrames(detailed, c.inputs, { maxFramesInFlight: c.inFlight }, (r) =>
          b.push(r),
        );
        expect(s.nocKind).toBe('detailed');
        b.forEach((r, f) => {
          expect(r.tau).toEqual(a[f]!.tau);
          expect(r.decision).toBe(a[f]!.decision);
          expect(r.sops).toBe(a[f]!.sops);
          expect(r.biasSops).toBe(a[f]!.biasSops);
          expect(r.spikePackets).toBe(a[f]!.spikePackets);
          expect(r.spikeHops).toBe(a[f]!.spikeHops);
          expect(r.latencySteps).toBe(a[f]!.latencySteps);
          // Contention can only delay a frame.
          expect(r.latencyNs).toBeGreaterThanOrEqual(0);
        });
      }),
      { numRuns: 60 },
    );
  });
});

describe('biases that are all zero', () => {
  it('give exactly the bias-free network: traces, SOPs, packets, hops, timing (ideal and detailed)', () => {
    let biased = 0;
    fc.assert(
      fc.property(
        networkAndInputArb({ encoding: 'any', bias: true }),
        fc.integer({ min: 3, max: 40 }),
        fc.constantFrom('exact' as const, 'quantized' as const),
        fc.option(fc.integer({ min: 2, max: 8 }), { nil: null }),
        fc.boolean(),
        ({ net, input }, neuronsPerCore, timeMode, weightBits, detailed) => {
          if (net.arch.layers.some((l) => (l.kind === 'conv' || l.kind === 'dense') && l.bias)) {
            biased++;
          }
          const zero: Network = {
            arch: net.arch,
            weights: net.weights,
            biases: net.biases!.map((b) => (b === null ? null : new Float32Array(b.length))),
          };
          const plain: Network = {
            arch: {
              ...net.arch,
              layers: net.arch.layers.map((l) => {
                if (l.kind !== 'conv' && l.kind !== 'dense') return l;
                const { bias: _, ...rest } = l;
                return rest;
              }),
            },
            weights: net.weights,
          };
          const run = (n: Network) => {
            const hw = defaultHardwareConfig();
            const ideal = setupWithCores(n, hw, neuronsPerCore, timeMode, weightBits);
            const setup = detailed
              ? prepareSimulation(n, hw, {
                  timeMode,
                  weightBits,
                  mapping: ideal.mapping,
                  noc: (w, h, p) => new DetailedNoc(w, h, p),
                })
              : ideal;
            const trace: number[][] = [];
            const frames: SimFrameResult[] = [];
            const summary = simulateFrames(
              setup,
              [input, input.map((v) => v / 2)],
              { onSpike: (...a) => trace.push(a) },
              (r) => frames.push(r),
            );
            return { trace, frames, summary };
          };
          const a = run(zero);
          const b = run(plain);
          expect(a.trace).toEqual(b.trace);
          expect(a.frames).toEqual(b.frames);
          expect(a.frames.every((r) => r.biasSops === 0)).toBe(true);
          expect(a.summary).toEqual(b.summary);
        },
      ),
      { numRuns: 60 },
    );
    expect(biased).toBeGreaterThan(20);
  });
});
