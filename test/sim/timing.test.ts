import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultHardwareConfig } from '../../src/hardware/config.js';
import type { SimFrameResult } from '../../src/sim/frameResult.js';
import { simulateFrames } from '../../src/sim/run.js';
import { prepareSimulation } from '../../src/sim/setup.js';
import { windowCount } from '../../src/snn/network.js';
import { prepareNetwork, referenceForward } from '../../src/snn/reference.js';
import { networkAndInputArb } from '../../src/testing/index.js';

function runFrames(
  c: { net: Parameters<typeof prepareSimulation>[0]; input: Float32Array },
  frames: number,
  opts: { maxFramesInFlight?: number; frameIntervalNs?: number },
) {
  const hw = defaultHardwareConfig();
  hw.chip.neuronsPerCore = 256;
  const setup = prepareSimulation(c.net, hw, {});
  const out: SimFrameResult[] = [];
  const summary = simulateFrames(
    setup,
    Array.from({ length: frames }, () => c.input),
    opts,
    (r) => out.push(r),
  );
  return { setup, out, summary };
}

describe('physical time', () => {
  it('a frame takes at least its windows; decision before the end; frames one at a time do not overlap', () => {
    fc.assert(
      fc.property(networkAndInputArb({ encoding: 'any' }), (c) => {
        const { setup, out } = runFrames(c, 3, { maxFramesInFlight: 1 });
        const windows = windowCount(c.net.arch);
        out.forEach((r, f) => {
          // Every window of every layer lasts windowNs, one after another.
          expect(r.endNs - r.startNs).toBeGreaterThanOrEqual(windows * setup.windowNs - 1e-9);
          expect(r.decisionNs).toBeLessThanOrEqual(r.endNs);
          expect(r.latencyNs).toBeGreaterThan(0);
          expect(r.latencySteps).toBeLessThanOrEqual(windows * setup.clockStepsPerWindow);
          if (f > 0) expect(r.startNs).toBeGreaterThanOrEqual(out[f - 1]!.endNs);
        });
        // The same input alone on the chip: the same latency every time.
        expect(new Set(out.map((r) => r.latencyNs)).size).toBe(1);
      }),
      { numRuns: 40, seed: 21 },
    );
  });

  it('pipelined frames overlap and finish sooner than one at a time; spaced frames do not interact', () => {
    fc.assert(
      fc.property(networkAndInputArb({ encoding: 'any' }), (c) => {
        const serial = runFrames(c, 4, { maxFramesInFlight: 1 });
        const piped = runFrames(c, 4, {});
        expect(piped.summary.makespanNs).toBeLessThanOrEqual(serial.summary.makespanNs + 1e-9);
        expect(piped.out.map((r) => r.tau)).toEqual(serial.out.map((r) => r.tau));
        const gap = 10 * serial.summary.makespanNs;
        const spaced = runFrames(c, 3, { frameIntervalNs: gap });
        spaced.out.forEach((r, f) => {
          expect(r.startNs).toBe(f * gap);
          expect(r.latencyNs).toBe(serial.out[0]!.latencyNs);
        });
      }),
      { numRuns: 30, seed: 22 },
    );
  });

  it('no frames: an empty summary', () => {
    const hw = defaultHardwareConfig();
    const net = {
      arch: {
        input: { c: 1, h: 2, w: 2 },
        encoding: { kind: 'pixel' as const, maxValue: 1 },
        layers: [{ kind: 'dense' as const, name: 'fc', units: 2 }],
        readout: 'first-spike' as const,
      },
      weights: [new Float32Array(8).fill(0.5)],
    };
    const s = simulateFrames(prepareSimulation(net, hw, {}), []);
    expect(s.frames).toBe(0);
    expect(s.framesPerSecond).toBe(0);
  });
});

describe('degenerate networks', () => {
  it('a direct-encoded network whose only layer is the host conv decides like the reference', () => {
    const hw = defaultHardwareConfig();
    for (const readout of ['first-spike', 'membrane'] as const) {
      const net = {
        arch: {
          input: { c: 1, h: 3, w: 3 },
          encoding: { kind: 'direct' as const },
          layers: [
            { kind: 'conv' as const, name: 'c', outChannels: 2, kernel: 3, stride: 1, padding: 0 },
          ],
          readout,
        },
        weights: [
          Float32Array.from([
            0.1, 0.2, 0.3, 0.1, 0.2, 0.3, 0.1, 0.2, 0.3, -0.1, 0, 0.5, 0, 0, 0, 0, 0, 0,
          ]),
        ],
      };
      const input = Float32Array.from([1, 0.5, 0.25, 0, 1, 0.5, 0.25, 0, 1]);
      const setup = prepareSimulation(net, hw, { weightBits: null });
      let got: SimFrameResult | undefined;
      simulateFrames(setup, [input], {}, (r) => {
        got = r;
      });
      const ref = referenceForward(prepareNetwork(net), input, {
        stepsPerWindow: setup.stepsPerWindow,
      });
      expect(got!.tau).toEqual(ref.tau);
      expect(got!.decision).toBe(ref.decision);
      expect(got!.outputMembrane).toEqual(ref.outputMembrane);
    }
  });
});
