import { countPoints, type PointCount, resolvePlan, type SweepPlan } from '../sweep/points.js';
import { type LoadedSpec, loadSweepSpec, parseSweepSpec } from '../sweep/spec.js';

/**
 * Plans a sweep without running it: reads and validates the spec (a file path, or a spec
 * object whose relative paths resolve against `baseDir`), counts its points and resolves every
 * point's hardware config, model and data. Bad specs throw a `UserError` naming the file and
 * the field or axis. Run the plan with `runSweep`, or drive your own search from its points.
 */
export function planSweep(
  spec: string | Record<string, unknown>,
  baseDir = process.cwd(),
): SweepPlan & { count: PointCount } {
  const loaded: LoadedSpec =
    typeof spec === 'string'
      ? loadSweepSpec(spec)
      : { spec: parseSweepSpec(spec), path: '', baseDir, shown: '<sweep spec>' };
  return { ...resolvePlan(loaded), count: countPoints(loaded.spec) };
}

/**
 * The Pareto front of points minimising every objective: the points that no other point
 * dominates (at least as good in every objective, strictly better in one), in their original
 * order. `objectives(p)` gives a point's objectives, smaller is better. O(n^2).
 */
export function paretoPoints<T>(
  points: readonly T[],
  objectives: (p: T) => readonly number[],
): T[] {
  const v = points.map(objectives);
  const dominates = (a: readonly number[], b: readonly number[]) =>
    a.every((x, k) => x <= b[k]!) && a.some((x, k) => x < b[k]!);
  return points.filter((_, i) => !v.some((q, j) => j !== i && dominates(q, v[i]!)));
}
