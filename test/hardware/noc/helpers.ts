import { DetailedNoc, type DetailedNocOptions } from '../../../src/hardware/noc/detailed.js';
import type { FlitTraceEvent } from '../../../src/hardware/noc/fabric.js';
import type { NocPacket, NocStats } from '../../../src/hardware/noc/network.js';
import type { NocParams } from '../../../src/hardware/noc/params.js';
import type { RefPacket } from '../../../src/hardware/noc/reference.js';
import { Kernel } from '../../../src/kernel/kernel.js';

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
  kernel.run();
  return { trace, deliveries, stats: noc.stats(), noc };
}

export function sortTrace(t: FlitTraceEvent[]): string[] {
  return t.map((e) => `${e.time}|${e.router}|${e.outPort}|${e.packetId}|${e.seq}`).sort();
}
