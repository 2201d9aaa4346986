import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdealNoc } from '../../../src/hardware/noc/ideal.js';
import { type NocPacket, xyHops } from '../../../src/hardware/noc/network.js';
import { idealHopNs, nocSchema } from '../../../src/hardware/noc/params.js';
import { Kernel } from '../../../src/kernel/kernel.js';

describe('IdealNoc', () => {
  it('delivers every packet once per destination after hops x idealHopNs', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.array(
          fc.tuple(fc.nat(), fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), fc.nat(50)),
          {
            maxLength: 30,
          },
        ),
        fc.boolean(),
        (w, h, raw, tree) => {
          const n = w * h;
          const params = nocSchema.parse({ multicast: tree ? 'xy-tree' : 'unicast' });
          const noc = new IdealNoc(w, h, params);
          const kernel = new Kernel();
          const got: string[] = [];
          noc.attach(kernel, (p, d, t) => got.push(`${p.id}:${d}:${t}`));
          const want: string[] = [];
          raw.forEach(([src, dsts, at], id) => {
            const dstNodes = [...new Set(dsts.map((d) => d % n))];
            const pkt: NocPacket = {
              id,
              srcNode: src % n,
              dstNodes,
              flits: 1,
              kind: 'spike',
              payload: null,
            };
            kernel.scheduleAt(at, 1, { onEvent: () => noc.inject(pkt) }, 0);
            for (const d of dstNodes)
              want.push(`${id}:${d}:${at + xyHops(pkt.srcNode, d, w) * idealHopNs(params)}`);
          });
          kernel.run();
          expect(got.sort()).toEqual(want.sort());
          expect(noc.stats().packetsDelivered).toBe(want.length);
        },
      ),
      { seed: 1 },
    );
  });

  it('counts each link of a multicast tree once', () => {
    const params = nocSchema.parse({ multicast: 'xy-tree' });
    const noc = new IdealNoc(4, 4, params);
    const kernel = new Kernel();
    noc.attach(kernel, () => {});
    // From (0,0) to (3,0), (3,1), (3,3): shared trunk of 3 east links, then 3 south links.
    noc.inject({ id: 0, srcNode: 0, dstNodes: [3, 7, 15], flits: 1, kind: 'spike', payload: 0 });
    kernel.run();
    const s = noc.stats();
    expect(s.hops).toBe(6);
    expect(s.directionFlits).toEqual([0, 3, 3, 0, 3]);
    expect(s.packetsDelivered).toBe(3);
    const u = new IdealNoc(4, 4, nocSchema.parse({}));
    const k2 = new Kernel();
    u.attach(k2, () => {});
    u.inject({ id: 0, srcNode: 0, dstNodes: [3, 7, 15], flits: 1, kind: 'spike', payload: 0 });
    k2.run();
    expect(u.stats().hops).toBe(3 + 4 + 6);
    expect(u.stats().packetsInjected).toBe(3);
  });
});
