import type { Kernel } from '../../kernel/kernel.js';

/**
 * The seam between the spiking simulation and the network-on-chip. Two implementations sit
 * behind it: `ideal` (XY hop count, fixed per-hop delay, no contention) and `detailed` (routers
 * with buffers, allocation, crossbar, links and credits). The simulation never looks inside.
 *
 * Mesh nodes are numbered row-major: `node = y * meshWidth + x`, x to the east, y to the south.
 * A packet carries its spike (in `payload`), so the network changes only *when* things happen,
 * never a spike time.
 */
export interface NocPacket {
  /** Unique per run, assigned by the sender. */
  id: number;
  srcNode: number;
  /** One node for unicast; several for an XY-tree multicast packet. */
  dstNodes: readonly number[];
  /** Packet length in flits (spikes are 1 flit). */
  flits: number;
  /** 'spike' packets carry spikes; 'control' packets carry end-of-window markers. */
  kind: 'spike' | 'control';
  /** Opaque to the network, handed back on delivery. */
  payload: unknown;
}

/** Called once per (packet, destination) when the packet's tail flit reaches the destination. */
export type DeliverFn = (packet: NocPacket, dstNode: number, time: number) => void;

/** Statistics every network reports. Times are in the kernel's unit (ns in the SNN simulation). */
export interface NocStats {
  packetsInjected: number;
  /** Deliveries: one per (packet, destination). */
  packetsDelivered: number;
  /** Links traversed by packets (a multicast tree counts each tree link once). */
  hops: number;
  /** Links traversed by flits (hops x flits per packet). */
  flitHops: number;
  /** Per direction, flits leaving routers: [N, E, S, W, local]. */
  directionFlits: [number, number, number, number, number];
  /** Flits that passed through each router (indexed by node). */
  routerFlits: Float64Array;
  /** Sum over deliveries of latency (injection to tail arrival). */
  latencySum: number;
  /** Sum over deliveries of zero-load latency (what it would take on an empty network). */
  zeroLoadLatencySum: number;
  /** Largest delivery latency seen. */
  latencyMax: number;
  /** Median delivery latency (optional: filled by the networks in src/hardware/noc). */
  latencyP50?: number;
  /** 99th-percentile delivery latency (nearest rank). */
  latencyP99?: number;
  /** Flits that entered the network (one per flit of each injected packet). */
  flitsInjected?: number;
  /** Flits per directed link, indexed `node * 4 + port` with ports N, E, S, W. */
  linkFlits?: Float64Array;
  /** Per directed link, the fraction of the stats interval during which it carried flits. */
  linkUtilization?: Float64Array;
  /** Mean and largest of {@link linkUtilization} over the links that exist. */
  linkUtilizationMean?: number;
  linkUtilizationMax?: number;
  /** Largest occupancy of any input buffer (one VC), in flits. */
  bufferMaxFlits?: number;
  /** Time-averaged occupancy of an input buffer (one VC), in flits. */
  bufferMeanFlits?: number;
  /** Times a flit ready to leave its buffer was held back (lost arbitration or no credit). */
  stalls?: number;
  /** Of {@link stalls}, those caused by a full downstream buffer (no credit or no free VC). */
  creditStalls?: number;
  /** Length of the stats interval in kernel units (from construction or `resetStats`). */
  elapsed?: number;
}

export interface NetworkOnChip {
  readonly kind: 'ideal' | 'detailed';
  readonly meshWidth: number;
  readonly meshHeight: number;
  /** Binds the network to the simulation's kernel and delivery callback; call once. */
  attach(kernel: Kernel, onDeliver: DeliverFn): void;
  /** Offers a packet at the local port of `packet.srcNode` at the kernel's current time. */
  inject(packet: NocPacket): void;
  /** Statistics accumulated since construction (or the last `resetStats`). */
  stats(): NocStats;
  resetStats(): void;
}

/** Throws a RangeError unless the mesh is `w x h` with positive whole sides. */
export function checkMeshSize(meshWidth: number, meshHeight: number): void {
  const whole = (n: number) => Number.isInteger(n) && n > 0;
  if (!(whole(meshWidth) && whole(meshHeight)))
    throw new RangeError(`bad mesh size ${meshWidth}x${meshHeight}`);
}

/** Mesh coordinates of a node. */
export function nodeXY(node: number, meshWidth: number): { x: number; y: number } {
  return { x: node % meshWidth, y: Math.floor(node / meshWidth) };
}

/**
 * Column (`nodeX`) and row (`nodeY`) of every node of a `meshWidth`-wide mesh of `nodes` nodes:
 * hot loops read coordinates from these instead of dividing.
 */
export function meshCoordinates(
  nodes: number,
  meshWidth: number,
): { nodeX: Int32Array; nodeY: Int32Array } {
  const nodeX = new Int32Array(nodes);
  const nodeY = new Int32Array(nodes);
  for (let i = 0; i < nodes; i++) {
    nodeX[i] = i % meshWidth;
    nodeY[i] = (i - nodeX[i]) / meshWidth;
  }
  return { nodeX, nodeY };
}

/** Links on the XY (dimension-order) route between two nodes: the Manhattan distance. */
export function xyHops(src: number, dst: number, meshWidth: number): number {
  const dx = Math.abs((src % meshWidth) - (dst % meshWidth));
  const dy = Math.abs(Math.floor(src / meshWidth) - Math.floor(dst / meshWidth));
  return dx + dy;
}

/** Fresh, zeroed statistics for a mesh of `nodes` routers. */
export function emptyNocStats(nodes: number): NocStats {
  return {
    packetsInjected: 0,
    packetsDelivered: 0,
    hops: 0,
    flitHops: 0,
    directionFlits: [0, 0, 0, 0, 0],
    routerFlits: new Float64Array(nodes),
    latencySum: 0,
    zeroLoadLatencySum: 0,
    latencyMax: 0,
  };
}
