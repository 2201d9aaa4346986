import type { NocPacket } from './network.js';

/**
 * The packets in flight (a "worm" each: a unicast packet, one destination's copy of a packet
 * under `unicast`, or a whole multicast tree), in growable typed arrays with a free list so that
 * steady-state traffic allocates nothing per flit.
 */
export class WormTable {
  packet: (NocPacket | undefined)[] = [];
  src = new Int32Array(64);
  /** Destination node of a unicast worm, or -1 for a tree (destinations in `packet.dstNodes`). */
  dst = new Int32Array(64);
  flits = new Int32Array(64);
  /** Deliveries still to make. */
  pending = new Int32Array(64);
  injectTime = new Float64Array(64);
  /** Time (engine units) at which the worm could first enter the router. */
  injectEngineTime = new Float64Array(64);
  private free: number[] = [];
  private size = 0;

  alloc(packet: NocPacket, dst: number, pending: number, injectTime: number, engineTime: number) {
    let w = this.free.pop();
    if (w === undefined) {
      w = this.size++;
      if (w >= this.src.length) this.grow();
    }
    this.packet[w] = packet;
    this.src[w] = packet.srcNode;
    this.dst[w] = dst;
    this.flits[w] = packet.flits;
    this.pending[w] = pending;
    this.injectTime[w] = injectTime;
    this.injectEngineTime[w] = engineTime;
    return w;
  }

  release(w: number): void {
    this.packet[w] = undefined;
    this.free.push(w);
  }

  private grow(): void {
    const n = this.src.length * 2;
    const g32 = (a: Int32Array) => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    const g64 = (a: Float64Array) => {
      const b = new Float64Array(n);
      b.set(a);
      return b;
    };
    this.src = g32(this.src);
    this.dst = g32(this.dst);
    this.flits = g32(this.flits);
    this.pending = g32(this.pending);
    this.injectTime = g64(this.injectTime);
    this.injectEngineTime = g64(this.injectEngineTime);
  }
}
