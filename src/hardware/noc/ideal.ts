import type { EventTarget, Kernel } from '../../kernel/kernel.js';
import type { DeliverFn, NetworkOnChip, NocPacket, NocStats } from './network.js';
import { idealHopNs, type NocParams } from './params.js';
import { getRoutingFunction, lowestPort, neighbour, type RoutingFn, treeLinks } from './routing.js';
import { NocStatsCollector } from './statsCollector.js';

/** Kernel priority of network delivery events (lower runs first at equal times). */
export const NOC_EVENT_PRIORITY = 0;

/**
 * The ideal network: no buffers, no contention. A packet injected at time t reaches
 * destination d at
 *
 *     t + hops(src, d) * idealHopNs
 *
 * where hops is the length of its route (XY by default: the Manhattan distance), whatever else
 * is in flight. Serialization of multi-flit packets is ignored (spikes are one flit). With
 * `multicast: 'xy-tree'` a packet with several destinations counts each link of its tree once
 * in `hops`; with `unicast` it counts as one packet per destination (as the sender would send).
 * Delivery to the source's own node (0 hops) happens at t, through a kernel event.
 */
export class IdealNoc implements NetworkOnChip, EventTarget {
  readonly kind = 'ideal' as const;
  private kernel: Kernel | undefined;
  private onDeliver: DeliverFn = () => {};
  private readonly hopNs: number;
  private readonly route: RoutingFn;
  private readonly tree: boolean;
  private readonly collector: NocStatsCollector;

  constructor(
    readonly meshWidth: number,
    readonly meshHeight: number,
    params: NocParams,
  ) {
    if (
      !(
        Number.isInteger(meshWidth) &&
        meshWidth > 0 &&
        Number.isInteger(meshHeight) &&
        meshHeight > 0
      )
    )
      throw new RangeError(`bad mesh size ${meshWidth}x${meshHeight}`);
    this.hopNs = idealHopNs(params);
    // Adaptive routing has no contention to adapt to here: the ideal network takes XY for it.
    this.route = getRoutingFunction(params.routing === 'west-first' ? 'xy' : params.routing);
    this.tree = params.multicast === 'xy-tree';
    this.collector = new NocStatsCollector(meshWidth * meshHeight);
  }

  attach(kernel: Kernel, onDeliver: DeliverFn): void {
    if (this.kernel !== undefined) throw new Error('IdealNoc.attach called twice');
    this.kernel = kernel;
    this.onDeliver = onDeliver;
    this.collector.reset(kernel.now);
  }

  inject(packet: NocPacket): void {
    const kernel = this.kernel;
    if (kernel === undefined) throw new Error('IdealNoc.inject before attach');
    const nodes = this.meshWidth * this.meshHeight;
    for (const d of packet.dstNodes) {
      if (!(d >= 0 && d < nodes)) throw new RangeError(`packet ${packet.id}: bad destination ${d}`);
    }
    if (this.tree || packet.dstNodes.length <= 1) this.send(kernel, packet, packet.dstNodes);
    else for (const d of packet.dstNodes) this.send(kernel, packet, [d]);
  }

  /** Sends one (unicast or tree) packet: counts its links and schedules its deliveries. */
  private send(kernel: Kernel, packet: NocPacket, dsts: readonly number[]): void {
    const w = this.meshWidth;
    const h = this.meshHeight;
    const c = this.collector;
    const s = c.stats;
    const flits = packet.flits;
    s.packetsInjected++;
    c.flitsInjected += flits;
    s.routerFlits[packet.srcNode] += flits;
    if (dsts.length === 1) {
      // Unicast fast path: walk the route, no set of links.
      const d = dsts[0];
      let here = packet.srcNode;
      let hops = 0;
      while (here !== d) {
        const port = lowestPort(this.route(here, d, w));
        s.directionFlits[port] += flits;
        c.linkFlits[here * 4 + port] += flits;
        here = neighbour(here, port, w, h);
        s.routerFlits[here] += flits;
        hops++;
      }
      s.hops += hops;
      s.flitHops += hops * flits;
      s.directionFlits[4] += flits;
      kernel.scheduleAt(
        kernel.now + hops * this.hopNs,
        NOC_EVENT_PRIORITY,
        this,
        0,
        d,
        kernel.now,
        packet,
      );
      return;
    }
    const links = treeLinks(this.route, packet.srcNode, dsts, w, h);
    s.hops += links.size;
    s.flitHops += links.size * flits;
    for (const link of links) {
      const port = link & 3;
      s.directionFlits[port] += flits;
      c.linkFlits[link] += flits;
      s.routerFlits[neighbour(link >> 2, port, w, h)] += flits;
    }
    for (const d of dsts) {
      let hops = 0;
      for (let here = packet.srcNode; here !== d; hops++) {
        here = neighbour(here, lowestPort(this.route(here, d, w)), w, h);
      }
      s.directionFlits[4] += flits;
      kernel.scheduleAt(
        kernel.now + hops * this.hopNs,
        NOC_EVENT_PRIORITY,
        this,
        0,
        d,
        kernel.now,
        packet,
      );
    }
  }

  onEvent(_kind: number, dst: number, injectTime: number, ref: unknown, kernel: Kernel): void {
    const latency = kernel.now - injectTime;
    // Ideal: the latency is the zero-load latency; no congestion part.
    this.collector.recordDelivery(latency, latency);
    this.onDeliver(ref as NocPacket, dst, kernel.now);
  }

  stats(): NocStats {
    const w = this.meshWidth;
    const h = this.meshHeight;
    return this.collector.snapshot(
      this.kernel?.now ?? 0,
      this.hopNs,
      0,
      (link) => neighbour(link >> 2, link & 3, w, h) >= 0,
    );
  }

  resetStats(): void {
    this.collector.reset(this.kernel?.now ?? 0);
  }
}
