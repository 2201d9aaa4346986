import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nocSchema } from '../../../src/hardware/noc/params.js';
import { type RefPacket, runReference } from '../../../src/hardware/noc/reference.js';
import { runDetailed, sortTrace } from './helpers.js';

/** Random small networks, router configurations and traffic, clocked. */
const scenario = fc
  .record({
    w: fc.integer({ min: 2, max: 4 }),
    h: fc.integer({ min: 2, max: 4 }),
    routing: fc.constantFrom('xy', 'yx', 'west-first'),
    tree: fc.boolean(),
    vcs: fc.integer({ min: 1, max: 3 }),
    depth: fc.integer({ min: 1, max: 4 }),
    rc: fc.integer({ min: 0, max: 2 }),
    va: fc.integer({ min: 0, max: 1 }),
    sa: fc.integer({ min: 0, max: 2 }),
    xb: fc.integer({ min: 0, max: 1 }),
    link: fc.integer({ min: 1, max: 2 }),
    credit: fc.integer({ min: 0, max: 2 }),
    inject: fc.integer({ min: 0, max: 2 }),
    eject: fc.integer({ min: 0, max: 2 }),
    turnaround: fc.boolean(),
    clockNs: fc.constantFrom(1, 2.5),
    raw: fc.array(
      fc.record({
        src: fc.nat(),
        dsts: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
        flits: fc.integer({ min: 1, max: 4 }),
        cycle: fc.nat(25),
      }),
      { minLength: 1, maxLength: 40 },
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
        clockNs: s.clockNs,
        routeCycles: s.rc,
        vcAllocCycles: s.va,
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

describe('detailed clocked network vs the naive cycle-by-cycle reference', () => {
  it('matches flit for flit: every switch traversal, delivery cycle and link count (injection and ejection channels, per-VC turnaround)', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const ref = runReference(s.w, s.h, s.params, s.packets);
        const det = runDetailed(s.w, s.h, s.params, s.packets, s.clockNs);
        expect(sortTrace(det.trace)).toEqual(sortTrace(ref.trace));
        const d1 = det.deliveries
          .map((d) => `${d.packetId}@${d.node}:${d.time / s.clockNs}`)
          .sort();
        const d2 = ref.deliveries.map((d) => `${d.packetId}@${d.node}:${d.cycle}`).sort();
        expect(d1).toEqual(d2);
        expect([...(det.stats.linkFlits ?? [])]).toEqual(ref.linkFlits);
        expect(det.stats.bufferMaxFlits).toBe(ref.maxOccupancy);
      }),
      { seed: 20261128, numRuns: 150 },
    );
  });
});
