import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultHardwareConfig, type HardwareConfig } from '../../src/hardware/config.js';
import { mapNetwork } from '../../src/mapping/map.js';
import { loadModel } from '../../src/model/load.js';
import { RunAccumulator } from '../../src/run/aggregate.js';
import type { EngineFrame } from '../../src/run/engine.js';
import { type Architecture, paperNeuronCount, stages } from '../../src/snn/network.js';

/** Relative closeness for sums of doubles. */
function close(a: number, b: number, rel = 1e-12): void {
  expect(Math.abs(a - b)).toBeLessThanOrEqual(rel * Math.abs(b) + 1e-24);
}

const vgg16 = loadModel('vgg16').arch;
const tinyArch: Architecture = {
  input: { c: 1, h: 8, w: 8 },
  encoding: { kind: 'pixel', maxValue: 255 },
  layers: [
    { kind: 'conv', name: 'conv1', outChannels: 4, kernel: 3, stride: 1, padding: 0 },
    { kind: 'pool', name: 'pool1', size: 2, stride: 2 },
    { kind: 'flatten', name: 'flatten1' },
    { kind: 'dense', name: 'fc1', units: 10 },
  ],
  readout: 'first-spike',
};

/** A synthetic engine frame with the given per-stage counts. */
function frame(
  arch: Architecture,
  cores: number,
  counts: {
    spikes: number[];
    sops: number[];
    /** Bias SOPs per stage (part of `sops`); default none. */
    biasSops?: number[];
    packets: number[];
    hops: number[];
    coreSops: number[];
    controlPackets: number;
    controlHops: number;
    latencySteps: number;
    latencyNs: number;
  },
  index: number,
): EngineFrame {
  const st = stages(arch);
  return {
    index,
    label: index % 10,
    decision: (index * 7) % 10,
    tau: st.map((s) => new Float64Array(s.size)),
    stageSpikes: counts.spikes,
    stageSops: counts.sops,
    stageBiasSops: counts.biasSops ?? counts.sops.map(() => 0),
    stagePackets: counts.packets,
    stageHops: counts.hops,
    controlPackets: counts.controlPackets,
    controlHops: counts.controlHops,
    coreSops: Float64Array.from({ length: cores }, (_, c) => counts.coreSops[c] ?? 0),
    latencySteps: counts.latencySteps,
    latencyNs: counts.latencyNs,
  };
}

