import { type IdealNoc, NOC_EVENT_PRIORITY } from '../hardware/noc/ideal.js';
import { type NetworkOnChip, type NocPacket, xyHops } from '../hardware/noc/network.js';
import { getRoutingFunction, type RoutingFn, treeLinks } from '../hardware/noc/routing.js';
import type { EventTarget, Kernel } from '../kernel/kernel.js';
import type { LayerLink, SimCore } from './connectivity.js';
import type { FrameSlot } from './frameResult.js';
import type { SimSetup } from './setup.js';

/** The spike a packet carries (shared by the packets of one spike). */
export interface SpikePayload {
  slot: FrameSlot;
  frame: number;
  neuron: number;
  tau: number;
  link: LayerLink;
  /** Stage of the sending layer (where its traffic is counted). */
  srcStage: number;
}

/**
 * Turns spikes and end-of-window markers into packets (SPEC section 5) and counts them:
 * unicast, one single-flit packet per destination core and its XY Manhattan distance in hops;
 * `xy-tree` multicast, one packet with every destination core in `dstNodes` and the links of
 * its XY tree (each counted once). A marker's payload is its frame number.
 */
export class PacketSender {
  private readonly cores: SimCore[];
  private readonly multicast: boolean;
  private readonly flits: number;
  private readonly meshWidth: number;
  private readonly meshHeight: number;
  private readonly route: RoutingFn;
  /** `[node]` for every node: the shared `dstNodes` of unicast packets. */
  private readonly singleNode: number[][];
  /** Tree hops of a multicast spike by `core * maxRows + emitted row`. */
  private readonly treeHopCache = new Map<number, number>();
  private readonly maxRows: number;
  private packetId = 0;

  constructor(
    setup: SimSetup,
    private readonly noc: NetworkOnChip,
  ) {
    const { mapping, hw } = setup;
    this.cores = setup.conn.cores;
    this.multicast = hw.noc.multicast === 'xy-tree';
    this.flits = hw.noc.spikePacketFlits;
    this.meshWidth = mapping.meshWidth;
    this.meshHeight = mapping.meshHeight;
    // Tree multicast follows a deterministic route: YX when configured, else XY.
    this.route = getRoutingFunction(hw.noc.routing === 'yx' ? 'yx' : 'xy');
    this.singleNode = Array.from({ length: this.meshWidth * this.meshHeight }, (_, i) => [i]);
    this.maxRows = Math.max(1, ...setup.conn.links.map((l) => l.inH));
  }

  /** Sends the spike of `payload` from core `c` (emitted row `y`) to its destination cores. */
  sendSpike(c: number, link: LayerLink, y: number, payload: SpikePayload, slot: FrameSlot): void {
    const src = this.cores[c]!.node;
    const st = payload.srcStage;
    if (this.multicast) {
      slot.packets[st]++;
      slot.hops[st] += this.treeHops(c, link, y);
      this.send(src, link.rowDstNodes[y]!, 'spike', payload);
      return;
    }
    const dsts = link.rowDst[y]!;
    for (let i = 0; i < dsts.length; i++) {
      const node = this.cores[dsts[i]!]!.node;
      slot.packets[st]++;
      slot.hops[st] += xyHops(src, node, this.meshWidth);
      this.send(src, this.singleNode[node]!, 'spike', payload);
    }
  }

  /** Sends core `c`'s end-of-window marker of frame `f` to its marker destinations. */
  sendMarkers(c: number, f: number, slot: FrameSlot): void {
    const core = this.cores[c]!;
    if (this.multicast) {
      const nodes = Array.from(core.markerDst, (d) => this.cores[d]!.node);
      slot.controlPackets++;
      slot.controlHops += treeLinks(
        this.route,
        core.node,
        nodes,
        this.meshWidth,
        this.meshHeight,
      ).size;
      this.send(core.node, nodes, 'control', f);
      return;
    }
    for (const d of core.markerDst) {
      const node = this.cores[d]!.node;
      slot.controlPackets++;
      slot.controlHops += xyHops(core.node, node, this.meshWidth);
      this.send(core.node, this.singleNode[node]!, 'control', f);
    }
  }

  private treeHops(c: number, link: LayerLink, y: number): number {
    const key = c * this.maxRows + y;
    let hops = this.treeHopCache.get(key);
    if (hops === undefined) {
      const src = this.cores[c]!.node;
      hops = treeLinks(this.route, src, link.rowDstNodes[y]!, this.meshWidth, this.meshHeight).size;
      this.treeHopCache.set(key, hops);
    }
    return hops;
  }

  private send(
    src: number,
    dstNodes: readonly number[],
    kind: 'spike' | 'control',
    payload: unknown,
  ): void {
    const packet: NocPacket = {
      id: this.packetId++,
      srcNode: src,
      dstNodes,
      flits: this.flits,
      kind,
      payload,
    };
    this.noc.inject(packet);
  }
}

