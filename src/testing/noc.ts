import fc from 'fast-check';
import { DetailedNoc, type DetailedNocOptions } from '../hardware/noc/detailed.js';
import type { FlitTraceEvent } from '../hardware/noc/fabric.js';
import type { NocPacket, NocStats } from '../hardware/noc/network.js';
import { type NocParams, nocSchema } from '../hardware/noc/params.js';
import type { RefPacket } from '../hardware/noc/reference.js';
import { Kernel } from '../kernel/kernel.js';

export interface DetailedRun {
  trace: FlitTraceEvent[];
  deliveries: { packetId: number; node: number; time: number }[];
  stats: NocStats;
  noc: DetailedNoc;
}

/** Runs packets (offered at `cycle x timeUnit` kernel time) through a fresh detailed network. */
export function runDetailed(
  w: number,
  h: number,
  params: NocParams,
  packets: RefPacket[],
  timeUnit: number,
  options: DetailedNocOptions = {},
): DetailedRun {
  const trace: FlitTraceEvent[] = [];
  const deliveries: DetailedRun['deliveries'] = [];
  const noc = new DetailedNoc(w, h, params, { trace: (e) => trace.push(e), ...options });
  const kernel = new Kernel();
  noc.attach(kernel, (p, node, time) => deliveries.push({ packetId: p.id, node, time }));
  offerPackets(kernel, noc, packets, timeUnit);
  kernel.run();
  return { trace, deliveries, stats: noc.stats(), noc };
}

/** Schedules the injection of each packet at `cycle x timeUnit` kernel time. */
export function offerPackets(
  kernel: Kernel,
  noc: DetailedNoc,
  packets: RefPacket[],
  timeUnit: number,
): void {
  for (const p of packets) {
    const pkt: NocPacket = {
      id: p.id,
      srcNode: p.src,
      dstNodes: p.dsts,
      flits: p.flits,
      kind: 'spike',
      payload: null,
    };
    kernel.scheduleAt(p.cycle * timeUnit, -1, { onEvent: () => noc.inject(pkt) }, 0);
  }
}

/** A flit trace as sorted `time|router|outPort|packetId|seq` lines, to compare two runs' traces. */
export function sortTrace(t: FlitTraceEvent[]): string[] {
  return t.map((e) => `${e.time}|${e.router}|${e.outPort}|${e.packetId}|${e.seq}`).sort();
}

/** A random asynchronous-network scenario: mesh, router, stage delays and raw packets. */
export interface AsyncScenario {
  w: number;
  h: number;
  routing: 'xy' | 'yx' | 'west-first';
  tree: boolean;
  vcs: number;
  depth: number;
  delays: { rc: number; va: number; sa: number; xb: number; link: number; credit: number };
  /** Packets before reduction to the mesh (`x % nodes`): source, destinations, length, time. */
  raw: { src: number; dsts: number[]; flits: number; at: number }[];
}

/**
 * Arbitrary {@link AsyncScenario}s: meshes up to `maxW x maxH`, stage delays of 0-1.5 ns in
 * halves, up to `maxPackets` packets offered in `maxAt + 1` steps (heavy overload on small
 * meshes).
 */
export function asyncScenarios(o: {
  maxW: number;
  maxH: number;
  routings: AsyncScenario['routing'][];
  vcs: [number, number];
  depth: [number, number];
  maxPackets: number;
  maxAt: number;
}): fc.Arbitrary<AsyncScenario> {
  const half = fc.constantFrom(0, 0.5, 1, 1.5);
  return fc.record({
    w: fc.integer({ min: 1, max: o.maxW }),
    h: fc.integer({ min: 1, max: o.maxH }),
    routing: fc.constantFrom(...o.routings),
    tree: fc.boolean(),
    vcs: fc.integer({ min: o.vcs[0], max: o.vcs[1] }),
    depth: fc.integer({ min: o.depth[0], max: o.depth[1] }),
    delays: fc.record({ rc: half, va: half, sa: half, xb: half, link: half, credit: half }),
    raw: fc.array(
      fc.record({
        src: fc.nat(),
        dsts: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
        flits: fc.integer({ min: 1, max: 3 }),
        at: fc.nat(o.maxAt),
      }),
      { minLength: 1, maxLength: o.maxPackets, size: 'large' },
    ),
  });
}

/**
 * The scenario's network parameters (tree multicast only with a deterministic routing; the
 * crossbar and link take at least 0.5 ns, so a port is busy for a positive time) and its
 * packets, offered at `at` steps of 0.5 ns. Tree multicast of multi-flit worms can deadlock
 * (docs/noc.md): a tree scenario's packets have one flit.
 */
export function asyncScenarioRun(s: AsyncScenario): { params: NocParams; packets: RefPacket[] } {
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
      crossbarNs: d.xb + 0.5,
      linkNs: d.link + 0.5,
      creditNs: d.credit,
    },
  });
  const packets: RefPacket[] = s.raw.map((r, id) => ({
    id,
    src: r.src % n,
    dsts: [...new Set(r.dsts.map((x) => x % n))],
    flits: tree ? 1 : r.flits,
    cycle: r.at,
  }));
  return { params, packets };
}
