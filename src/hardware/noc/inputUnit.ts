/**
 * The input units of every router (Garnet's `InputUnit`): one FIFO per (router, input port,
 * virtual channel), each `depthFlits` deep, as preallocated typed-array ring buffers. A flit is
 * stored as (worm, seq, arrival time): `worm` indexes the packet table, `seq` is its position in
 * the packet (0 = head, flits - 1 = tail). Queue index `q = (node * 5 + port) * vcs + vc`.
 *
 * Credit-based flow control guarantees a flit never enters a full FIFO; `push` checks it anyway
 * and throws, so a flow-control bug cannot go unnoticed.
 */
export class InputBuffers {
  /**
   * The flits, 16 bytes a slot in one buffer seen two ways: Int32 `4 * slot` = worm, + 1 = seq;
   * Float64 `2 * slot + 1` = arrival time. Reading or writing a flit touches one cache line
   * (the flits of a FIFO share lines), where three parallel arrays would touch three.
   */
  readonly slotInts: Int32Array;
  readonly slotTimes: Float64Array;
  /** Ring head (`2 * q`) and occupancy (`2 * q + 1`) of each queue, side by side. */
  readonly ring: Int32Array;
  /** Flits buffered in all FIFOs. */
  total = 0;
  /** Largest occupancy of any FIFO since it was last set to 0 (the network's stats reset). */
  maxCount = 0;

  constructor(
    readonly queues: number,
    readonly depthFlits: number,
  ) {
    const memory = new ArrayBuffer(queues * depthFlits * 16);
    this.slotInts = new Int32Array(memory);
    this.slotTimes = new Float64Array(memory);
    this.ring = new Int32Array(2 * queues);
  }

  /** Flits in queue q. */
  count(q: number): number {
    return this.ring[2 * q + 1];
  }

  /** Slot of the front flit of queue q (q must be non-empty). */
  front(q: number): number {
    return q * this.depthFlits + this.ring[2 * q];
  }

  /** Worm (packet table index) of the flit in `slot`. */
  worm(slot: number): number {
    return this.slotInts[slot * 4];
  }

  /** Position in its packet (0 = head) of the flit in `slot`. */
  seq(slot: number): number {
    return this.slotInts[slot * 4 + 1];
  }

  /** Arrival time of the flit in `slot`. */
  arrive(slot: number): number {
    return this.slotTimes[slot * 2 + 1];
  }

  /** Appends a flit; returns the new occupancy. */
  push(q: number, worm: number, seq: number, arriveTime: number): number {
    const d = this.depthFlits;
    const c = this.ring[2 * q + 1];
    if (c >= d) throw new Error(`flow-control violation: flit pushed into full buffer ${q}`);
    let i = this.ring[2 * q] + c;
    if (i >= d) i -= d;
    const slot = q * d + i;
    this.slotInts[slot * 4] = worm;
    this.slotInts[slot * 4 + 1] = seq;
    this.slotTimes[slot * 2 + 1] = arriveTime;
    this.ring[2 * q + 1] = c + 1;
    this.total++;
    if (c + 1 > this.maxCount) this.maxCount = c + 1;
    return c + 1;
  }

  /** Removes the front flit; returns the remaining occupancy. */
  pop(q: number): number {
    const h = this.ring[2 * q] + 1;
    this.ring[2 * q] = h === this.depthFlits ? 0 : h;
    this.total--;
    return --this.ring[2 * q + 1];
  }
}
