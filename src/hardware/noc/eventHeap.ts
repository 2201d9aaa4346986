/** The events due at one time, in insertion order. */
interface Bucket {
  time: number;
  kind: number[];
  a: number[];
  b: number[];
  /** Next event to hand out. */
  head: number;
}

/**
 * The asynchronous router's private event queue, ordered by (time, insertion order): a small
 * binary heap of the *distinct* pending times, and per time a bucket of events in insertion
 * order (found through a Map). Router delays are few and fixed, so at any moment only a few
 * dozen distinct times are pending while hundreds of events are; pushing is a Map lookup and
 * an array append, popping an array read. Buckets are recycled, so steady state allocates
 * nothing. Only the earliest time is mirrored into the simulation's kernel.
 */
export class EventHeap {
  private readonly byTime = new Map<number, Bucket>();
  private times = new Float64Array(64);
  private timeCount = 0;
  private readonly spare: Bucket[] = [];
  /** Events pending. */
  size = 0;
  /** Fields of the event last removed by {@link pop}. */
  outKind = 0;
  outA = 0;
  outB = 0;

  /** Time of the earliest event (Infinity when empty). */
  minTime(): number {
    return this.timeCount > 0 ? this.times[0] : Number.POSITIVE_INFINITY;
  }

  push(t: number, kind: number, a: number, b: number): void {
    // Consecutive pushes often share a time: skip the Map lookup then.
    let bucket =
      this.lastBucket !== undefined && this.lastBucket.time === t
        ? this.lastBucket
        : this.byTime.get(t);
    if (bucket === undefined) {
      bucket = this.spare.pop() ?? { time: 0, kind: [], a: [], b: [], head: 0 };
      bucket.time = t;
      bucket.head = 0;
      bucket.kind.length = 0;
      bucket.a.length = 0;
      bucket.b.length = 0;
      this.byTime.set(t, bucket);
      this.pushTime(t);
    }
    bucket.kind.push(kind);
    bucket.a.push(a);
    bucket.b.push(b);
    this.lastBucket = bucket;
    this.size++;
  }

  /** The bucket last pushed to (undefined once recycled). */
  private lastBucket: Bucket | undefined;

  /** Removes the earliest event into outKind/outA/outB (the queue must not be empty). */
  pop(): void {
    const t = this.times[0];
    const bucket = this.byTime.get(t) as Bucket;
    const i = bucket.head++;
    this.outKind = bucket.kind[i];
    this.outA = bucket.a[i];
    this.outB = bucket.b[i];
    this.size--;
    if (bucket.head === bucket.kind.length) {
      if (this.lastBucket === bucket) this.lastBucket = undefined;
      this.byTime.delete(t);
      this.popTime();
      this.spare.push(bucket);
    }
  }

  private pushTime(t: number): void {
    if (this.timeCount === this.times.length) {
      const grown = new Float64Array(this.times.length * 2);
      grown.set(this.times);
      this.times = grown;
    }
    const h = this.times;
    let i = this.timeCount++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (h[parent] <= t) break;
      h[i] = h[parent];
      i = parent;
    }
    h[i] = t;
  }

  private popTime(): void {
    const h = this.times;
    const last = --this.timeCount;
    if (last === 0) return;
    const t = h[last];
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= last) break;
      if (c + 1 < last && h[c + 1] < h[c]) c++;
      if (t <= h[c]) break;
      h[i] = h[c];
      i = c;
    }
    h[i] = t;
  }
}
