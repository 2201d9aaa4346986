import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AsyncFabric } from '../../../src/hardware/noc/async.js';
import { OneVcAsyncFabric } from '../../../src/hardware/noc/asyncOneVc.js';
import { nocSchema } from '../../../src/hardware/noc/params.js';
import type { RefPacket } from '../../../src/hardware/noc/reference.js';
import { runDetailed } from './helpers.js';

/**
 * The one-VC fast path of the asynchronous engine (asyncOneVc.ts) must take exactly the
 * decisions of the general engine (async.ts): same deliveries, in the same order, at the same
 * times, and the same statistics, for random traffic, delays, depths and packet lengths, with
 * unicast and tree-multicast worms mixed (the latter go through the general code inside the
 * fast engine).
 */
describe('async NoC: the one-VC fast path equals the general engine', () => {
  it('gives identical deliveries and statistics on random traffic', () => {
    const half = fc.constantFrom(0, 0.5, 1, 1.5);
    fc.assert(
      fc.property(
        fc.record({
          w: fc.integer({ min: 1, max: 5 }),
          h: fc.integer({ min: 1, max: 4 }),
          routing: fc.constantFrom('xy', 'yx'),
          tree: fc.boolean(),
          depth: fc.integer({ min: 1, max: 4 }),
          delays: fc.record({ rc: half, va: half, sa: half, xb: half, link: half, credit: half }),
          raw: fc.array(
            fc.record({
              src: fc.nat(),
              dsts: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
              flits: fc.integer({ min: 1, max: 3 }),
              at: fc.nat(40),
            }),
            { minLength: 1, maxLength: 200, size: 'large' },
          ),
        }),
        (s) => {
          const n = s.w * s.h;
          const d = s.delays;
          const params = nocSchema.parse({
            timing: 'async',
            routing: s.routing,
            multicast: s.tree ? 'xy-tree' : 'unicast',
            virtualChannels: 1,
            bufferDepthFlits: s.depth,
            async: {
              routeNs: d.rc,
              vcAllocNs: d.va,
              switchAllocNs: d.sa,
              crossbarNs: d.xb + 0.5,
              linkNs: d.link + 0.5,
              creditNs: d.credit,
            },
          });
          const packets: RefPacket[] = s.raw.map((r, id) => ({
            id,
            src: r.src % n,
            dsts: [...new Set(r.dsts.map((x) => x % n))],
            // Tree multicast of multi-flit worms can deadlock (docs/noc.md): one flit there.
            flits: s.tree ? 1 : r.flits,
            cycle: r.at,
          }));
          const fast = runDetailed(s.w, s.h, params, packets, 0.5, { trace: undefined });
          const general = runDetailed(s.w, s.h, params, packets, 0.5, {
            trace: undefined,
            generalAsync: true,
          });
          expect(fast.noc.asyncFabric).toBeInstanceOf(OneVcAsyncFabric);
          expect(general.noc.asyncFabric).not.toBeInstanceOf(OneVcAsyncFabric);
          expect(general.noc.asyncFabric).toBeInstanceOf(AsyncFabric);
          const expected = packets.reduce((sum, p) => sum + p.dsts.length, 0);
          expect(general.deliveries.length).toBe(expected);
          expect(fast.deliveries).toEqual(general.deliveries);
          expect(fast.stats).toEqual(general.stats);
        },
      ),
      { numRuns: 400, seed: 20261128 },
    );
  });

  it('is not used where it does not apply (several VCs, adaptive routing)', () => {
    const twoVcs = nocSchema.parse({ timing: 'async', virtualChannels: 2 });
    const westFirst = nocSchema.parse({ timing: 'async', routing: 'west-first' });
    for (const params of [twoVcs, westFirst]) {
      const run = runDetailed(2, 2, params, [], 1, { trace: undefined });
      expect(run.noc.asyncFabric).toBeInstanceOf(AsyncFabric);
      expect(run.noc.asyncFabric).not.toBeInstanceOf(OneVcAsyncFabric);
    }
  });
});
