import { type NetworkOnChip, type NocPacket, xyHops } from '../hardware/noc/network.js';
import { getRoutingFunction, type RoutingFn, treeLinks } from '../hardware/noc/routing.js';
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
