import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DetailedNoc } from '../../../src/hardware/noc/detailed.js';
import { Kernel } from '../../../src/kernel/kernel.js';
import { asyncScenarioRun, asyncScenarios, offerPackets } from './helpers.js';

/**
 * The asynchronous engine keeps port releases and credits as times and queues a wake only when
 * a flit waits for one (docs/noc.md). A lost wake would leave a flit standing while everything
 * it needs is free. Invariant checked after every batch of network events, at its time `now`:
 * no eligible front flit has its input port, a wanted output and a usable credited output VC
 * all free (the engine would have started it), and every packet is delivered exactly once.
 */
describe('async NoC: no flit waits for a release that has already happened', () => {
  it('is work-conserving after every network event batch (random delays, VCs, depths, routings, multicast)', () => {
    fc.assert(
      fc.property(
        asyncScenarios({
          maxW: 4,
          maxH: 4,
          routings: ['xy', 'yx', 'west-first'],
          vcs: [1, 3],
          depth: [1, 3],
          maxPackets: 250,
          maxAt: 30,
        }),
        (s) => {
          const { params, packets } = asyncScenarioRun(s);
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
          for (const p of packets) for (const dst of p.dsts) expected.push(`${p.id}@${dst}`);
          offerPackets(kernel, noc, packets, 0.5);
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
