import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultHardwareConfig, type EnergyParams } from '../../src/hardware/config.js';
import { energyLedger, theoreticalEnergy } from '../../src/hardware/energy.js';

const coefficients = (): EnergyParams => defaultHardwareConfig().energy;

describe('energy ledger (Eq. 12)', () => {
  it('equals counts x coefficients, per frame, in total, per layer and per core', () => {
    const count = fc.integer({ min: 0, max: 1e9 });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.array(
          fc
            .record({ sops: count, hops: count, biasShare: fc.double({ min: 0, max: 1 }) })
            .map(({ sops, hops, biasShare }) => ({
              sops,
              hops,
              biasSops: Math.floor(sops * biasShare),
            })),
          { minLength: 1, maxLength: 6 },
        ),
        fc.array(count, { maxLength: 8 }),
        count,
        fc.double({ min: 0, max: 1000, noNaN: true }),
        fc.double({ min: 0, max: 1000, noNaN: true }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.boolean(),
        (frames, layerCounts, coreSops, controlHops, sopPj, hopPj, staticUj, countControl) => {
          const e = {
            ...coefficients(),
            sopEnergyPj: sopPj,
            hopEnergyPj: hopPj,
            staticEnergyUjPerFrame: staticUj,
            countControlHops: countControl,
          };
          const layers = layerCounts.map((l, i) => ({ stage: i + 1, name: `l${i}`, ...l }));
          const ledger = energyLedger({ frames, layers, coreSops, controlHops }, e);
          const sops = layers.reduce((s, l) => s + l.sops, 0);
          const hops = layers.reduce((s, l) => s + l.hops, 0);
          const biasSops = layers.reduce((s, l) => s + l.biasSops, 0);
          const close = (a: number, b: number) =>
            expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(b)));
          close(ledger.total.sopJ, sops * sopPj * 1e-12);
          close(ledger.total.hopJ, hops * hopPj * 1e-12);
          close(ledger.total.controlHopJ, countControl ? controlHops * hopPj * 1e-12 : 0);
          close(ledger.total.staticJ, frames * staticUj * 1e-6);
          close(
            ledger.total.totalJ,
            ledger.total.sopJ + ledger.total.hopJ + ledger.total.controlHopJ + ledger.total.staticJ,
          );
          close(ledger.perFrame.sopJ, (sops / frames) * sopPj * 1e-12);
          close(ledger.perFrame.staticJ, staticUj * 1e-6);
          close(ledger.perFrame.totalJ * frames, ledger.total.totalJ);
          expect(ledger.total.sop.count).toBe(sops);
          // Bias SOPs: their own count x the SOP coefficient, a part of the SOP term.
          expect(ledger.total.biasSop.count).toBe(biasSops);
          expect(ledger.total.biasSop.coefficient).toBe(sopPj);
          close(ledger.total.biasSopJ, biasSops * sopPj * 1e-12);
          close(ledger.perFrame.biasSopJ, (biasSops / frames) * sopPj * 1e-12);
          expect(ledger.total.sop.coefficient).toBe(sopPj);
          expect(ledger.total.hop.count).toBe(hops);
          layers.forEach((l, i) => {
            const row = ledger.layers[i]!;
            expect(row.sop.count).toBe(l.sops);
            expect(row.biasSop.count).toBe(l.biasSops);
            close(row.biasSop.joules, l.biasSops * sopPj * 1e-12);
            close(row.sopJ, l.sops * sopPj * 1e-12);
            close(row.hopJ, l.hops * hopPj * 1e-12);
          });
          close(
            ledger.layers.reduce((s, l) => s + l.totalJ, 0),
            ledger.total.sopJ + ledger.total.hopJ,
          );
          expect(ledger.cores.length).toBe(coreSops.length);
          coreSops.forEach((n, c) => {
            close(ledger.cores[c]!.sopJ, n * sopPj * 1e-12);
          });
        },
      ),
      { seed: 20231001 },
    );
  });

  it("computes the paper's Eq. 12 inputs as they are (they do not give 50.36 uJ)", () => {
    // 20 pJ x 71M SOPs + 100 pJ x 45.4M hops + 3.52 uJ = 5,963.52 uJ (SPEC section 6).
    const ledger = energyLedger(
      { frames: 1, layers: [{ stage: 1, name: 'all', sops: 71e6, hops: 45.4e6 }] },
      coefficients(),
    );
    expect(ledger.perFrame.sopJ).toBeCloseTo(1420e-6, 12);
    expect(ledger.perFrame.hopJ).toBeCloseTo(4540e-6, 12);
    expect(ledger.perFrame.staticJ).toBeCloseTo(3.52e-6, 12);
    expect(ledger.perFrame.totalJ).toBeCloseTo(5963.52e-6, 12);
  });

  it('static energy in leakage mode is leakage power x frame latency', () => {
    const e = { ...coefficients(), staticMode: 'leakage' as const, leakagePowerMw: 220 };
    const ledger = energyLedger(
      { frames: 4, layers: [{ stage: 1, name: 'x', sops: 0, hops: 0 }], frameLatencyNs: 16000 },
      e,
    );
    expect(ledger.perFrame.static).toMatchObject({
      count: 16000,
      countUnit: 'ns',
      coefficientUnit: 'mW',
    });
    expect(ledger.perFrame.staticJ).toBeCloseTo(3.52e-6, 15);
    expect(ledger.total.staticJ).toBeCloseTo(4 * 3.52e-6, 15);
    expect(() => energyLedger({ frames: 1, layers: [] }, e)).toThrow(/frameLatencyNs/);
    expect(() => energyLedger({ frames: 0, layers: [] }, coefficients())).toThrow(/frames/);
  });
});

