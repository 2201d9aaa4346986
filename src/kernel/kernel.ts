import { Heap } from 'heap-js';

/**
 * Whoever receives events implements this. The kernel calls `onEvent` with the numeric `kind`
 * (a 32-bit integer) and arguments given to {@link Kernel.schedule}; `ref` carries an object
 * when numbers are not enough. Dispatching on `kind` inside one target avoids allocating a closure per event.
 */
export interface EventTarget {
  onEvent(kind: number, a: number, b: number, ref: unknown, kernel: Kernel): void;
}

/**
 * The events of one `(time, priority)` key, in insertion order: a FIFO read from `head`, its
 * fields in parallel arrays (no object per event: the events of a bucket lie side by side in
 * memory, written at the tail, read in order). The heap orders keys, which are distinct, so
 * insertion order among equal keys is kept without a sequence number in the comparison.
 * Buckets are recycled with their arrays.
 */
interface Bucket {
  time: number;
  priority: number;
  /** Events scheduled, and the next one to run. */
  n: number;
  head: number;
  kind: Int32Array;
  a: Float64Array;
  b: Float64Array;
  target: (EventTarget | undefined)[];
  ref: unknown[];
}

function compareBuckets(x: Bucket, y: Bucket): number {
  if (x.time !== y.time) return x.time < y.time ? -1 : 1;
  return x.priority - y.priority;
}

function newBucket(): Bucket {
  const size = 16;
  return {
    time: 0,
    priority: 0,
    n: 0,
    head: 0,
    kind: new Int32Array(size),
    a: new Float64Array(size),
    b: new Float64Array(size),
    target: new Array<EventTarget | undefined>(size).fill(undefined),
    ref: new Array<unknown>(size).fill(undefined),
  };
}

/** Doubles a bucket's capacity. */
function growBucket(bucket: Bucket): void {
  const size = bucket.kind.length * 2;
  const kind = new Int32Array(size);
  kind.set(bucket.kind);
  bucket.kind = kind;
  const a = new Float64Array(size);
  a.set(bucket.a);
  bucket.a = a;
  const b = new Float64Array(size);
  b.set(bucket.b);
  bucket.b = b;
  for (let i = bucket.target.length; i < size; i++) {
    bucket.target.push(undefined);
    bucket.ref.push(undefined);
  }
}

/**
 * A domain-free discrete-event kernel (in the manner of SimPy's `Environment`).
 *
 * Events are ordered by `(time, priority, seq)`: `seq` is the insertion order, so two events at
 * the same time and priority run in the order they were scheduled and every run is reproducible
 * (heap-js on its own is not stable). Lower `priority` runs first. Time is a plain number; the
 * simulator uses nanoseconds, the clocked NoC uses cycles.
 *
 * Implementation: the heap (heap-js) holds one bucket per distinct `(time, priority)`, and each
 * bucket a FIFO of its events. Many events share a key in a spiking network (every spike of a
 * time step, every packet with the same hop count), so the heap stays small and most
 * schedule/step calls cost a map lookup and a write or read at the end of typed arrays instead
 * of a heap sift. The kind must be an integer (32-bit); `a` and `b` are doubles.
 */
export class Kernel {
  /** Current simulated time (the time of the event being run, or of the last one run). */
  now = 0;
  /** Events run so far. */
  eventsRun = 0;
  private count = 0;
  private readonly heap = new Heap<Bucket>(compareBuckets);
  /** Live buckets by time (one per priority in use at that time). */
  private readonly byTime = new Map<number, Bucket[]>();
  private readonly freeBuckets: Bucket[] = [];

  /** Number of events waiting. */
  get pending(): number {
    return this.count;
  }

  /**
   * Schedules an event at absolute time `time` (>= `now`).
   * @throws RangeError if `time` is in the past or not finite.
   */
  scheduleAt(
    time: number,
    priority: number,
    target: EventTarget,
    kind: number,
    a = 0,
    b = 0,
    ref: unknown = undefined,
  ): void {
    if (!(time >= this.now) || !Number.isFinite(time)) {
      throw new RangeError(`cannot schedule an event at ${time}: now is ${this.now}`);
    }
    const bucket = this.bucketFor(time, priority);
    const i = bucket.n;
    if (i === bucket.kind.length) growBucket(bucket);
    bucket.kind[i] = kind;
    bucket.a[i] = a;
    bucket.b[i] = b;
    bucket.target[i] = target;
    bucket.ref[i] = ref;
    bucket.n = i + 1;
    this.count++;
  }

  /** Schedules an event `delay` (>= 0) after `now`. */
  schedule(
    delay: number,
    priority: number,
    target: EventTarget,
    kind: number,
    a = 0,
    b = 0,
    ref: unknown = undefined,
  ): void {
    this.scheduleAt(this.now + delay, priority, target, kind, a, b, ref);
  }

  /** Time of the next event, or `Infinity` when none is waiting. */
  peek(): number {
    const top = this.heap.peek();
    return top === undefined ? Number.POSITIVE_INFINITY : top.time;
  }

  /** Runs the next event. Returns false when there was none. */
  step(): boolean {
    const top = this.heap.peek();
    if (top === undefined) return false;
    const i = top.head++;
    const target = top.target[i]!;
    const ref = top.ref[i];
    top.target[i] = undefined;
    top.ref[i] = undefined;
    const kind = top.kind[i]!;
    const a = top.a[i]!;
    const b = top.b[i]!;
    this.now = top.time;
    if (top.head === top.n) this.retire(top);
    this.count--;
    this.eventsRun++;
    target.onEvent(kind, a, b, ref, this);
    return true;
  }

  /** Runs events until none is left. */
  run(): void {
    while (this.step()) {
      /* keep stepping */
    }
  }

  /**
   * Runs every event with `time <= until`, then sets `now = until` (when `until` is finite and
   * later than the last event run).
   */
  runUntil(until: number): void {
    while (this.peek() <= until) this.step();
    if (Number.isFinite(until) && until > this.now) this.now = until;
  }

  /** The live bucket of `(time, priority)`, created (and put on the heap) when there is none. */
  private bucketFor(time: number, priority: number): Bucket {
    let list = this.byTime.get(time);
    if (list === undefined) {
      list = [];
      this.byTime.set(time, list);
    } else {
      for (let i = 0; i < list.length; i++) if (list[i]!.priority === priority) return list[i]!;
    }
    const bucket = this.freeBuckets.pop() ?? newBucket();
    bucket.time = time;
    bucket.priority = priority;
    list.push(bucket);
    this.heap.add(bucket);
    return bucket;
  }

  /** Removes the drained bucket at the top of the heap. */
  private retire(bucket: Bucket): void {
    this.heap.pop();
    const list = this.byTime.get(bucket.time)!;
    if (list.length === 1) this.byTime.delete(bucket.time);
    else list.splice(list.indexOf(bucket), 1);
    bucket.n = 0;
    bucket.head = 0;
    this.freeBuckets.push(bucket);
  }
}
