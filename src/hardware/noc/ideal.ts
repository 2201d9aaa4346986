import type { EventTarget, Kernel } from '../../kernel/kernel.js';
import {
  checkMeshSize,
  type DeliverFn,
  meshCoordinates,
  type NetworkOnChip,
  type NocPacket,
  type NocStats,
} from './network.js';
import { idealHopNs, type NocParams } from './params.js';
import { getRoutingFunction, lowestPort, neighbour, type RoutingFn, treeLinks } from './routing.js';
import { NocStatsCollector } from './statsCollector.js';

/** Kernel priority of network delivery events (lower runs first at equal times). */
export const NOC_EVENT_PRIORITY = 0;

/** Largest mesh (nodes) whose unicast traffic is tallied per (source, destination) pair. */
const PAIR_TALLY_MAX_NODES = 1024;

/** A multicast tree of one (source, destination list): its links and each destination's hops. */
export interface IdealTree {
  /** Links of the tree, `node * 4 + port`, each once. */
  links: Int32Array;
  /** Routers the tree enters (the far end of each link). */
  routers: Int32Array;
  /** Hops of the route to each destination, in the order of the destination list. */
  hops: Int32Array;
}

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
 *
 * Counting: a unicast packet adds its flits to a per-(source, destination) tally, O(1) per
 * packet; the per-link, per-router and per-direction flits of those tallies are added up along
 * each route when statistics are asked for (`stats()`). The counts are integers, so the result
 * is the same as counting hop by hop as packets go. Tree packets count their cached tree's links
 * at once.
 *
 * Besides {@link NetworkOnChip.inject}, the simulator may drive it directly, without packet
 * objects ({@link countUnicast}, {@link countTree}, {@link recordDelivery}): it then schedules
 * the deliveries itself, at `now + hops * hopNs` with {@link NOC_EVENT_PRIORITY}, exactly when and
 * in the order `inject` would, and reports each delivery's latency.
 */
export class IdealNoc implements NetworkOnChip, EventTarget {
  readonly kind = 'ideal' as const;
  /** Delay of one hop (kernel time units). */
  readonly hopNs: number;
  private kernel: Kernel | undefined;
  private onDeliver: DeliverFn = () => {};
  private readonly route: RoutingFn;
  /** The route is dimension-ordered XY or YX: hops = Manhattan distance. */
  private readonly tree: boolean;
  private readonly collector: NocStatsCollector;
  private readonly nodes: number;
  /** Mesh coordinates of each node. */
  private readonly nodeX: Int32Array;
  private readonly nodeY: Int32Array;
  /**
   * Per (src * nodes + dst): flits and packets of unicast packets not yet added to the stats;
   * null on meshes above {@link PAIR_TALLY_MAX_NODES} nodes (routes are then walked per packet).
   */
  private readonly pairFlits: Float64Array | null;
  private readonly pairPackets: Float64Array | null;
  /** Pairs with a non-zero tally (each listed once). */
  private pairList: Int32Array;
  private pairCount = 0;
  /** Trees by destination list (identity) and source. */
  private readonly trees = new WeakMap<readonly number[], Map<number, IdealTree>>();

  constructor(
    readonly meshWidth: number,
    readonly meshHeight: number,
    params: NocParams,
  ) {
    checkMeshSize(meshWidth, meshHeight);
    this.hopNs = idealHopNs(params);
    // Adaptive routing has no contention to adapt to here: the ideal network takes XY for it.
    this.route = getRoutingFunction(params.routing === 'west-first' ? 'xy' : params.routing);
    this.tree = params.multicast === 'xy-tree';
    const n = meshWidth * meshHeight;
    this.nodes = n;
    this.collector = new NocStatsCollector(n);
    ({ nodeX: this.nodeX, nodeY: this.nodeY } = meshCoordinates(n, meshWidth));
    const tally = n <= PAIR_TALLY_MAX_NODES;
    this.pairFlits = tally ? new Float64Array(n * n) : null;
    this.pairPackets = tally ? new Float64Array(n * n) : null;
    this.pairList = new Int32Array(64);
  }