describe('theoretical energy (Eq. 11, Table 2)', () => {
  // [coding, latency steps, spikes (1e6), TrueNorth, SpiNNaker] as printed in Table 2.
  const table2: [string, number, number, number, number][] = [
    ['Rate [19]', 512, 2.612, 1, 1],
    ['Phase [26]', 1500, 35.196, 7.1476, 9.6785],
    ['Burst [36]', 1125, 6.92, 2.3781, 2.4865],
    ['TTFS [37]', 680, 0.069, 0.8074, 0.495],
    ['TTFS [38]', 544, 0.067, 0.6478, 0.3989],
    ['DTA-TTFS', 160, 0.073, 0.1987, 0.1304],
  ];
  /**
   * Every entry is within 1e-4 of Eq. 11 except Phase/TrueNorth: Eq. 11 gives 7.147705, which
   * would print as 7.1477; the paper prints 7.1476, 1.05e-4 away (SPEC section 6 says "to 1e-4";
   * this one entry is 5e-6 beyond that). That entry alone is allowed 1.1e-4.
   */
  const agrees = (computed: number, printed: number) =>
    Math.abs(computed - printed) < (printed === 7.1476 ? 1.1e-4 : 1e-4);
  it.each(table2)('%s: L = %d, S = %dM', (_name, latency, spikesM, trueNorth, spinnaker) => {
    const tn = theoreticalEnergy(latency, spikesM * 1e6, 'truenorth');
    const sp = theoreticalEnergy(latency, spikesM * 1e6, 'spinnaker');
    expect(agrees(tn, trueNorth), `TrueNorth ${tn} vs ${trueNorth}`).toBe(true);
    expect(agrees(sp, spinnaker), `SpiNNaker ${sp} vs ${spinnaker}`).toBe(true);
  });

  it('gives DTA-TTFS 0.1987 and 0.1304 to 1e-4', () => {
    expect(Math.abs(theoreticalEnergy(160, 0.073e6, 'truenorth') - 0.1987)).toBeLessThan(1e-4);
    expect(Math.abs(theoreticalEnergy(160, 0.073e6, 'spinnaker') - 0.1304)).toBeLessThan(1e-4);
    expect(theoreticalEnergy(512, 2.612e6, 'truenorth')).toBeCloseTo(1, 12);
  });

  it('takes custom coefficients', () => {
    const e = theoreticalEnergy(1024, 2 * 2.612e6, {
      staticCoefficient: 0.5,
      dynamicCoefficient: 0.25,
    });
    expect(e).toBeCloseTo(0.5 * 2 + 0.25 * 2, 12);
  });
});
