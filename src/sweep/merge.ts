/**
 * `ttfsim sweep merge DIR... --out DIR`: combines the output folders of shards of one sweep.
 * Every input must hold the same plan (same points, same order). Each finished point's
 * `run.json` is copied (atomically) into `--out` unless it is already there, then `sweep.csv` and
 * `pareto.svg` are derived exactly as a single-process run derives them, so the merged CSV equals
 * the single-process CSV row for row. Point files are content-addressed: two shards that both ran
 * a point hold the same result, and the first one found is kept.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RunSummary } from '../report/runResult.js';
import { writeFileAtomic } from '../util/atomicWrite.js';
import { UserError } from '../util/errors.js';
import { lockOutputFolder } from '../util/lock.js';
import { PLAN_FILE, type PlanFile, readPlanFile, runJsonPath, writeDerived } from './results.js';

export interface MergeReport {
  outDir: string;
  points: number;
  /** Points with a result in some input (now rows of the merged CSV). */
  found: number;
  /** Indices of points no input has finished. */
  missing: number[];
  copied: number;
}

/**
 * Merges the shard folders `inputs` of one sweep into `out` (see the file comment); returns the
 * points found, copied and missing. A folder of another sweep throws a `UserError`.
 */
export function mergeSweeps(inputs: readonly string[], out: string): MergeReport {
  if (inputs.length === 0) throw new UserError('sweep merge: give at least one shard folder');
  const dirs = inputs.map((d) => resolve(d));
  const outDir = resolve(out);
  const plans = dirs.map((d) => readPlanFile(d));
  const first = plans[0]!;
  const key = (p: PlanFile) => JSON.stringify([p.fields, p.points.map((q) => q.id)]);
  plans.forEach((p, k) => {
    if (key(p) !== key(first)) {
      throw new UserError(
        `${inputs[k]}: holds a different sweep than ${inputs[0]} ("${p.name}", ${p.points.length} points vs "${first.name}", ${first.points.length}); shards must come from the same spec and tool version`,
      );
    }
  });
  // The merged folder may be one of the inputs: locked like a sweep's (a shard still writing
  // into it makes the merge fail at once).
  const lock = lockOutputFolder(out, `--out ${out}`, 'sweep merge');
  try {
    return mergeInto(outDir, out, dirs, first, key);
  } finally {
    lock.release();
  }
}

function mergeInto(
  outDir: string,
  out: string,
  dirs: string[],
  first: PlanFile,
  key: (p: PlanFile) => string,
): MergeReport {
  const outPlan = join(outDir, PLAN_FILE);
  if (existsSync(outPlan)) {
    const existing = readPlanFile(outDir);
    if (key(existing) !== key(first)) {
      throw new UserError(`${out}: already holds a different sweep; choose another --out folder`);
    }
  } else {
    writeFileAtomic(outPlan, readFileSync(join(dirs[0]!, PLAN_FILE)));
  }
  let copied = 0;
  const missing: number[] = [];
  for (const point of first.points) {
    const target = runJsonPath(outDir, point.id);
    if (existsSync(target)) continue;
    const source = dirs.map((d) => runJsonPath(d, point.id)).find((p) => existsSync(p));
    if (source === undefined) {
      missing.push(point.index);
      continue;
    }
    writeFileAtomic(target, readFileSync(source));
    copied++;
  }
  const cache = new Map<string, RunSummary>();
  const found = writeDerived(outDir, first, cache);
  return { outDir, points: first.points.length, found, missing, copied };
}