  attach(kernel: Kernel, onDeliver: DeliverFn): void {
    if (this.kernel !== undefined) throw new Error('IdealNoc.attach called twice');
    this.kernel = kernel;
    this.onDeliver = onDeliver;
    this.resetCounts(kernel.now);
  }

  inject(packet: NocPacket): void {
    const kernel = this.kernel;
    if (kernel === undefined) throw new Error('IdealNoc.inject before attach');
    const nodes = this.nodes;
    const dsts = packet.dstNodes;
    for (const d of dsts) {
      if (!(d >= 0 && d < nodes)) throw new RangeError(`packet ${packet.id}: bad destination ${d}`);
    }
    const now = kernel.now;
    if (dsts.length === 0) {
      // Counted as injected, delivered nowhere.
      this.collector.stats.packetsInjected++;
      this.collector.flitsInjected += packet.flits;
      this.collector.stats.routerFlits[packet.srcNode] += packet.flits;
      return;
    }
    if (this.tree && dsts.length > 1) {
      const hops = this.countTreeOf(packet.srcNode, dsts, packet.flits, false);
      for (let i = 0; i < dsts.length; i++) {
        kernel.scheduleAt(
          now + hops[i]! * this.hopNs,
          NOC_EVENT_PRIORITY,
          this,
          0,
          dsts[i]!,
          now,
          packet,
        );
      }
      return;
    }
    for (let i = 0; i < dsts.length; i++) {
      const d = dsts[i]!;
      const hops = this.countUnicast(packet.srcNode, d, packet.flits);
      kernel.scheduleAt(now + hops * this.hopNs, NOC_EVENT_PRIORITY, this, 0, d, now, packet);
    }
  }

  /**
   * Counts one unicast packet from `src` to `dst` (the caller schedules its delivery at
   * `now + hops * hopNs`). Returns the hops of its route.
   */
  countUnicast(src: number, dst: number, flits: number): number {
    const c = this.collector;
    const s = c.stats;
    s.packetsInjected++;
    c.flitsInjected += flits;
    s.routerFlits[src] += flits;
    s.directionFlits[4] += flits;
    // XY and YX routes are minimal: their hops are the Manhattan distance.
    const hops =
      Math.abs(this.nodeX[dst]! - this.nodeX[src]!) + Math.abs(this.nodeY[dst]! - this.nodeY[src]!);
    const packets = this.pairPackets;
    if (packets === null) {
      this.countRoute(src, dst, flits, 1, hops);
      return hops;
    }
    const pair = src * this.nodes + dst;
    if (packets[pair] === 0) {
      if (this.pairCount === this.pairList.length) {
        const grown = new Int32Array(this.pairList.length * 2);
        grown.set(this.pairList);
        this.pairList = grown;
      }
      this.pairList[this.pairCount++] = pair;
    }
    packets[pair]++;
    this.pairFlits![pair] += flits;
    return hops;
  }

  /** Adds `packets` packets of `flits` flits in all along the route from `src` to `dst`. */
  private countRoute(src: number, dst: number, flits: number, packets: number, hops: number): void {
    const c = this.collector;
    const s = c.stats;
    const w = this.meshWidth;
    const h = this.meshHeight;
    s.hops += packets * hops;
    s.flitHops += flits * hops;
    let here = src;
    while (here !== dst) {
      const port = lowestPort(this.route(here, dst, w));
      s.directionFlits[port] += flits;
      c.linkFlits[here * 4 + port] += flits;
      here = neighbour(here, port, w, h);
      s.routerFlits[here] += flits;
    }
  }

