import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  defaultHardwareConfig,
  type HardwareConfig,
  placementNames,
} from '../../src/hardware/config.js';
import { DetailedNoc } from '../../src/hardware/noc/detailed.js';
import type { FrameSlot, SimFrameResult } from '../../src/sim/frameResult.js';
import { FrameSpikes } from '../../src/sim/frameSpikes.js';
import { type AsyncFrameSource, simulateFrames, simulateFramesFrom } from '../../src/sim/run.js';
import { prepareSimulation, type SimSetup } from '../../src/sim/setup.js';
import type { Network } from '../../src/snn/network.js';
import { inputArb, networkAndInputArb } from '../../src/testing/networks.js';
import { UserError } from '../../src/util/errors.js';

/** Maps with `neuronsPerCore` cores, doubling it while the mapping rejects the network. */
function setupWithCores(
  net: Network,
  hw: HardwareConfig,
  neuronsPerCore: number,
  options: Parameters<typeof prepareSimulation>[2],
): SimSetup {
  for (let n = neuronsPerCore; ; n *= 2) {
    hw.chip.neuronsPerCore = n;
    try {
      return prepareSimulation(net, hw, options);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
    }
  }
}

/**
 * A source like the frame pool, in this thread: `workers` separate {@link FrameSpikes} (frame
 * `f` on `f mod workers`, each with its own setup), computing only when waited for, a few frames
 * beyond the one asked for and in a shuffled order, one per macrotask.
 */
function emulatedPool(
  setups: SimSetup[],
  inputs: Float32Array[],
  shuffle: number[],
): AsyncFrameSource & { waits: number } {
  const workers = setups.map((s) => new FrameSpikes(s));
  const length = workers[0]!.layout.length;
  const done = new Map<number, Float64Array>();
  const source = {
    waits: 0,
    has: (f: number) => done.has(f),
    load: (f: number, slot: FrameSlot) => {
      workers[0]!.layout.unpack(done.get(f)!, 0, slot);
      done.delete(f);
    },
    until: async (f: number) => {
      source.waits++;
      const todo: number[] = [];
      for (let g = 0; g <= Math.min(inputs.length - 1, f + 2); g++) {
        if (!done.has(g) && g >= f - 3) todo.push(g);
      }
      // A deterministic shuffle (the order must not matter).
      for (let i = todo.length - 1; i > 0; i--) {
        const j = (shuffle[i % Math.max(1, shuffle.length)] ?? 0) % (i + 1);
        [todo[i], todo[j]] = [todo[j]!, todo[i]!];
      }
      for (const g of todo) {
        await new Promise((r) => setImmediate(r));
        const data = new Float64Array(length);
        workers[g % workers.length]!.run(inputs[g]!, data, 0);
        done.set(g, data);
      }
    },
  };
  return source;
}

const caseArb = networkAndInputArb({ encoding: 'any', bias: true }).chain(({ net, input }) =>
  fc.record({
    net: fc.constant(net),
    inputs: fc
      .array(inputArb(net.arch), { minLength: 0, maxLength: 4 })
      .map((more) => [input, ...more]),
    neuronsPerCore: fc.integer({ min: 3, max: 40 }),
    placement: fc.constantFrom(...placementNames),
    timeMode: fc.constantFrom('exact' as const, 'quantized' as const),
    steps: fc.integer({ min: 1, max: 12 }),
    weightBits: fc.option(fc.integer({ min: 2, max: 8 }), { nil: null }),
    multicast: fc.constantFrom('unicast' as const, 'xy-tree' as const),
    noc: fc.constantFrom('ideal' as const, 'async' as const, 'clocked' as const),
    inFlight: fc.integer({ min: 1, max: 4 }),
    workers: fc.integer({ min: 1, max: 3 }),
    shuffle: fc.array(fc.nat(), { maxLength: 5 }),
  }),
);

type Trace = [number, number, number, number, number][];

describe('spikes computed apart from their physical time (frameSpikes.ts)', () => {
  it('give the same frames, traces and NoC statistics bit for bit, whoever computes them and in whatever order (ideal and detailed networks)', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const hw = defaultHardwareConfig();
        hw.chip.placement = c.placement;
        hw.timing.stepsPerWindow = c.steps;
        hw.noc.multicast = c.multicast;
        if (c.noc !== 'ideal') {
          hw.noc.timing = c.noc;
          hw.noc.bufferDepthFlits = 1;
        }
        const options = {
          timeMode: c.timeMode,
          weightBits: c.weightBits,
          ...(c.noc === 'ideal'
            ? {}
            : {
                noc: (w: number, h: number, p: HardwareConfig['noc']) => new DetailedNoc(w, h, p),
              }),
        };
        const setup = setupWithCores(c.net, hw, c.neuronsPerCore, options);
        const mapped = { ...options, mapping: setup.mapping };
        // Every "worker" prepares its own setup, as a worker thread does.
        const setups = Array.from({ length: c.workers }, () =>
          prepareSimulation(c.net, hw, mapped),
        );
        const a: SimFrameResult[] = [];
        const b: SimFrameResult[] = [];
        const ta: Trace = [];
        const tb: Trace = [];
        const sa = simulateFrames(
          setup,
          c.inputs,
          { maxFramesInFlight: c.inFlight, onSpike: (...x) => ta.push(x) },
          (r) => a.push(r),
        );
        const source = emulatedPool(setups, c.inputs, c.shuffle);
        const sb = await simulateFramesFrom(
          prepareSimulation(c.net, hw, mapped),
          c.inputs.length,
          source,
          { maxFramesInFlight: c.inFlight, onSpike: (...x) => tb.push(x) },
          (r) => b.push(r),
        );
        expect(source.waits).toBeGreaterThan(0);
        expect(b).toEqual(a);
        expect(tb).toEqual(ta);
        expect(sb).toEqual(sa);
        expect(sb.nocKind).toBe(c.noc === 'ideal' ? 'ideal' : 'detailed');
      }),
      { numRuns: 80, seed: 16 },
    );
  });
});