/** Kernel event kinds of the deliveries {@link IdealSender} schedules on the simulator. */
export const K_SPIKE_DELIVERY = 4;
export const K_MARKER_DELIVERY = 5;
/** A group of spike deliveries arriving at one time (see {@link IdealSender.flushSpikes}). */
export const K_SPIKE_GROUP = 6;

/**
 * The spike deliveries of one core's emission step (one EMIT event) that arrive at one time:
 * pairs (destination core `d[i]`, emitted neuron `j[i]`) in the order they were sent, all of
 * frame slot `slot`. Recycled after it is processed.
 */
export interface DeliveryGroup {
  slot: FrameSlot | null;
  n: number;
  d: Int32Array;
  j: Int32Array;
}

/**
 * The same packets as {@link PacketSender}, counted the same way, on the ideal network without
 * packet objects: the ideal network only counts the traffic ({@link IdealNoc.countUnicast},
 * {@link IdealNoc.countTree}) and the sender schedules each delivery itself, on the destination
 * core's event target (`inboxes[core]`), at the time, priority and in the order
 * `IdealNoc.inject` would (`now + hops x hopNs`, {@link NOC_EVENT_PRIORITY}, destinations in
 * order):
 *
 * - spikes: the deliveries of one emission step that arrive at one time go as one event
 *   ({@link K_SPIKE_GROUP}, on `groupTarget`: `b` = injection time, `ref` = the
 *   {@link DeliveryGroup}), placed where its first delivery would have been and processed in
 *   order (see {@link flushSpikes}); a single delivery ({@link K_SPIKE_DELIVERY}: `a` = emitted
 *   neuron, `b` = injection time, `ref` = the frame slot) is still understood by the receiver;
 * - marker ({@link K_MARKER_DELIVERY}, on the destination's inbox): `a` = frame, `b` =
 *   injection time.
 *
 * The receiver reports each delivery's latency (`now - b`) to {@link IdealNoc.recordDelivery}
 * (or {@link IdealNoc.recordDeliveries} for a group).
 */
export class IdealSender {
  private readonly cores: SimCore[];
  private readonly coreNode: Int32Array;
  private readonly multicast: boolean;
  private readonly flits: number;
  private readonly hopNs: number;
  private readonly meshWidth: number;
  private readonly meshHeight: number;
  private readonly route: RoutingFn;
  private readonly maxRows: number;
  /** Tree hops of a multicast spike by `core * maxRows + emitted row`. */
  private readonly treeHopCache = new Map<number, number>();
  /** Multicast markers: per core, its destinations' nodes (a stable array) and tree hops. */
  private readonly markerNodes: number[][];
  private readonly markerTreeHops: Int32Array;
  /** Open spike groups of the current emission step: arrival times and groups, in order. */
  private groupTime = new Float64Array(8);
  private readonly groups: (DeliveryGroup | null)[] = [];
  private groupCount = 0;
  private readonly freeGroups: DeliveryGroup[] = [];

  constructor(
    setup: SimSetup,
    private readonly noc: IdealNoc,
    private readonly kernel: Kernel,
    private readonly inboxes: readonly EventTarget[],
    private readonly groupTarget: EventTarget,
  ) {
    const { mapping, hw } = setup;
    this.cores = setup.conn.cores;
    this.coreNode = Int32Array.from(this.cores, (c) => c.node);
    this.multicast = hw.noc.multicast === 'xy-tree';
    this.flits = hw.noc.spikePacketFlits;
    this.hopNs = noc.hopNs;
    this.meshWidth = mapping.meshWidth;
    this.meshHeight = mapping.meshHeight;
    this.route = getRoutingFunction(hw.noc.routing === 'yx' ? 'yx' : 'xy');
    this.maxRows = Math.max(1, ...setup.conn.links.map((l) => l.inH));
    this.markerNodes = this.cores.map((c) => Array.from(c.markerDst, (d) => this.coreNode[d]!));
    this.markerTreeHops = Int32Array.from(this.cores, (c, i) =>
      this.multicast
        ? treeLinks(this.route, c.node, this.markerNodes[i]!, this.meshWidth, this.meshHeight).size
        : 0,
    );
  }

  /**
   * Sends the spike of emitted neuron `j` (row `y`) of core `c` to its destination cores;
   * `srcStage` is the sending layer's stage (where its traffic is counted). The deliveries are
   * collected into groups by arrival time and scheduled by {@link flushSpikes}, which the caller
   * must call before its event ends (after the last spike of its emission step).
   */
  sendSpike(c: number, link: LayerLink, y: number, j: number, slot: FrameSlot, srcStage: number) {
    const noc = this.noc;
    const now = this.kernel.now;
    const src = this.coreNode[c]!;
    const dsts = link.rowDst[y]!;
    const hopNs = this.hopNs;
    if (this.multicast) {
      slot.packets[srcStage]++;
      slot.hops[srcStage] += this.treeHops(c, link, y);
      const nodes = link.rowDstNodes[y]!;
      if (nodes.length === 1) {
        const h = noc.countUnicast(src, nodes[0]!, this.flits);
        this.addDelivery(now + h * hopNs, dsts[0]!, j, slot);
        return;
      }
      const hops = noc.countTree(src, nodes, this.flits);
      for (let i = 0; i < dsts.length; i++) {
        this.addDelivery(now + hops[i]! * hopNs, dsts[i]!, j, slot);
      }
      return;
    }
    let hopSum = 0;
    for (let i = 0; i < dsts.length; i++) {
      const d = dsts[i]!;
      const h = noc.countUnicast(src, this.coreNode[d]!, this.flits);
      hopSum += h;
      this.addDelivery(now + h * hopNs, d, j, slot);
    }
    slot.packets[srcStage] += dsts.length;
    slot.hops[srcStage] += hopSum;
  }

