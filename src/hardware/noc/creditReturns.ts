/**
 * Credits on their way back, as times rather than events (the asynchronous engine, see
 * async.ts): per VC a FIFO of return times, `depthFlits` slots each in one typed array. The
 * credits returned to one VC come from the pops of one input VC, so they are pushed in time
 * order and the front is always the earliest.
 */
export class CreditReturns {
  private readonly at: Float64Array;
  private readonly head: Int32Array;
  /** Returns pending per VC. */
  readonly count: Int32Array;

  constructor(
    vcs: number,
    private readonly depthFlits: number,
  ) {
    this.at = new Float64Array(vcs * depthFlits);
    this.head = new Int32Array(vcs);
    this.count = new Int32Array(vcs);
  }

  /** A credit for VC `i` leaves now and is back at `t`. */
  push(i: number, t: number): void {
    const D = this.depthFlits;
    const n = this.count[i];
    if (n === D) throw new Error(`flow-control violation: credit overflow at VC ${i}`);
    let k = this.head[i] + n;
    if (k >= D) k -= D;
    this.at[i * D + k] = t;
    this.count[i] = n + 1;
  }

  /** Return time of VC i's earliest pending credit (the VC must have one). */
  first(i: number): number {
    return this.at[i * this.depthFlits + this.head[i]];
  }

  /** Removes VC i's earliest pending credit. */
  shift(i: number): void {
    const h = this.head[i] + 1;
    this.head[i] = h === this.depthFlits ? 0 : h;
    this.count[i]--;
  }

  /** Removes the credits of VC i back by `now`; returns how many. */
  takeDue(i: number, now: number): number {
    let got = 0;
    while (this.count[i] > 0 && this.first(i) <= now) {
      this.shift(i);
      got++;
    }
    return got;
  }
}
