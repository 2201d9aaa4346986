import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LatencyCounts } from '../../../src/hardware/noc/statsCollector.js';

/** The oracle: nearest rank over every value, sorted as Float64Array sorts. */
function sortedRank(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const s = Float64Array.from(values).sort();
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
}

const QS = [0.01, 0.5, 0.9, 0.99, 1];

describe('LatencyCounts', () => {
  it('gives the nearest-rank quantiles of a full sort, for few and for many distinct values', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.integer({ min: 0, max: 20 }).map((h) => h * 2.5),
            fc.double({ min: -1e6, max: 1e6, noNaN: true }),
            fc.constantFrom(0, -0, 1e-300, Number.MAX_VALUE),
          ),
          { maxLength: 400 },
        ),
        (values) => {
          const c = new LatencyCounts();
          for (const v of values) c.add(v);
          const got = c.ranks(QS);
          QS.forEach((q, i) => {
            expect(Object.is(got[i], sortedRank(values, q))).toBe(true);
          });
          expect(c.total).toBe(values.length);
        },
      ),
      { seed: 3 },
    );
  });

  it('stays exact when mostly distinct values turn it into a list, and after clear', () => {
    const c = new LatencyCounts();
    const values: number[] = [];
    for (let i = 0; i < 200_000; i++) values.push(((i * 7919) % 100_003) + 0.25);
    for (const v of values) c.add(v);
    expect(c.ranks(QS)).toEqual(QS.map((q) => sortedRank(values, q)));
    c.add(5);
    values.push(5);
    expect(c.ranks([0.5])).toEqual([sortedRank(values, 0.5)]);
    c.clear();
    expect(c.ranks([0.5, 0.99])).toEqual([0, 0]);
    for (let i = 0; i < 1000; i++) c.add(i % 3);
    expect(c.ranks([0.5])).toEqual([1]);
  });
});
