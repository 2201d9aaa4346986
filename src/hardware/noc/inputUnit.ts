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
  readonly worm: Int32Array;
  readonly seq: Int32Array;
  readonly arrive: Float64Array;
  readonly head: Int32Array;
  readonly count: Int32Array;
  /** Flits buffered in all FIFOs. */
  total = 0;
  /** Largest occupancy of any FIFO since the last `resetMax`. */
  maxCount = 0;

  constructor(
    readonly queues: number,
    readonly depthFlits: number,
  ) {
    const n = queues * depthFlits;
    this.worm = new Int32Array(n);
    this.seq = new Int32Array(n);
    this.arrive = new Float64Array(n);
    this.head = new Int32Array(queues);
    this.count = new Int32Array(queues);
  }

  /** Slot of the front flit of queue q (q must be non-empty). */
  front(q: number): number {
    return q * this.depthFlits + this.head[q];
  }

  /** Appends a flit; returns the new occupancy. */
  push(q: number, worm: number, seq: number, arriveTime: number): number {
    const d = this.depthFlits;
    const c = this.count[q];
    if (c >= d) throw new Error(`flow-control violation: flit pushed into full buffer ${q}`);
    let i = this.head[q] + c;
    if (i >= d) i -= d;
    const slot = q * d + i;
    this.worm[slot] = worm;
    this.seq[slot] = seq;
    this.arrive[slot] = arriveTime;
    this.count[q] = c + 1;
    this.total++;
    if (c + 1 > this.maxCount) this.maxCount = c + 1;
    return c + 1;
  }

  /** Removes the front flit; returns the remaining occupancy. */
  pop(q: number): number {
    const h = this.head[q] + 1;
    this.head[q] = h === this.depthFlits ? 0 : h;
    this.total--;
    return --this.count[q];
  }
}