describe('energy through the run aggregation (Eq. 12)', () => {
  const mapping = mapNetwork(tinyArch, {
    chip: { ...defaultHardwareConfig().chip, neuronsPerCore: 40 },
  });
  const nStages = stages(tinyArch).length;
  const count = fc.integer({ min: 0, max: 1_000_000 });
  const arbFrame = fc.record({
    spikes: fc.array(count, { minLength: nStages, maxLength: nStages }),
    sops: fc.array(count, { minLength: nStages, maxLength: nStages }),
    /** The bias share of each stage's SOPs. */
    biasShare: fc.array(fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1, noNaN: true })), {
      minLength: nStages,
      maxLength: nStages,
    }),
    packets: fc.array(count, { minLength: nStages, maxLength: nStages }),
    hops: fc.array(count, { minLength: nStages, maxLength: nStages }),
    coreSops: fc.array(count, { minLength: mapping.coresUsed, maxLength: mapping.coresUsed }),
    controlPackets: count,
    controlHops: count,
    latencySteps: fc.integer({ min: 1, max: 1000 }),
    latencyNs: fc.double({ min: 1, max: 1e6, noNaN: true }),
  });
  const arbEnergy = fc.record({
    sopEnergyPj: fc.oneof(fc.constant(0), fc.double({ min: 1e-3, max: 1000, noNaN: true })),
    hopEnergyPj: fc.oneof(fc.constant(0), fc.double({ min: 1e-3, max: 1000, noNaN: true })),
    staticMode: fc.constantFrom('per-frame' as const, 'leakage' as const),
    staticEnergyUjPerFrame: fc.double({ min: 0, max: 100, noNaN: true }),
    leakagePowerMw: fc.double({ min: 0, max: 1000, noNaN: true }),
    countControlHops: fc.boolean(),
  });

  it('every frame, layer, core and the summary equal counts x coefficients', () => {
    fc.assert(
      fc.property(
        fc.array(arbFrame, { minLength: 1, maxLength: 5 }),
        arbEnergy,
        fc.double({ min: 1, max: 1e7, noNaN: true }),
        (frames, energy, fps) => {
          const config: HardwareConfig = { ...defaultHardwareConfig(), energy };
          const acc = new RunAccumulator(tinyArch, mapping, config, paperNeuronCount(tinyArch));
          const bias = frames.map((c) => c.sops.map((k, s) => Math.floor(k * c.biasShare[s]!)));
          const records = frames.map((c, i) =>
            acc.add(frame(tinyArch, mapping.coresUsed, { ...c, biasSops: bias[i]! }, i)),
          );
          const { summary, layers, cores, ledger } = acc.finish({
            framesPerSecond: fps,
            trained: true,
            stepsPerWindow: 10,
          });
          const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
          const sopJ = energy.sopEnergyPj * 1e-12;
          const hopJ = energy.hopEnergyPj * 1e-12;
          const controlJ = energy.countControlHops ? hopJ : 0;
          frames.forEach((c, i) => {
            const r = records[i]!;
            const sops = sum(c.sops);
            const hops = sum(c.hops);
            expect(r.sops).toBe(sops);
            expect(r.biasSops).toBe(sum(bias[i]!));
            expect(r.hops).toBe(hops);
            expect(r.packets).toBe(sum(c.packets));
            close(r.energyJ.sop, sops * sopJ);
            close(r.energyJ.hop, hops * hopJ + c.controlHops * controlJ);
            const staticJ =
              energy.staticMode === 'per-frame'
                ? energy.staticEnergyUjPerFrame * 1e-6
                : energy.leakagePowerMw * 1e-3 * (1 / fps); // leakage x chip time per frame
            close(r.energyJ.static, staticJ);
            close(r.energyJ.total, r.energyJ.sop + r.energyJ.hop + r.energyJ.static);
          });
          const n = frames.length;
          const mean = (f: (r: (typeof records)[number]) => number) => sum(records.map(f)) / n;
          close(
            summary.energyJ.sop,
            mean((r) => r.energyJ.sop),
            1e-9,
          );
          close(
            summary.energyJ.hop,
            mean((r) => r.energyJ.hop),
            1e-9,
          );
          close(
            summary.energyJ.static,
            mean((r) => r.energyJ.static),
            1e-9,
          );
          close(
            summary.energyJ.total,
            mean((r) => r.energyJ.total),
            1e-9,
          );
          // The ledger's terms carry their counts and coefficients.
          close(
            ledger.perFrame.sop.count,
            mean((r) => r.sops),
            1e-12,
          );
          expect(ledger.perFrame.sop.coefficient).toBe(energy.sopEnergyPj);
          // Bias SOPs: count x coefficient, a part of the SOP term (not added again).
          const biasMean = sum(bias.map(sum)) / frames.length;
          close(ledger.perFrame.biasSop.count, biasMean, 1e-12);
          close(ledger.perFrame.biasSop.joules, biasMean * sopJ, 1e-9);
          expect(ledger.perFrame.biasSop.coefficient).toBe(energy.sopEnergyPj);
          close(summary.biasSops ?? Number.NaN, biasMean, 1e-12);
          close(
            ledger.perFrame.totalJ,
            ledger.perFrame.sopJ +
              ledger.perFrame.hopJ +
              ledger.perFrame.controlHopJ +
              ledger.perFrame.staticJ,
            1e-12,
          );
          close(
            ledger.perFrame.hop.count,
            mean((r) => r.hops),
            1e-12,
          );
          // Per layer: SOP and hop energy add up to the frame's (control hops are chip-level).
          close(sum(layers.map((l) => l.energyJ.sop)), summary.energyJ.sop, 1e-9);
          close(
            sum(layers.map((l) => l.energyJ.hop)) + (summary.controlHops ?? 0) * controlJ,
            summary.energyJ.hop,
            1e-9,
          );
          layers.forEach((l, s) => {
            close(l.energyJ.sop, (sum(frames.map((c) => c.sops[s]!)) / n) * sopJ, 1e-9);
            close(l.biasSops ?? Number.NaN, sum(bias.map((b) => b[s]!)) / n, 1e-12);
            close(ledger.layers[s]!.biasSop.joules, sum(bias.map((b) => b[s]!)) * sopJ, 1e-9);
            close(l.energyJ.hop, (sum(frames.map((c) => c.hops[s]!)) / n) * hopJ, 1e-9);
          });
          cores.forEach((core, c) => {
            close(core.energyJ.sop, (sum(frames.map((f) => f.coreSops[c]!)) / n) * sopJ, 1e-9);
            close(core.energyJ.static, summary.energyJ.static / mapping.coresUsed, 1e-9);
          });
          // Static energy is shared among the used cores: layers and cores add up to the chip's.
          close(sum(layers.map((l) => l.energyJ.static)), summary.energyJ.static, 1e-9);
          close(sum(cores.map((c) => c.energyJ.static)), summary.energyJ.static, 1e-9);
          close(
            sum(layers.map((l) => l.energyJ.total)) + (summary.controlHops ?? 0) * controlJ,
            summary.energyJ.total,
            1e-9,
          );
        },
      ),
      { numRuns: 60 },
    );
  });

  it("gives Table 2's 0.1987 (TrueNorth) and 0.1304 (SpiNNaker) for VGG16 with L = 160, S = 0.073M", () => {
    const config = defaultHardwareConfig(); // stepsPerWindow 10: VGG16's 16 windows = 160 steps
    expect(config.timing.stepsPerWindow).toBe(10);
    const mapping = mapNetwork(vgg16, config, { model: 'vgg16' });
    const st = stages(vgg16);
    const weighted = st.filter((s) => s.weighted).map((s) => s.stage);
    const acc = new RunAccumulator(vgg16, mapping, config, paperNeuronCount(vgg16));
    // Two frames whose weighted spikes average 73,000 (the paper's 0.073M).
    for (const [i, total] of [72_000, 74_000].entries()) {
      const spikes = st.map(() => 0);
      const per = Math.floor(total / weighted.length);
      weighted.forEach((s) => {
        spikes[s] = per;
      });
      spikes[weighted[0]!]! += total - per * weighted.length;
      acc.add(
        frame(
          vgg16,
          mapping.coresUsed,
          {
            spikes,
            sops: st.map(() => 0),
            packets: st.map(() => 0),
            hops: st.map(() => 0),
            coreSops: [],
            controlPackets: 0,
            controlHops: 0,
            latencySteps: 150,
            latencyNs: 15_000,
          },
          i,
        ),
      );
    }
    const { summary, windowSteps } = acc.finish({
      framesPerSecond: 1,
      trained: true,
      stepsPerWindow: 10,
    });
    expect(windowSteps).toBe(160);
    expect(summary.spikes).toBe(73_000);
    expect(summary.theoreticalEnergy.trueNorth).toBeCloseTo(0.1987, 4);
    expect(summary.theoreticalEnergy.spiNNaker).toBeCloseTo(0.1304, 4);
    expect(summary.sparsity).toBeCloseTo(73_000 / 284_682, 12);
  });
});
