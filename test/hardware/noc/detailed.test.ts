import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DetailedNoc } from '../../../src/hardware/noc/detailed.js';
import { NocDeadlockError } from '../../../src/hardware/noc/fabric.js';
import { xyHops } from '../../../src/hardware/noc/network.js';
import { nocSchema } from '../../../src/hardware/noc/params.js';
import type { RefPacket } from '../../../src/hardware/noc/reference.js';
import {
  PORT_E,
  PORT_N,
  PORT_S,
  PORT_W,
  treeLinks,
  xyRoute,
} from '../../../src/hardware/noc/routing.js';
import { Kernel } from '../../../src/kernel/kernel.js';
import { runDetailed } from './helpers.js';

const traffic = (maxDsts: number) =>
  fc.record({
    w: fc.integer({ min: 1, max: 5 }),
    h: fc.integer({ min: 1, max: 5 }),
    timing: fc.constantFrom('clocked', 'async'),
    routing: fc.constantFrom('xy', 'yx', 'west-first'),
    tree: fc.boolean(),
    vcs: fc.integer({ min: 1, max: 3 }),
    depth: fc.integer({ min: 1, max: 4 }),
    raw: fc.array(
      fc.record({
        src: fc.nat(),
        dsts: fc.array(fc.nat(), { minLength: 1, maxLength: maxDsts }),
        flits: fc.integer({ min: 1, max: 4 }),
        cycle: fc.nat(20),
      }),
      { minLength: 1, maxLength: 60 },
    ),
  });

type Traffic = ReturnType<typeof traffic> extends fc.Arbitrary<infer T> ? T : never;

function setup(s: Traffic) {
  const n = s.w * s.h;
  const packets: RefPacket[] = s.raw.map((r, id) => ({
    id,
    src: r.src % n,
    dsts: [...new Set(r.dsts.map((d) => d % n))],
    flits: r.flits,
    cycle: r.cycle,
  }));
  const tree = s.tree && s.routing !== 'west-first';
  const params = nocSchema.parse({
    timing: s.timing,
    routing: s.routing,
    multicast: tree ? 'xy-tree' : 'unicast',
    virtualChannels: s.vcs,
    bufferDepthFlits: s.depth,
  });
  return { packets, params, tree };
}