  /**
   * Counts one tree multicast packet from `src` to `dsts` (more than one destination; the array
   * must not change afterwards: its tree is cached by identity). Returns the hops to each
   * destination (the caller schedules the deliveries in `dsts` order). Do not modify the result.
   */
  countTree(src: number, dsts: readonly number[], flits: number): Int32Array {
    return this.countTreeOf(src, dsts, flits, true);
  }

  private countTreeOf(src: number, dsts: readonly number[], flits: number, cache: boolean) {
    const c = this.collector;
    const s = c.stats;
    let t: IdealTree | undefined;
    if (cache) {
      let bySrc = this.trees.get(dsts);
      if (bySrc === undefined) {
        bySrc = new Map();
        this.trees.set(dsts, bySrc);
      }
      t = bySrc.get(src);
      if (t === undefined) {
        t = this.buildTree(src, dsts);
        bySrc.set(src, t);
      }
    } else t = this.buildTree(src, dsts);
    s.packetsInjected++;
    c.flitsInjected += flits;
    s.routerFlits[src] += flits;
    const links = t.links;
    s.hops += links.length;
    s.flitHops += links.length * flits;
    for (let i = 0; i < links.length; i++) {
      const link = links[i]!;
      s.directionFlits[link & 3] += flits;
      c.linkFlits[link] += flits;
      s.routerFlits[t.routers[i]!] += flits;
    }
    s.directionFlits[4] += dsts.length * flits;
    return t.hops;
  }

  private buildTree(src: number, dsts: readonly number[]): IdealTree {
    const w = this.meshWidth;
    const h = this.meshHeight;
    const links = Int32Array.from(treeLinks(this.route, src, dsts, w, h));
    const routers = links.map((link) => neighbour(link >> 2, link & 3, w, h));
    const hops = Int32Array.from(
      dsts,
      (d) =>
        Math.abs(this.nodeX[d]! - this.nodeX[src]!) + Math.abs(this.nodeY[d]! - this.nodeY[src]!),
    );
    return { links, routers, hops };
  }

  /** Records the delivery of a packet (to one destination) injected `latency` ago. */
  recordDelivery(latency: number): void {
    // Ideal: the latency is the zero-load latency; no congestion part.
    this.collector.recordDelivery(latency, latency);
  }

  /** Records `count` deliveries injected `latency` ago (as `count` recordDelivery calls). */
  recordDeliveries(latency: number, count: number): void {
    this.collector.recordDeliveries(latency, latency, count);
  }

  onEvent(_kind: number, dst: number, injectTime: number, ref: unknown, kernel: Kernel): void {
    const latency = kernel.now - injectTime;
    this.collector.recordDelivery(latency, latency);
    this.onDeliver(ref as NocPacket, dst, kernel.now);
  }

  /** Adds the unicast tallies to the statistics, route by route, and clears them. */
  private flushPairs(): void {
    const packets = this.pairPackets;
    const flits = this.pairFlits;
    if (packets === null || flits === null) return;
    const n = this.nodes;
    for (let i = 0; i < this.pairCount; i++) {
      const pair = this.pairList[i]!;
      const dst = pair % n;
      const src = (pair - dst) / n;
      const hops =
        Math.abs(this.nodeX[dst]! - this.nodeX[src]!) +
        Math.abs(this.nodeY[dst]! - this.nodeY[src]!);
      this.countRoute(src, dst, flits[pair]!, packets[pair]!, hops);
      packets[pair] = 0;
      flits[pair] = 0;
    }
    this.pairCount = 0;
  }

  stats(): NocStats {
    this.flushPairs();
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
    this.resetCounts(this.kernel?.now ?? 0);
  }

  private resetCounts(now: number): void {
    if (this.pairPackets !== null && this.pairFlits !== null) {
      for (let i = 0; i < this.pairCount; i++) {
        this.pairPackets[this.pairList[i]!] = 0;
        this.pairFlits[this.pairList[i]!] = 0;
      }
    }
    this.pairCount = 0;
    this.collector.reset(now);
  }
}
