import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type EventTarget, Kernel } from '../../src/kernel/kernel.js';
import { createRng, deriveSeed, restoreRng } from '../../src/kernel/rng.js';

/** Records every event it receives as `[time, priority-tag a, seq-tag b]`. */
class Recorder implements EventTarget {
  readonly log: [number, number, number][] = [];
  onEvent(_kind: number, a: number, b: number, _ref: unknown, kernel: Kernel): void {
    this.log.push([kernel.now, a, b]);
  }
}

describe('Kernel', () => {
  it('runs events in (time, priority, insertion) order, whatever the scheduling order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: -2, max: 2 })), {
          maxLength: 60,
        }),
        (evs) => {
          const k = new Kernel();
          const r = new Recorder();
          evs.forEach(([t, p], i) => {
            k.scheduleAt(t, p, r, 0, p, i);
          });
          k.run();
          // Oracle: a stable sort by (time, priority) keeps insertion order among ties.
          const want = evs
            .map(([t, p], i) => [t, p, i] as [number, number, number])
            .sort((x, y) => x[0] - y[0] || x[1] - y[1] || x[2] - y[2]);
          expect(r.log).toEqual(want);
          expect(k.eventsRun).toBe(evs.length);
          expect(k.pending).toBe(0);
        },
      ),
      { seed: 7 },
    );
  });

  it('breaks exact ties by insertion order, also for events scheduled while running', () => {
    const k = new Kernel();
    const order: string[] = [];
    const target: EventTarget = {
      onEvent(kind, a, _b, _ref, kernel) {
        order.push(`${kind}:${a}`);
        if (kind === 0) {
          // Scheduled now, same time and priority: runs after everything already waiting.
          kernel.schedule(0, 0, target, 1, a);
        }
      },
    };
    k.scheduleAt(1, 0, target, 0, 1);
    k.scheduleAt(1, 0, target, 0, 2);
    k.scheduleAt(1, 0, target, 2, 3);
    k.run();
    expect(order).toEqual(['0:1', '0:2', '2:3', '1:1', '1:2']);
  });

  it('lower priority runs first at equal times', () => {
    const k = new Kernel();
    const r = new Recorder();
    k.scheduleAt(2, 5, r, 0, 5, 0);
    k.scheduleAt(2, -1, r, 0, -1, 1);
    k.scheduleAt(1, 9, r, 0, 9, 2);
    k.run();
    expect(r.log).toEqual([
      [1, 9, 2],
      [2, -1, 1],
      [2, 5, 0],
    ]);
  });

  it('runUntil runs exactly the events at or before the bound and advances the clock', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 100 }), { maxLength: 40 }),
        fc.integer({ min: 0, max: 120 }),
        (times, until) => {
          const k = new Kernel();
          const r = new Recorder();
          times.forEach((t, i) => {
            k.scheduleAt(t, 0, r, 0, 0, i);
          });
          k.runUntil(until);
          const ran = times.filter((t) => t <= until).length;
          expect(r.log.length).toBe(ran);
          expect(k.pending).toBe(times.length - ran);
          expect(k.now).toBe(until);
          expect(k.peek()).toBe(
            ran === times.length ? Infinity : Math.min(...times.filter((t) => t > until)),
          );
          k.run();
          expect(r.log.map((e) => e[0])).toEqual([...times].sort((a, b) => a - b));
        },
      ),
      { seed: 11 },
    );
  });

  it('step returns false on an empty queue; time never runs backwards', () => {
    const k = new Kernel();
    expect(k.step()).toBe(false);
    expect(k.peek()).toBe(Infinity);
    const r = new Recorder();
    k.scheduleAt(5, 0, r, 0);
    expect(k.step()).toBe(true);
    expect(k.now).toBe(5);
    expect(() => k.scheduleAt(4, 0, r, 0)).toThrow(RangeError);
    expect(() => k.scheduleAt(Number.NaN, 0, r, 0)).toThrow(RangeError);
    expect(() => k.schedule(Infinity, 0, r, 0)).toThrow(RangeError);
    k.schedule(2.5, 0, r, 0);
    k.run();
    expect(k.now).toBe(7.5);
  });

  it('passes kind, a, b and ref through unchanged, and recycles event objects safely', () => {
    const k = new Kernel();
    const got: unknown[] = [];
    const ref = { x: 1 };
    const target: EventTarget = {
      onEvent(kind, a, b, r) {
        got.push([kind, a, b, r]);
      },
    };
    for (let round = 0; round < 3; round++) {
      k.schedule(1, 0, target, 7, 1.5, -2, ref);
      k.run();
    }
    expect(got).toEqual([
      [7, 1.5, -2, ref],
      [7, 1.5, -2, ref],
      [7, 1.5, -2, ref],
    ]);
  });
});

describe('Rng', () => {
  it('is reproducible from a seed and resumable from its state', () => {
    const a = createRng(42);
    const b = createRng(42);
    const xs = Array.from({ length: 50 }, () => a.next());
    expect(Array.from({ length: 50 }, () => b.next())).toEqual(xs);
    a.normal();
    const saved = a.state();
    const restored = restoreRng(saved);
    expect(Array.from({ length: 20 }, () => restored.normal())).toEqual(
      Array.from({ length: 20 }, () => a.normal()),
    );
    expect(createRng(deriveSeed(42, 'conv1')).next()).not.toBe(createRng(42).next());
  });

  it('int stays in range and normal has mean about 0 and variance about 1', () => {
    const r = createRng('stats');
    for (let i = 0; i < 1000; i++) {
      const v = r.int(7);
      expect(Number.isInteger(v) && v >= 0 && v < 7).toBe(true);
    }
    const n = 20000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const z = r.normal();
      s += z;
      s2 += z * z;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.05);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.05);
  });
});