describe('DetailedNoc properties (random traffic, both timing styles)', () => {
  it('delivers every packet exactly once per destination, with the hops of its route, never overfilling a buffer', () => {
    fc.assert(
      fc.property(traffic(3), (s) => {
        const { packets, params, tree } = setup(s);
        const run = runDetailed(s.w, s.h, params, packets, 1);
        const got = run.deliveries.map((d) => `${d.packetId}@${d.node}`).sort();
        const want = packets.flatMap((p) => p.dsts.map((d) => `${p.id}@${d}`)).sort();
        expect(got).toEqual(want);
        // Hops: links crossed by head flits = route length (unicast) or tree links (multicast).
        let hops = 0;
        for (const p of packets) {
          if (tree && p.dsts.length > 1)
            hops += treeLinks(xyRouteFor(s.routing), p.src, p.dsts, s.w, s.h).size;
          else for (const d of p.dsts) hops += xyHops(p.src, d, s.w);
        }
        const heads = run.trace.filter((e) => e.seq === 0 && e.outPort < 4).length;
        expect(heads).toBe(hops);
        expect(run.stats.hops).toBe(hops);
        expect(run.stats.flitHops).toBe(run.trace.filter((e) => e.outPort < 4).length);
        expect(run.stats.packetsDelivered).toBe(want.length);
        expect(run.stats.bufferMaxFlits).toBeLessThanOrEqual(s.depth);
        expect(run.noc.flitsInFlight).toBe(0);
        expect(run.stats.latencySum).toBeGreaterThanOrEqual(run.stats.zeroLoadLatencySum - 1e-9);
      }),
      { seed: 4242, numRuns: 120 },
    );
  });

  it('XY routes never turn from Y back to X; west-first goes west first; each hop follows the route', () => {
    fc.assert(
      fc.property(traffic(1), (s) => {
        const { packets, params } = setup({ ...s, tree: false });
        const run = runDetailed(s.w, s.h, params, packets, 1);
        const byPacket = new Map<number, { router: number; outPort: number; time: number }[]>();
        for (const e of run.trace) {
          if (e.seq !== 0) continue;
          const list = byPacket.get(e.packetId) ?? [];
          list.push(e);
          byPacket.set(e.packetId, list);
        }
        for (const p of packets) {
          const path = (byPacket.get(p.id) ?? [])
            .sort((a, b) => a.time - b.time)
            .map((e) => e.outPort);
          const isX = (o: number) => o === PORT_E || o === PORT_W;
          const isY = (o: number) => o === PORT_N || o === PORT_S;
          if (s.routing === 'xy') {
            const firstY = path.findIndex(isY);
            if (firstY >= 0) expect(path.slice(firstY).some(isX)).toBe(false);
          } else if (s.routing === 'yx') {
            const firstX = path.findIndex(isX);
            if (firstX >= 0) expect(path.slice(firstX).some(isY)).toBe(false);
          } else {
            const firstNotW = path.findIndex((o) => o !== PORT_W);
            if (firstNotW >= 0) expect(path.slice(firstNotW).includes(PORT_W)).toBe(false);
          }
          expect(path.at(-1)).toBe(4);
          expect(path.length - 1).toBe(xyHops(p.src, p.dsts[0], s.w));
        }
      }),
      { seed: 777, numRuns: 100 },
    );
  });

  it('west-first with no congestion to adapt to takes XY routes (ties go east, not north)', () => {
    fc.assert(
      fc.property(
        fc.record({
          w: fc.integer({ min: 2, max: 6 }),
          h: fc.integer({ min: 2, max: 6 }),
          timing: fc.constantFrom('clocked', 'async'),
          vcs: fc.integer({ min: 1, max: 3 }),
          pairs: fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 8 }),
        }),
        (s) => {
          const n = s.w * s.h;
          // One packet at a time: each finds the network empty.
          const packets: RefPacket[] = s.pairs.map(([a, b], id) => ({
            id,
            src: a % n,
            dsts: [b % n],
            flits: 1,
            cycle: id * 200,
          }));
          const params = nocSchema.parse({
            timing: s.timing,
            routing: 'west-first',
            virtualChannels: s.vcs,
          });
          const run = runDetailed(s.w, s.h, params, packets, 1);
          for (const p of packets) {
            const path = run.trace
              .filter((e) => e.packetId === p.id)
              .sort((a, b) => a.time - b.time)
              .map((e) => e.outPort);
            const want: number[] = [];
            for (let here = p.src; ; ) {
              const port = 31 - Math.clz32(xyRoute(here, p.dsts[0], s.w));
              want.push(port);
              if (port === 4) break;
              here += [-s.w, 1, s.w, -1][port];
            }
            expect(path).toEqual(want);
          }
        },
      ),
      { seed: 2026, numRuns: 60 },
    );
  });

  it('a routing function with a cycle of channel dependences deadlocks: the watchdog reports the blocked buffers', () => {
    // On a 2x2 mesh, route everything clockwise around the ring 0 -> 1 -> 3 -> 2 -> 0.
    const clockwise = (here: number, dst: number) => {
      if (here === dst) return 1 << 4;
      return 1 << [PORT_E, PORT_S, PORT_N, PORT_W][here];
    };
    for (const timing of ['clocked', 'async'] as const) {
      // The default watchdog (1 ms): a frozen network is recognised at once anyway.
      const params = nocSchema.parse({ timing, bufferDepthFlits: 1 });
      const noc = new DetailedNoc(2, 2, params, { routeFn: clockwise });
      const kernel = new Kernel();
      noc.attach(kernel, () => {});
      const far = [3, 2, 1, 0]; // two steps clockwise
      for (let src = 0; src < 4; src++)
        noc.inject({
          id: src,
          srcNode: src,
          dstNodes: [far[src]],
          flits: 8,
          kind: 'spike',
          payload: 0,
        });
      let error: unknown;
      try {
        kernel.run();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(NocDeadlockError);
      expect((error as NocDeadlockError).report).toMatch(/blocked buffers:\n {2}router/);
      expect(kernel.now).toBeLessThan(1000); // stopped, did not hang
    }
  });

  it('keeps the time-averaged and maximum buffer occupancy and per-link counts', () => {
    const params = nocSchema.parse({ timing: 'clocked' });
    const packets: RefPacket[] = Array.from({ length: 20 }, (_, id) => ({
      id,
      src: 0,
      dsts: [3],
      flits: 2,
      cycle: 0,
    }));
    const run = runDetailed(4, 1, params, packets, 1);
    const s = run.stats;
    expect(s.linkFlits?.[0 * 4 + PORT_E]).toBe(40);
    expect(s.linkFlits?.[2 * 4 + PORT_E]).toBe(40);
    expect(s.directionFlits).toEqual([0, 120, 0, 0, 40]);
    expect(s.bufferMaxFlits).toBe(4);
    expect(s.bufferMeanFlits).toBeGreaterThan(0);
    expect(s.linkUtilizationMax).toBeGreaterThan(0.3);
    expect(s.linkUtilizationMax).toBeLessThanOrEqual(1);
    expect(s.latencyP99).toBeGreaterThanOrEqual(s.latencyP50 ?? 0);
    expect(s.latencySum - s.zeroLoadLatencySum).toBeGreaterThan(0); // queueing at the source
  });
});

