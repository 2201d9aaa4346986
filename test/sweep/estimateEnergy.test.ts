import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { energyLedger, theoreticalEnergy as eq11 } from '../../src/hardware/energy.js';
import { resolvePlan } from '../../src/sweep/points.js';
import { estimatePoint, theoreticalEnergy } from '../../src/sweep/runners.js';
import { loadSweepSpec } from '../../src/sweep/spec.js';
import { tempDir, writeSpec, writeTinyModel } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
let model: string;

beforeAll(() => {
  tmp = tempDir();
  model = writeTinyModel(tmp.dir).model;
});
afterAll(() => tmp.cleanup());

describe('the estimate runner uses the energy ledger (one home for Eq. 11 and 12)', () => {
  it('equal terms on the same counts, both static modes and several coefficients', async () => {
    const spec = loadSweepSpec(
      writeSpec(tmp.dir, 'e.json', {
        model,
        runner: 'estimate',
        axes: [
          { field: 'energy.staticMode', values: ['per-frame', 'leakage'] },
          { field: 'energy.sopEnergyPj', values: [1.5, 20] },
          { field: 'energy.leakagePowerMw', values: [0, 220] },
          { field: 'energy.countControlHops', values: [true, false] },
        ],
      }),
    );
    const { points } = resolvePlan(spec);
    expect(points).toHaveLength(16);
    for (const p of points) {
      const r = await estimatePoint(p);
      const s = r.summary;
      const chipNs = 1e9 / s.framesPerSecond;
      const ledger = energyLedger(
        {
          frames: 1,
          layers: [
            { stage: 0, name: 'frame', sops: s.sops, biasSops: s.biasSops ?? 0, hops: s.hops },
          ],
          frameLatencyNs: chipNs,
        },
        p.hardware.energy,
      ).perFrame;
      expect(s.energyJ.sop).toBe(ledger.sopJ);
      expect(s.energyJ.hop).toBe(ledger.hopJ + ledger.controlHopJ);
      expect(s.energyJ.static).toBe(ledger.staticJ);
      expect(s.energyJ.total).toBe(ledger.totalJ);
      // and the terms are what Eq. 12 says, by hand
      const e = p.hardware.energy;
      expect(s.energyJ.sop).toBeCloseTo(s.sops * e.sopEnergyPj * 1e-12, 20);
      const stat =
        e.staticMode === 'per-frame'
          ? e.staticEnergyUjPerFrame * 1e-6
          : e.leakagePowerMw * 1e-3 * chipNs * 1e-9;
      expect(s.energyJ.static).toBeCloseTo(stat, 18);
      expect(s.theoreticalEnergy).toEqual({
        trueNorth: eq11(s.latencySteps, s.spikes, 'truenorth'),
        spiNNaker: eq11(s.latencySteps, s.spikes, 'spinnaker'),
      });
    }
    expect(theoreticalEnergy(160, 0.073e6).trueNorth).toBeCloseTo(0.1987, 4);
    expect(theoreticalEnergy(160, 0.073e6).spiNNaker).toBeCloseTo(0.1304, 4);
  });
});
