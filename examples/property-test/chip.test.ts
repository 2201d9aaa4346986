/**
 * A chip designer's property, checked with the invariants ttfsim checks on itself: on my chip
 * (my-chip.json), for every network of the family (conv, pool and dense layers, both readouts,
 * both encodings, with and without biases) and every buffer depth from 1 to 8 flits, the
 * detailed network-on-chip delivers every packet once and never changes a spike time: the
 * event-driven simulation equals the dense reference spike for spike.
 *
 * A failure prints the seed and the shrunk case; `fc.assert(..., { seed })` replays it.
 */
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { loadHardwareConfig, simulate, UserError } from 'ttfsim';
import {
  checkEnergyLedger,
  checkMatchesReference,
  framesArb,
  networkAndInputArb,
} from 'ttfsim/testing';
import { describe, expect, it } from 'vitest';

const MY_CHIP = fileURLToPath(new URL('./my-chip.json', import.meta.url));
const RUNS = Number(process.env.PROPERTY_RUNS ?? 30);

describe('my chip', () => {
  it('loses no packet and changes no spike time, for every buffer depth 1-8', () => {
    const cases = fc.record({
      depth: fc.integer({ min: 1, max: 8 }),
      network: networkAndInputArb({ encoding: 'any', bias: true }).chain(({ net, input }) =>
        fc.record({
          net: fc.constant(net),
          inputs: framesArb(net.arch, { min: 0, max: 2 }).map((more) => [input, ...more]),
        }),
      ),
    });
    fc.assert(
      fc.property(cases, ({ depth, network }) => {
        const hw = loadHardwareConfig(MY_CHIP, [`noc.bufferDepthFlits=${depth}`]);
        checkMatchesReference(network.net, hw, network.inputs, { noc: 'detailed' });
      }),
      { numRuns: RUNS },
    );
  });

  it('reports energy as count x coefficient on the bundled CNN', async () => {
    const r = await simulate({ hw: MY_CHIP, frames: 2, write: false, noc: 'detailed' });
    checkEnergyLedger(r);
    expect(r.hardware.name).toBe('my-chip');
  });

  it('says which field is wrong', () => {
    try {
      loadHardwareConfig(MY_CHIP, ['noc.virtualChannels=0']);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(UserError);
      expect((err as UserError).field).toBe('noc.virtualChannels');
    }
  });
});