function xyRouteFor(routing: string) {
  return routing === 'yx' ? (h: number, d: number, w: number) => xyRouteYX(h, d, w) : xyRoute;
}
function xyRouteYX(h: number, d: number, w: number) {
  const dy = Math.floor(d / w) - Math.floor(h / w);
  if (dy !== 0) return dy > 0 ? 1 << PORT_S : 1 << PORT_N;
  return xyRoute(h, d, w);
}

describe('DetailedNoc inside a simulation', () => {
  it('handles packets offered between clock edges and from delivery callbacks (closed loop)', () => {
    for (const timing of ['clocked', 'async'] as const) {
      const params = nocSchema.parse({ timing, clocked: { clockNs: 2.5 } });
      const noc = new DetailedNoc(4, 4, params);
      const kernel = new Kernel();
      const trips: number[] = [];
      let id = 0;
      noc.attach(kernel, (p, dst, time) => {
        trips.push(time - (p.payload as number));
        if (id <= 20) {
          const back = {
            id: id++,
            srcNode: dst,
            dstNodes: [p.srcNode],
            flits: 2,
            kind: 'spike' as const,
            payload: time,
          };
          noc.inject(back);
        }
      });
      // Offered at 0.7 ns: when clocked, it waits for the edge at 2.5 ns.
      kernel.scheduleAt(
        0.7,
        0,
        {
          onEvent: () =>
            noc.inject({
              id: id++,
              srcNode: 0,
              dstNodes: [15],
              flits: 2,
              kind: 'spike',
              payload: 0.7,
            }),
        },
        0,
      );
      kernel.run();
      expect(trips).toHaveLength(21);
      const s = noc.stats();
      expect(s.packetsDelivered).toBe(21);
      expect(noc.flitsInFlight).toBe(0);
      // Alone in the network: every trip is all zero-load, edge alignment included.
      expect(s.zeroLoadLatencySum).toBeCloseTo(s.latencySum, 9);
      if (timing === 'clocked') {
        // 6 hops, 4-stage routers: 7 x 4 + 6 + 1 = 35 cycles, + 1.8 ns to the first edge.
        expect(trips[0]).toBeCloseTo(35 * 2.5 + 1.8, 9);
        // Later trips start from a delivery at a clock edge: the next edge is one cycle on.
        expect(trips[1]).toBeCloseTo(36 * 2.5, 9);
      } else expect(trips[0]).toBeCloseTo(7 * 1.5 + 6 + 1, 9);
    }
  });

  it('counts per-frame statistics from resetStats', () => {
    const noc = new DetailedNoc(3, 3, nocSchema.parse({ timing: 'clocked' }));
    const kernel = new Kernel();
    noc.attach(kernel, () => {});
    noc.inject({ id: 1, srcNode: 0, dstNodes: [8], flits: 1, kind: 'spike', payload: 0 });
    kernel.run();
    expect(noc.stats().hops).toBe(4);
    noc.resetStats();
    expect(noc.stats().hops).toBe(0);
    noc.inject({ id: 2, srcNode: 0, dstNodes: [1], flits: 1, kind: 'spike', payload: 0 });
    kernel.run();
    const s = noc.stats();
    expect(s.hops).toBe(1);
    expect(s.packetsDelivered).toBe(1);
    expect(s.packetsInjected).toBe(1);
  });
});
