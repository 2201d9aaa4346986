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

/**
 * The same packets as {@link PacketSender}, counted the same way, on the ideal network without
 * packet objects: the ideal network only counts the traffic ({@link IdealNoc.countUnicast},
 * {@link IdealNoc.countTree}) and the sender schedules each delivery itself, on the destination
 * core's event target (`inboxes[core]`), at the time, priority and in the order
 * `IdealNoc.inject` would (`now + hops x hopNs`, {@link NOC_EVENT_PRIORITY}, destinations in
 * order). A delivery event carries numbers only:
 *
 * - spike ({@link K_SPIKE_DELIVERY}): `a` = emitted neuron, `b` = injection time, `ref` = the
 *   frame slot;
 * - marker ({@link K_MARKER_DELIVERY}): `a` = frame, `b` = injection time.
 *
 * The receiver reports each delivery's latency (`now - b`) to {@link IdealNoc.recordDelivery}.
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

  constructor(
    setup: SimSetup,
    private readonly noc: IdealNoc,
    private readonly kernel: Kernel,
    private readonly inboxes: readonly EventTarget[],
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
   * `srcStage` is the sending layer's stage (where its traffic is counted).
   */
  sendSpike(c: number, link: LayerLink, y: number, j: number, slot: FrameSlot, srcStage: number) {
    const kernel = this.kernel;
    const noc = this.noc;
    const now = kernel.now;
    const src = this.coreNode[c]!;
    const dsts = link.rowDst[y]!;
    const hopNs = this.hopNs;
    if (this.multicast) {
      slot.packets[srcStage]++;
      slot.hops[srcStage] += this.treeHops(c, link, y);
      const nodes = link.rowDstNodes[y]!;
      if (nodes.length === 1) {
        const h = noc.countUnicast(src, nodes[0]!, this.flits);
        kernel.scheduleAt(
          now + h * hopNs,
          NOC_EVENT_PRIORITY,
          this.inboxes[dsts[0]!]!,
          K_SPIKE_DELIVERY,
          j,
          now,
          slot,
        );
        return;
      }
      const hops = noc.countTree(src, nodes, this.flits);
      for (let i = 0; i < dsts.length; i++) {
        kernel.scheduleAt(
          now + hops[i]! * hopNs,
          NOC_EVENT_PRIORITY,
          this.inboxes[dsts[i]!]!,
          K_SPIKE_DELIVERY,
          j,
          now,
          slot,
        );
      }
      return;
    }
    let hopSum = 0;
    for (let i = 0; i < dsts.length; i++) {
      const d = dsts[i]!;
      const h = noc.countUnicast(src, this.coreNode[d]!, this.flits);
      hopSum += h;
      kernel.scheduleAt(
        now + h * hopNs,
        NOC_EVENT_PRIORITY,
        this.inboxes[d]!,
        K_SPIKE_DELIVERY,
        j,
        now,
        slot,
      );
    }
    slot.packets[srcStage] += dsts.length;
    slot.hops[srcStage] += hopSum;
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
