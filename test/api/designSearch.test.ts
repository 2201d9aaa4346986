/**
 * examples/design-search, a search written against the API (it imports `ttfsim`, the built
 * package): reproducible from its seed, infeasible designs reported and skipped, the best design
 * the one of least energy x latency, and its front exactly the non-dominated designs.
 */
import { describe, expect, it } from 'vitest';
import { type Evaluated, search } from '../../examples/design-search/search.js';

const objectives = (e: Evaluated) => [e.energyJ!, e.latencyNs!, e.meshWidth * e.meshHeight];
const dominates = (a: number[], b: number[]) =>
  a.every((x, k) => x <= b[k]!) && a.some((x, k) => x < b[k]!);

describe('examples/design-search', () => {
  it('finds the least energy x latency and the Pareto front, the same for the same seed', async () => {
    const opts = { evals: 6, frames: 1, seed: 7 };
    const r = await search(opts);
    expect(r.all).toHaveLength(6);
    const ok = r.all.filter((e) => e.cost !== null);
    expect(ok.length).toBeGreaterThan(0);
    for (const e of r.all.filter((x) => x.cost === null)) expect(e.why).toMatch(/needs \d+ cores/);
    for (const e of ok) {
      expect(e.cost).toBe(e.energyJ! * e.latencyNs!);
      expect(r.best!.cost!).toBeLessThanOrEqual(e.cost!);
      const onFront = r.front.includes(e);
      const beaten = ok.some((f) => f !== e && dominates(objectives(f), objectives(e)));
      expect(onFront).toBe(!beaten);
    }
    const again = await search(opts);
    expect(again.all).toEqual(r.all);
  });
});
