import { Heap } from 'heap-js';

/**
 * Whoever receives events implements this. The kernel calls `onEvent` with the numeric `kind`
 * and arguments given to {@link Kernel.schedule}; `ref` carries an object when numbers are not
 * enough. Dispatching on `kind` inside one target avoids allocating a closure per event.
 */
export interface EventTarget {
  onEvent(kind: number, a: number, b: number, ref: unknown, kernel: Kernel): void;
}

/** One scheduled event. Objects are recycled through a free list: do not keep references. */
interface KernelEvent {
  target: EventTarget;
  kind: number;
  a: number;
  b: number;
  ref: unknown;
}

/**
 * The events of one `(time, priority)` key, in insertion order: a FIFO read from `head`. The
 * heap orders keys, which are distinct, so insertion order among equal keys is kept without a
 * sequence number in the comparison.
 */
interface Bucket {
  time: number;
  priority: number;
  events: KernelEvent[];
  head: number;
}

function compareBuckets(x: Bucket, y: Bucket): number {
  if (x.time !== y.time) return x.time < y.time ? -1 : 1;
  return x.priority - y.priority;
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
 * schedule/step calls cost a map lookup and an array push or read instead of a heap sift.
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
  private readonly free: KernelEvent[] = [];
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
    const ev = this.free.pop() ?? ({} as KernelEvent);
    ev.target = target;
    ev.kind = kind;
    ev.a = a;
    ev.b = b;
    ev.ref = ref;
    this.bucketFor(time, priority).events.push(ev);
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
    const ev = top.events[top.head]!;
    top.events[top.head++] = NO_EVENT;
    if (top.head === top.events.length) this.retire(top);
    this.now = top.time;
    this.count--;
    const { target, kind, a, b, ref } = ev;
    ev.ref = undefined;
    ev.target = NO_TARGET;
    this.free.push(ev);
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
    const bucket = this.freeBuckets.pop() ?? { time: 0, priority: 0, events: [], head: 0 };
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
    bucket.events.length = 0;
    bucket.head = 0;
    this.freeBuckets.push(bucket);
  }
}

const NO_TARGET: EventTarget = {
  onEvent() {
    throw new Error('a recycled kernel event was run');
  },
};

const NO_EVENT: KernelEvent = { target: NO_TARGET, kind: -1, a: 0, b: 0, ref: undefined };
