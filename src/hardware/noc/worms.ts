import type { NocPacket } from './network.js';

/** Int32 fields of a worm record, at `w * WORM_INTS + field` of {@link WormTable.ints}. */
export const W_SRC = 0;
/** Destination node of a unicast worm, or -1 for a tree (destinations in `packet.dstNodes`). */
export const W_DST = 1;
export const W_FLITS = 2;
/** Deliveries still to make. */
export const W_PENDING = 3;
/** Int32 slots per record (32 bytes: two records to a cache line). */
export const WORM_INTS = 8;
/** Float64 fields of a record, at `w * WORM_TIMES + field` of {@link WormTable.times}. */
export const W_INJECT_TIME = 2;
/** Time (engine units) at which the worm could first enter the router. */
export const W_ENTRY_TIME = 3;
export const WORM_TIMES = 4;

/**
 * The packets in flight (a "worm" each: a unicast packet, one destination's copy of a packet
 * under `unicast`, or a whole multicast tree), with a free list so that steady-state traffic
 * allocates nothing per flit. Each worm's numbers are one 32-byte record in one buffer seen two
 * ways (`ints`: source, destination, flits, deliveries pending; `times`: injection time and
 * entry time), so what a router or a delivery reads of a worm is one cache line, not one per
 * field: a backlog of queued worms past saturation no longer costs a miss per field.
 */
export class WormTable {
  packet: (NocPacket | undefined)[] = [];
  /** The records, Int32 view (replaced when the table grows: read it through the table). */
  ints = new Int32Array(64 * WORM_INTS);
  /** The records, Float64 view of the same buffer. */
  times = new Float64Array(this.ints.buffer);
  private free: number[] = [];
  private size = 0;

  alloc(packet: NocPacket, dst: number, pending: number, injectTime: number, engineTime: number) {
    let w = this.free.pop();
    if (w === undefined) {
      w = this.size++;
      if (w * WORM_INTS >= this.ints.length) this.grow();
    }
    this.packet[w] = packet;
    const ints = this.ints;
    const i = w * WORM_INTS;
    ints[i + W_SRC] = packet.srcNode;
    ints[i + W_DST] = dst;
    ints[i + W_FLITS] = packet.flits;
    ints[i + W_PENDING] = pending;
    this.times[w * WORM_TIMES + W_INJECT_TIME] = injectTime;
    this.times[w * WORM_TIMES + W_ENTRY_TIME] = engineTime;
    return w;
  }

  release(w: number): void {
    this.packet[w] = undefined;
    this.free.push(w);
  }

  src(w: number): number {
    return this.ints[w * WORM_INTS + W_SRC];
  }
  dst(w: number): number {
    return this.ints[w * WORM_INTS + W_DST];
  }
  flits(w: number): number {
    return this.ints[w * WORM_INTS + W_FLITS];
  }
  injectTime(w: number): number {
    return this.times[w * WORM_TIMES + W_INJECT_TIME];
  }
  entryTime(w: number): number {
    return this.times[w * WORM_TIMES + W_ENTRY_TIME];
  }

  private grow(): void {
    const ints = new Int32Array(this.ints.length * 2);
    ints.set(this.ints);
    this.ints = ints;
    this.times = new Float64Array(ints.buffer);
  }
}
