/** Pending times up to which a bucket is found by scanning the heap rather than in a Map. */
const SCAN_MAX_BUCKETS = 16;

/** The events due at one time, in insertion order, in parallel typed arrays. */
export class Bucket {
  time = 0;
  kind = new Int32Array(16);
  a = new Int32Array(16);
  b = new Float64Array(16);
  /** Events written, and the next one to hand out. */
  n = 0;
  head = 0;

  grow(): void {
    const size = this.kind.length * 2;
    const kind = new Int32Array(size);
    kind.set(this.kind);
    this.kind = kind;
    const a = new Int32Array(size);
    a.set(this.a);
    this.a = a;
    const b = new Float64Array(size);
    b.set(this.b);
    this.b = b;
  }
}

/**
 * The asynchronous router's private event queue, ordered by (time, insertion order): a binary
 * heap of buckets, one per *distinct* pending time, each holding its events in insertion order
 * in typed arrays. Router delays are few and fixed, so at any moment only a few dozen distinct
 * times are pending while hundreds of events are: pushing is (usually) a cache hit on a recent
 * bucket and three typed-array writes, popping three typed-array reads. A bucket is found on
 * push through a small cache of the buckets last pushed to, then, while at most
 * {@link SCAN_MAX_BUCKETS} times are pending, by a scan of the heap (a Map keyed by a double
 * costs a boxed key, a hash and an entry per new time), else through a Map kept from then on
 * until the heap empties; the earliest bucket is the heap's root (no lookup on pop). Buckets
 * are recycled, so steady state allocates nothing.
 * Only the earliest time is mirrored into the simulation's kernel.
 *
 * Event fields: `kind` and `a` are 32-bit integers, `b` any double. The owner reads buckets in
 * place (see `retireTop`).
 */
export class EventHeap {
  /** The buckets by time, kept only while {@link mapped} (a large heap). */
  private readonly byTime = new Map<number, Bucket>();
  private mapped = false;
  /** Heap of buckets ordered by time (times are distinct). */
  private heap: Bucket[] = [];
  private readonly spare: Bucket[] = [];
  /**
   * The buckets pushed to last (the events caused at one time go to a few times: now plus the
   * stage delays), replaced round-robin; a free bucket is never in it.
   */
  private c0: Bucket | null = null;
  private c1: Bucket | null = null;
  private c2: Bucket | null = null;
  private c3: Bucket | null = null;
  private cNext = 0;
  /** Events pending. */
  size = 0;

  /** Time of the earliest event (Infinity when empty). */
  minTime(): number {
    return this.heap.length > 0 ? this.heap[0].time : Number.POSITIVE_INFINITY;
  }

  push(t: number, kind: number, a: number, b: number): void {
    let bucket: Bucket;
    if (this.c0 !== null && this.c0.time === t) bucket = this.c0;
    else if (this.c1 !== null && this.c1.time === t) bucket = this.c1;
    else if (this.c2 !== null && this.c2.time === t) bucket = this.c2;
    else if (this.c3 !== null && this.c3.time === t) bucket = this.c3;
    else bucket = this.bucketAt(t);
    const i = bucket.n;
    if (i === bucket.kind.length) bucket.grow();
    bucket.kind[i] = kind;
    bucket.a[i] = a;
    bucket.b[i] = b;
    bucket.n = i + 1;
    this.size++;
  }

  /** The bucket of time t, found or made, and put into the cache (kept out of `push`: small). */
  private bucketAt(t: number): Bucket {
    const bucket = this.find(t) ?? this.newBucket(t);
    const k = this.cNext;
    this.cNext = (k + 1) & 3;
    if (k === 0) this.c0 = bucket;
    else if (k === 1) this.c1 = bucket;
    else if (k === 2) this.c2 = bucket;
    else this.c3 = bucket;
    return bucket;
  }

  /** The bucket of the earliest pending time, or null. */
  top(): Bucket | null {
    return this.heap.length > 0 ? this.heap[0] : null;
  }

  /**
   * Removes the earliest bucket once the caller has read all its events in place (from `head`
   * to `n`, advancing `head`).
   */
  retireTop(): void {
    const bucket = this.heap[0];
    this.size -= bucket.n;
    this.release(bucket);
  }

  /** The pending bucket of time t, or undefined. */
  private find(t: number): Bucket | undefined {
    if (this.mapped) return this.byTime.get(t);
    const h = this.heap;
    for (let i = 0; i < h.length; i++) if (h[i].time === t) return h[i];
    return undefined;
  }

  private newBucket(t: number): Bucket {
    const bucket = this.spare.pop() ?? new Bucket();
    bucket.time = t;
    bucket.n = 0;
    bucket.head = 0;
    if (this.mapped) this.byTime.set(t, bucket);
    else if (this.heap.length >= SCAN_MAX_BUCKETS) {
      // Too many pending times to scan: map them all from now on (until the heap empties).
      for (const b of this.heap) this.byTime.set(b.time, b);
      this.byTime.set(t, bucket);
      this.mapped = true;
    }
    this.pushHeap(bucket);
    return bucket;
  }

  /** Drops the (exhausted) root bucket and recycles it. */
  private release(bucket: Bucket): void {
    if (this.c0 === bucket) this.c0 = null;
    else if (this.c1 === bucket) this.c1 = null;
    else if (this.c2 === bucket) this.c2 = null;
    else if (this.c3 === bucket) this.c3 = null;
    this.popHeap();
    if (this.mapped) {
      if (this.heap.length === 0) {
        this.byTime.clear();
        this.mapped = false;
      } else this.byTime.delete(bucket.time);
    }
    this.spare.push(bucket);
  }

  private pushHeap(bucket: Bucket): void {
    const h = this.heap;
    const t = bucket.time;
    let i = h.length;
    h.push(bucket);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (h[parent].time <= t) break;
      h[i] = h[parent];
      i = parent;
    }
    h[i] = bucket;
  }

  private popHeap(): void {
    const h = this.heap;
    const moved = h.pop() as Bucket;
    const last = h.length;
    if (last === 0) return;
    const t = moved.time;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= last) break;
      if (c + 1 < last && h[c + 1].time < h[c].time) c++;
      if (t <= h[c].time) break;
      h[i] = h[c];
      i = c;
    }
    h[i] = moved;
  }
}
