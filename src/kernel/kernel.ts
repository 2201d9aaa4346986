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
  time: number;
  priority: number;
  seq: number;
  target: EventTarget;
  kind: number;
  a: number;
  b: number;
  ref: unknown;
}

function compareEvents(x: KernelEvent, y: KernelEvent): number {
  if (x.time !== y.time) return x.time < y.time ? -1 : 1;
  if (x.priority !== y.priority) return x.priority - y.priority;
  return x.seq - y.seq;
}

/**
 * A domain-free discrete-event kernel (in the manner of SimPy's `Environment`).
 *
 * Events are ordered by `(time, priority, seq)`: `seq` is an insertion counter, so two events at
 * the same time and priority run in the order they were scheduled and every run is reproducible
 * (heap-js on its own is not stable). Lower `priority` runs first. Time is a plain number; the
 * simulator uses nanoseconds, the clocked NoC uses cycles.
 */
export class Kernel {
  /** Current simulated time (the time of the event being run, or of the last one run). */
  now = 0;
  /** Events run so far. */
  eventsRun = 0;
  private seq = 0;
  private readonly heap = new Heap<KernelEvent>(compareEvents);
  private readonly free: KernelEvent[] = [];

  /** Number of events waiting. */
  get pending(): number {
    return this.heap.size();
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
    ev.time = time;
    ev.priority = priority;
    ev.seq = this.seq++;
    ev.target = target;
    ev.kind = kind;
    ev.a = a;
    ev.b = b;
    ev.ref = ref;
    this.heap.push(ev);
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
    const ev = this.heap.peek();
    return ev === undefined ? Number.POSITIVE_INFINITY : ev.time;
  }

  /** Runs the next event. Returns false when there was none. */
  step(): boolean {
    const ev = this.heap.pop();
    if (ev === undefined) return false;
    this.now = ev.time;
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
}

const NO_TARGET: EventTarget = {
  onEvent() {
    throw new Error('a recycled kernel event was run');
  },
};
