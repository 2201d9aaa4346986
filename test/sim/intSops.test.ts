import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultHardwareConfig, type HardwareConfig } from '../../src/hardware/config.js';
import { DetailedNoc } from '../../src/hardware/noc/detailed.js';
import type { SimFrameResult } from '../../src/sim/frameResult.js';
import { simulateFrames } from '../../src/sim/run.js';
import { prepareSimulation, type SimOptions } from '../../src/sim/setup.js';
import type { Network } from '../../src/snn/network.js';
import { inputArb, networkAndInputArb } from '../../src/testing/index.js';
import { UserError } from '../../src/util/errors.js';

/**
 * Integer SOPs (src/sim/intSops.ts) against the fixed-point path (core.ts), where both apply:
 * k-bit levels on a step grid. Every frame result and the run's summary (NoC statistics
 * included) must be the same bit for bit; TTFSIM_INT_SOPS=0 forces the fixed-point path.
 */

afterEach(() => {
  delete process.env.TTFSIM_INT_SOPS;
});

function run(
  net: Network,
  inputs: Float32Array[],
  hw: HardwareConfig,
  options: SimOptions,
  int: boolean,
) {
  if (int) delete process.env.TTFSIM_INT_SOPS;
  else process.env.TTFSIM_INT_SOPS = '0';
  for (let n = hw.chip.neuronsPerCore; ; n *= 2) {
    hw.chip.neuronsPerCore = n;
    try {
      const setup = prepareSimulation(net, hw, options);
      const frames: SimFrameResult[] = [];
      const summary = simulateFrames(setup, inputs, {}, (r) => frames.push(r));
      return { setup, frames, summary };
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
    }
  }
}

describe('integer SOPs equal the fixed-point accumulators', () => {
  it('random networks, 2- to 8-bit weights, 1-12 steps, pipelined frames, both networks', () => {
    fc.assert(
      fc.property(
        networkAndInputArb({ encoding: 'any', bias: true }).chain(({ net, input }) =>
          fc.record({
            net: fc.constant(net),
            inputs: fc.array(inputArb(net.arch), { minLength: 0, maxLength: 3 }),
            input: fc.constant(input),
          }),
        ),
        fc.integer({ min: 2, max: 8 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 3, max: 40 }),
        fc.boolean(),
        ({ net, input, inputs }, bits, steps, cores, detailed) => {
          const frames = [input, ...inputs];
          const make = () => {
            const hw = defaultHardwareConfig();
            hw.timing.stepsPerWindow = steps;
            hw.chip.neuronsPerCore = cores;
            return hw;
          };
          const options: SimOptions = {
            weightBits: bits,
            ...(detailed ? { noc: (w: number, h: number, p) => new DetailedNoc(w, h, p) } : {}),
          };
          const int = run(net, frames, make(), options, true);
          const fixed = run(net, frames, make(), options, false);
          expect(int.setup.sopMode).toBe('int');
          expect(fixed.setup.sopMode).toBe('fixed');
          expect(int.frames).toEqual(fixed.frames);
          expect(int.summary).toEqual(fixed.summary);
        },
      ),
      { numRuns: 120, seed: 16 },
    );
  });

  it('falls back to fixed point where it does not apply: exact time, float weights, sums past int32', () => {
    const net: Network = {
      arch: {
        input: { c: 1, h: 1, w: 4 },
        encoding: { kind: 'pixel', maxValue: 255 },
        layers: [
          { kind: 'flatten', name: 'flatten' },
          { kind: 'dense', name: 'fc', units: 3 },
        ],
        readout: 'first-spike',
      },
      weights: [new Float32Array(0), Float32Array.from({ length: 12 }, (_, i) => (i % 5) - 2)],
    };
    const hw = defaultHardwareConfig();
    const mode = (o: SimOptions, steps = 10) => {
      hw.timing.stepsPerWindow = steps;
      const s = prepareSimulation(net, hw, o);
      return [s.sopMode, s.sopModeReason];
    };
    expect(mode({ weightBits: 4 })).toEqual(['int', null]);
    expect(mode({ weightBits: 4, timeMode: 'exact' })).toEqual(['fixed', 'exact time']);
    expect(mode({ weightBits: null })).toEqual(['fixed', 'float weights']);
    expect(mode({ weightBits: 12 })[1]).toMatch(/int8/);
    // 4 inputs x 127 x 10^7 steps > 2^31
    expect(mode({ weightBits: 8 }, 10_000_000)[1]).toMatch(/int32/);
  });
});