  /** Adds one spike delivery at time `t` to the open group of that time (or a new one). */
  private addDelivery(t: number, d: number, j: number, slot: FrameSlot): void {
    const times = this.groupTime;
    const count = this.groupCount;
    let g: DeliveryGroup | null = null;
    for (let i = 0; i < count; i++) {
      if (times[i] === t) {
        g = this.groups[i]!;
        break;
      }
    }
    if (g === null) {
      g = this.freeGroups.pop() ?? {
        slot: null,
        n: 0,
        d: new Int32Array(16),
        j: new Int32Array(16),
      };
      g.slot = slot;
      g.n = 0;
      if (count === times.length) {
        const grown = new Float64Array(count * 2);
        grown.set(times);
        this.groupTime = grown;
      }
      this.groupTime[count] = t;
      this.groups[count] = g;
      this.groupCount = count + 1;
    }
    const n = g.n;
    if (n === g.d.length) {
      const d2 = new Int32Array(n * 2);
      d2.set(g.d);
      g.d = d2;
      const j2 = new Int32Array(n * 2);
      j2.set(g.j);
      g.j = j2;
    }
    g.d[n] = d;
    g.j[n] = j;
    g.n = n + 1;
  }

  /**
   * Schedules the open spike groups: one kernel event per arrival time ({@link K_SPIKE_GROUP},
   * `b` = injection time, `ref` = the group), in the order of their first deliveries. During one
   * emission step nothing else is scheduled at the network's priority, so the group lies in its
   * `(time, priority)` bucket exactly where its deliveries would have been, one after the other,
   * and the receiver processes them in that order, at that time (then {@link releaseGroup}).
   */
  flushSpikes(): void {
    const kernel = this.kernel;
    const now = kernel.now;
    const count = this.groupCount;
    for (let i = 0; i < count; i++) {
      kernel.scheduleAt(
        this.groupTime[i]!,
        NOC_EVENT_PRIORITY,
        this.groupTarget,
        K_SPIKE_GROUP,
        0,
        now,
        this.groups[i]!,
      );
      this.groups[i] = null;
    }
    this.groupCount = 0;
  }

  /** Returns a processed group for reuse. */
  releaseGroup(g: DeliveryGroup): void {
    g.slot = null;
    g.n = 0;
    this.freeGroups.push(g);
  }

  /** Sends core `c`'s end-of-window marker of frame `f` to its marker destinations. */
  sendMarkers(c: number, f: number, slot: FrameSlot): void {
    const kernel = this.kernel;
    const noc = this.noc;
    const now = kernel.now;
    const src = this.coreNode[c]!;
    const dsts = this.cores[c]!.markerDst;
    if (this.multicast) {
      const nodes = this.markerNodes[c]!;
      slot.controlPackets++;
      slot.controlHops += this.markerTreeHops[c]!;
      const hops =
        nodes.length === 1
          ? [noc.countUnicast(src, nodes[0]!, this.flits)]
          : noc.countTree(src, nodes, this.flits);
      for (let i = 0; i < dsts.length; i++) {
        kernel.scheduleAt(
          now + hops[i]! * this.hopNs,
          NOC_EVENT_PRIORITY,
          this.inboxes[dsts[i]!]!,
          K_MARKER_DELIVERY,
          f,
          now,
        );
      }
      return;
    }
    for (let i = 0; i < dsts.length; i++) {
      const d = dsts[i]!;
      const h = noc.countUnicast(src, this.coreNode[d]!, this.flits);
      slot.controlPackets++;
      slot.controlHops += h;
      kernel.scheduleAt(
        now + h * this.hopNs,
        NOC_EVENT_PRIORITY,
        this.inboxes[d]!,
        K_MARKER_DELIVERY,
        f,
        now,
      );
    }
  }

  private treeHops(c: number, link: LayerLink, y: number): number {
    const key = c * this.maxRows + y;
    let hops = this.treeHopCache.get(key);
    if (hops === undefined) {
      const src = this.coreNode[c]!;
      hops = treeLinks(this.route, src, link.rowDstNodes[y]!, this.meshWidth, this.meshHeight).size;
      this.treeHopCache.set(key, hops);
    }
    return hops;
  }
}
