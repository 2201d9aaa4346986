import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AsyncFabric } from '../../../src/hardware/noc/async.js';
import { OneVcAsyncFabric } from '../../../src/hardware/noc/asyncOneVc.js';
import { nocSchema } from '../../../src/hardware/noc/params.js';
import { xyRoute, yxRoute } from '../../../src/hardware/noc/routing.js';
import { asyncScenarioRun, asyncScenarios, runDetailed } from './helpers.js';

/**
 * The one-VC fast path of the asynchronous engine (asyncOneVc.ts) must take exactly the
 * decisions of the general engine (async.ts): same deliveries, in the same order, at the same
 * times, and the same statistics, for random traffic, delays, depths and packet lengths, with
 * unicast and tree-multicast worms mixed (the latter go through the general code inside the
 * fast engine).
 */
describe('async NoC: the one-VC fast path equals the general engine', () => {
  it('gives identical deliveries and statistics on random traffic', () => {
    fc.assert(
      fc.property(
        asyncScenarios({
          maxW: 5,
          maxH: 4,
          routings: ['xy', 'yx'],
          vcs: [1, 1],
          depth: [1, 4],
          maxPackets: 200,
          maxAt: 40,
        }),
        (s) => {
          const { params, packets } = asyncScenarioRun(s);
          // Half the cases give the fast path the routing function wrapped, so that it routes
          // through its table rather than from coordinates (which it does for XY and YX).
          const fn = s.routing === 'xy' ? xyRoute : yxRoute;
          const routeFn =
            s.raw.length % 2 === 0 ? (h: number, d: number, w: number) => fn(h, d, w) : undefined;
          const fast = runDetailed(s.w, s.h, params, packets, 0.5, { trace: undefined, routeFn });
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
