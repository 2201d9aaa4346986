import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventHeap } from '../../../src/hardware/noc/eventHeap.js';

/**
 * The asynchronous engine's event queue against the plain definition: events come out by time,
 * those of one time in the order they were pushed, each bucket read in place as the engine
 * reads it. Times repeat (a grid of half units) or are all distinct (random doubles), so that
 * the heap holds few buckets (found by scanning) or many (found through its Map), and crosses
 * between the two as it fills and empties.
 */
describe('EventHeap (the async engine event queue)', () => {
  it('hands out events by (time, insertion order), whatever the number of pending times', () => {
    // Pushes outnumber drains, so that dozens of times can be pending.
    const command = fc.oneof(
      {
        arbitrary: fc.record({
          op: fc.constant('grid' as const),
          dt: fc.integer({ min: 0, max: 60 }),
        }),
        weight: 4,
      },
      {
        arbitrary: fc.record({
          op: fc.constant('any' as const),
          dt: fc.double({ min: 0, max: 100, noNaN: true }),
        }),
        weight: 1,
      },
      // Drain the earliest bucket; `dt` events at its own time are pushed while it is read.
      {
        arbitrary: fc.record({
          op: fc.constant('pop' as const),
          dt: fc.integer({ min: 0, max: 2 }),
        }),
        weight: 1,
      },
    );
    fc.assert(
      fc.property(fc.array(command, { minLength: 100, maxLength: 400 }), (commands) => {
        const heap = new EventHeap();
        const pending: { t: number; id: number }[] = [];
        const got: number[] = [];
        const want: number[] = [];
        let now = 0;
        let id = 0;
        const pop = (joining: number) => {
          const top = heap.top();
          if (pending.length === 0) {
            expect(top).toBeNull();
            return;
          }
          const t = Math.min(...pending.map((e) => e.t));
          expect(top?.time).toBe(t);
          expect(heap.minTime()).toBe(t);
          now = t;
          // The definition: every event of time t, in the order pushed.
          for (let k = 0; k < pending.length; ) {
            if (pending[k]!.t === t) {
              want.push(pending[k]!.id);
              pending.splice(k, 1);
            } else k++;
          }
          // The engine: the bucket read in place; events caused now join it.
          const bucket = top!;
          let join = joining;
          while (bucket.head < bucket.n) {
            got.push(bucket.a[bucket.head++]!);
            if (join > 0) {
              join--;
              heap.push(t, 3, id, 0);
              want.push(id++);
            }
          }
          heap.retireTop();
        };
        for (const c of commands) {
          if (c.op === 'pop') pop(c.dt);
          else {
            const t = c.op === 'grid' ? now + c.dt / 2 : now + c.dt;
            heap.push(t, 3, id, id * 0.5);
            pending.push({ t, id });
            id++;
          }
          expect(heap.size).toBe(pending.length);
        }
        while (pending.length > 0) pop(0);
        expect(heap.size).toBe(0);
        expect(heap.minTime()).toBe(Number.POSITIVE_INFINITY);
        expect(got).toEqual(want);
      }),
      { seed: 20261207, numRuns: 300 },
    );
  });
});
