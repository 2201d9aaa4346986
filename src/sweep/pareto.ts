/**
 * The Pareto front of a sweep: points no other point dominates when energy per frame and latency
 * are minimized and accuracy maximized. Point `a` dominates `b` when it is at least as good in
 * every objective and strictly better in one. A null accuracy (untrained weights) ranks below
 * any number and equal to another null, so with no accuracy at all the front is the
 * energy/latency front. O(n^2), fine for the thousands of points a sweep holds.
 */

export interface Objectives {
  energyPerFrameJ: number;
  latencyNs: number;
  accuracy: number | null;
}

/** -1: a better, 1: b better, 0: equal, for "larger is better" with null lowest. */
function compareAccuracy(a: number | null, b: number | null): number {
  const x = a ?? Number.NEGATIVE_INFINITY;
  const y = b ?? Number.NEGATIVE_INFINITY;
  return x > y ? -1 : x < y ? 1 : 0;
}

/** Whether `a` dominates `b`. */
export function dominates(a: Objectives, b: Objectives): boolean {
  const e = Math.sign(a.energyPerFrameJ - b.energyPerFrameJ);
  const l = Math.sign(a.latencyNs - b.latencyNs);
  const acc = compareAccuracy(a.accuracy, b.accuracy);
  if (e > 0 || l > 0 || acc > 0) return false;
  return e < 0 || l < 0 || acc < 0;
}

/** For every point, whether it is on the Pareto front (not dominated by any other). */
export function paretoFront(points: readonly Objectives[]): boolean[] {
  return points.map((p, i) => !points.some((q, j) => j !== i && dominates(q, p)));
}
