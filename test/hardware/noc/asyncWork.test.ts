import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DetailedNoc } from '../../../src/hardware/noc/detailed.js';
import type { NocPacket } from '../../../src/hardware/noc/network.js';
import { nocSchema } from '../../../src/hardware/noc/params.js';
import { Kernel } from '../../../src/kernel/kernel.js';

/**
 * The asynchronous engine keeps port releases and credits as times and queues a wake only when
 * a flit waits for one (docs/noc.md). A lost wake would leave a flit standing while everything
 * it needs is free. Invariant checked after every batch of network events, at its time `now`:
 * no eligible front flit has its input port, a wanted output and a usable credited output VC
 * all free (the engine would have started it), and every packet is delivered exactly once.
 */
describe('async NoC: no flit waits for a release that has already happened', () => {
  it('is work-conserving after every network event batch (random delays, VCs, depths, routings, multicast)', () => {
    const half = fc.constantFrom(0, 0.5, 1, 1.5);
    fc.assert(
      fc.property(
        fc.record({
          w: fc.integer({ min: 1, max: 4 }),
          h: fc.integer({ min: 1, max: 4 }),
          routing: fc.constantFrom('xy', 'yx', 'west-first'),
          tree: fc.boolean(),
          vcs: fc.integer({ min: 1, max: 3 }),
          depth: fc.integer({ min: 1, max: 3 }),
          delays: fc.record({ rc: half, va: half, sa: half, xb: half, link: half, credit: half }),
          raw: fc.array(
            fc.record({
              src: fc.nat(),
              dsts: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
              flits: fc.integer({ min: 1, max: 3 }),
              at: fc.nat(30),
            }),
            { minLength: 1, maxLength: 250, size: 'large' },
          ),
        }),
        (s) => {
          const n = s.w * s.h;
          const d = s.delays;
          const tree = s.tree && s.routing !== 'west-first';
          const params = nocSchema.parse({
            timing: 'async',
            routing: s.routing,
            multicast: tree ? 'xy-tree' : 'unicast',
            virtualChannels: s.vcs,
            bufferDepthFlits: s.depth,
            async: {
              routeNs: d.rc,
              vcAllocNs: d.va,
              switchAllocNs: d.sa,
              crossbarNs: d.xb + 0.5, // a port is busy for a positive time
              linkNs: d.link + 0.5,
              creditNs: d.credit,
            },
          });
          const noc = new DetailedNoc(s.w, s.h, params);
          const kernel = new Kernel();
          const delivered = new Map<string, number>();
          noc.attach(kernel, (p, node) => {
            const key = `${p.id}@${node}`;
            delivered.set(key, (delivered.get(key) ?? 0) + 1);
          });
          const fabric = noc.asyncFabric;
          if (fabric === undefined) throw new Error('expected the async engine');
          const run = fabric.onEvent.bind(fabric);
          const missed: string[] = [];
          fabric.onEvent = (kind, t, b, ref, k) => {
            run(kind, t, b, ref, k);
            if (missed.length === 0) missed.push(...fabric.missedStarts(k.now));
          };
          const expected: string[] = [];
          s.raw.forEach((r, id) => {
            const dsts = [...new Set(r.dsts.map((x) => x % n))];
            for (const dst of dsts) expected.push(`${id}@${dst}`);
            const packet: NocPacket = {
              id,
              srcNode: r.src % n,
              dstNodes: dsts,
              // Tree multicast of multi-flit worms can deadlock (docs/noc.md): one flit there.
              flits: tree ? 1 : r.flits,
              kind: 'spike',
              payload: null,
            };
            kernel.scheduleAt(r.at / 2, -1, { onEvent: () => noc.inject(packet) }, 0);
          });
          kernel.run();
          expect(missed).toEqual([]);
          expect([...delivered.keys()].sort()).toEqual(expected.sort());
          expect([...delivered.values()].every((c) => c === 1)).toBe(true);
          expect(noc.flitsInFlight).toBe(0);
        },
      ),
      { numRuns: 300, seed: 20261128 },
    );
  });
});
