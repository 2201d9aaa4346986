/**
 * `ttfsim/testing`'s own arbitraries and checks: every drawn hardware config is valid and its
 * `--set` list rebuilds it; the checks pass on ttfsim and fail on a broken result (a check that
 * cannot fail checks nothing).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadHardwareConfig, runNocExperiment, simulate } from '../../src/api/index.js';
import type { RunResult } from '../../src/report/runResult.js';
import {
  checkDeliveredOnce,
  checkEnergyLedger,
  checkMatchesReference,
  checkReruns,
  framesArb,
  hardwareConfigArb,
  InvariantError,
  networkAndInputArb,
  runDetailed,
  trafficArb,
} from '../../src/testing/index.js';

describe('hardwareConfigArb', () => {
  it('draws valid configs that --set rebuilds from the bundled defaults', () => {
    fc.assert(
      fc.property(hardwareConfigArb(), ({ config, set }) => {
        expect(config.noc.bufferDepthFlits).toBeGreaterThanOrEqual(1);
        expect(config.noc.bufferDepthFlits).toBeLessThanOrEqual(8);
        if (config.noc.routing === 'west-first') expect(config.noc.multicast).toBe('unicast');
        const again = loadHardwareConfig('mesh22nm', set);
        expect(again.noc).toEqual(config.noc);
        expect(again.timing.stepsPerWindow).toBe(config.timing.stepsPerWindow);
      }),
      { numRuns: 40, seed: 21 },
    );
  });
});

describe('checkMatchesReference', () => {
  it('holds for random networks on random chips, ideal and detailed', () => {
    const arb = networkAndInputArb({ encoding: 'any', bias: true }).chain(({ net, input }) =>
      fc.record({
        net: fc.constant(net),
        inputs: framesArb(net.arch, { max: 2 }).map((f) => [input, ...f]),
        hw: hardwareConfigArb({ neuronsPerCore: [64, 256] }),
        noc: fc.constantFrom('ideal' as const, 'detailed' as const),
      }),
    );
    fc.assert(
      fc.property(arb, ({ net, inputs, hw, noc }) => {
        const { frames } = checkMatchesReference(net, hw.config, inputs, { noc });
        expect(frames).toHaveLength(inputs.length);
      }),
      { numRuns: 25, seed: 21 },
    );
  });
});

describe('checkDeliveredOnce', () => {
  it('holds for random packets on a detailed mesh and fails when one is lost', () => {
    const hw = loadHardwareConfig('mesh22nm', ['noc.bufferDepthFlits=1']);
    const packets = [
      { id: 0, src: 0, dsts: [3], flits: 2, cycle: 0 },
      { id: 1, src: 3, dsts: [0, 1], flits: 1, cycle: 0 },
      { id: 2, src: 1, dsts: [2], flits: 3, cycle: 1 },
    ];
    const run = runDetailed(2, 2, hw.noc, packets, 1);
    checkDeliveredOnce(run, packets);
    const lost = { ...run, deliveries: run.deliveries.slice(1) };
    expect(() => checkDeliveredOnce(lost, packets)).toThrow(InvariantError);
    const twice = { ...run, deliveries: [...run.deliveries, run.deliveries[0]!] };
    expect(() => checkDeliveredOnce(twice, packets)).toThrow(/twice/);
  });

  it('trafficArb draws experiments runNocExperiment accepts', () => {
    fc.assert(
      fc.property(trafficArb({ maxSide: 3 }), (t) => {
        const r = runNocExperiment({ ...t, warmupCycles: 20, measureCycles: 50 });
        expect(r.packetsDelivered).toBeLessThanOrEqual(r.packets);
      }),
      { numRuns: 10, seed: 21 },
    );
  });
});

describe('checkEnergyLedger and checkReruns', () => {
  it('hold for a run of the bundled CNN and fail on a changed figure', async () => {
    const run = () => simulate({ frames: 2, write: false, noc: 'ideal' });
    const r = await checkReruns(run);
    checkEnergyLedger(r);
    const bad: RunResult = structuredClone(r);
    bad.energy!.perFrame.hop.joules *= 1.001;
    expect(() => checkEnergyLedger(bad)).toThrow(/hop\.joules/);
    let n = 0;
    await expect(checkReruns(() => ({ n: n++ }))).rejects.toThrow(InvariantError);
  });
});
