import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nocSchema } from '../../../src/hardware/noc/params.js';
import { type RefPacket, runReference } from '../../../src/hardware/noc/reference.js';
import { runDetailed, sortTrace } from './helpers.js';

/**
 * Random clocked routers and traffic on meshes of up to 9x5 nodes, so that the bit sets of
 * routers with a ready VC and of waiting sources span more than one 32-bit word.
 */
function scenarios(o: { maxW: number; maxH: number; vcs: number[]; maxPackets: number }) {
  return fc
    .record({
      w: fc.integer({ min: 1, max: o.maxW }),
      h: fc.integer({ min: 2, max: o.maxH }),
      routing: fc.constantFrom('xy', 'yx', 'west-first'),
      tree: fc.boolean(),
      vcs: fc.constantFrom(...o.vcs),
      depth: fc.integer({ min: 1, max: 4 }),
      rc: fc.integer({ min: 0, max: 2 }),
      sa: fc.integer({ min: 0, max: 2 }),
      xb: fc.integer({ min: 0, max: 1 }),
      link: fc.integer({ min: 1, max: 2 }),
      credit: fc.integer({ min: 0, max: 2 }),
      inject: fc.integer({ min: 0, max: 1 }),
      eject: fc.integer({ min: 0, max: 1 }),
      turnaround: fc.boolean(),
      raw: fc.array(
        fc.record({
          src: fc.nat(),
          dsts: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
          flits: fc.integer({ min: 1, max: 3 }),
          cycle: fc.nat(30),
        }),
        { minLength: 1, maxLength: o.maxPackets },
      ),
    })
    .map((s) => {
      const n = s.w * s.h;
      const packets: RefPacket[] = s.raw.map((r, id) => ({
        id,
        src: r.src % n,
        dsts: [...new Set(r.dsts.map((d) => d % n))],
        flits: r.flits,
        cycle: r.cycle,
      }));
      const params = nocSchema.parse({
        timing: 'clocked',
        routing: s.routing,
        multicast: s.tree && s.routing !== 'west-first' ? 'xy-tree' : 'unicast',
        virtualChannels: s.vcs,
        bufferDepthFlits: s.depth,
        clocked: {
          routeCycles: s.rc,
          switchAllocCycles: s.sa,
          crossbarCycles: s.xb,
          linkCycles: s.link,
          creditCycles: s.credit,
          injectionCycles: s.inject,
          ejectionCycles: s.eject,
          vcTurnaround: s.turnaround,
        },
      });
      return { ...s, packets, params };
    });
}

describe('clocked NoC: the switch (clockedSwitch.ts)', () => {
  it('grants a one-VC single-output flit as the general reserve and depart do: the same deliveries, order, times and statistics without a trace as with one', () => {
    // A trace sends every grant through the general code; without one, one-VC unicast flits
    // (and the last branch of a multicast fork whose route has one output) take `grantOne`.
    fc.assert(
      fc.property(scenarios({ maxW: 9, maxH: 5, vcs: [1], maxPackets: 120 }), (s) => {
        const fast = runDetailed(s.w, s.h, s.params, s.packets, 1, { trace: undefined });
        const general = runDetailed(s.w, s.h, s.params, s.packets, 1);
        const expected = s.packets.reduce((sum, p) => sum + p.dsts.length, 0);
        expect(general.deliveries.length).toBe(expected);
        expect(fast.deliveries).toEqual(general.deliveries);
        expect(fast.stats).toEqual(general.stats);
      }),
      { seed: 20261207, numRuns: 200 },
    );
  });

  it('equals the naive cycle-by-cycle reference on meshes of more than 32 routers', () => {
    fc.assert(
      fc.property(
        scenarios({ maxW: 9, maxH: 5, vcs: [1, 2], maxPackets: 60 }).filter((s) => s.w * s.h > 32),
        (s) => {
          const ref = runReference(s.w, s.h, s.params, s.packets);
          const det = runDetailed(s.w, s.h, s.params, s.packets, 1);
          expect(sortTrace(det.trace)).toEqual(sortTrace(ref.trace));
          const d1 = det.deliveries.map((d) => `${d.packetId}@${d.node}:${d.time}`).sort();
          const d2 = ref.deliveries.map((d) => `${d.packetId}@${d.node}:${d.cycle}`).sort();
          expect(d1).toEqual(d2);
          expect([...(det.stats.linkFlits ?? [])]).toEqual(ref.linkFlits);
        },
      ),
      { seed: 20261207, numRuns: 25 },
    );
  });
});
