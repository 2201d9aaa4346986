/**
 * The files of a sweep folder and the CSV derived from them:
 *
 *     DIR/sweep-plan.json          the ordered points (index, id, seed, params) of the whole sweep
 *     DIR/points/<id>/run.json     one finished point: its result with full provenance
 *     DIR/points/<id>/error.json   a point that failed (retried on the next run)
 *     DIR/sweep.csv                one row per finished point, in sweep order (derived)
 *     DIR/pareto.svg               energy vs latency, the Pareto front highlighted (derived)
 *
 * Every file is written atomically, and `sweep.csv` is rebuilt from the plan and the point files,
 * never appended to: it cannot hold a torn or duplicated row, and it is identical for identical
 * sets of finished points whichever process, shard or order produced them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunSummary } from '../report/runResult.js';
import { writeFileAtomic } from '../util/atomicWrite.js';
import { inFile } from '../util/errors.js';
import { VERSION } from '../util/version.js';
import { type Objectives, paretoFront } from './pareto.js';
import type { SweepPlan, SweepPoint } from './points.js';
import type { AxisValue } from './spec.js';
import { paretoSvg } from './svg.js';
import { type CsvRow, csvLines } from './table.js';

export const PLAN_FILE = 'sweep-plan.json';
export const CSV_FILE = 'sweep.csv';
export const SVG_FILE = 'pareto.svg';
export const POINTS_DIR = 'points';

/** What a runner returns: a `RunResult` (simulate) or anything else with a `summary`. */
export interface PointResult {
  summary: RunSummary;
  [key: string]: unknown;
}

/** `points/<id>/run.json`. */
export interface PointFile {
  format: 'ttfsim-sweep-point/1';
  point: { id: string; seed: number; params: Record<string, AxisValue>; runner: string };
  provenance: Omit<SweepPoint, 'index' | 'id' | 'seed' | 'params' | 'runner'> & {
    tool: { name: 'ttfsim'; version: string };
  };
  result: PointResult;
}

/** `sweep-plan.json`: the sweep's points in order (the same in every shard). */
export interface PlanFile {
  format: 'ttfsim-sweep-plan/1';
  tool: { name: 'ttfsim'; version: string };
  name: string;
  specSha256: string;
  fields: string[];
  points: { index: number; id: string; seed: number; params: Record<string, AxisValue> }[];
}

export function planFile(plan: SweepPlan): PlanFile {
  return {
    format: 'ttfsim-sweep-plan/1',
    tool: { name: 'ttfsim', version: VERSION },
    name: plan.name,
    specSha256: plan.specSha256,
    fields: plan.fields,
    points: plan.points.map((p) => ({ index: p.index, id: p.id, seed: p.seed, params: p.params })),
  };
}

export function pointFile(point: SweepPoint, result: PointResult): PointFile {
  const { index: _i, id, seed, params, runner, ...rest } = point;
  return {
    format: 'ttfsim-sweep-point/1',
    point: { id, seed, params, runner },
    provenance: { tool: { name: 'ttfsim', version: VERSION }, ...rest },
    result,
  };
}

export function runJsonPath(dir: string, id: string): string {
  return join(dir, POINTS_DIR, id, 'run.json');
}

export function readPlanFile(dir: string): PlanFile {
  const path = join(dir, PLAN_FILE);
  if (!existsSync(path)) throw inFile(dir, `no ${PLAN_FILE}: not a sweep output folder`);
  const plan = JSON.parse(readFileSync(path, 'utf8')) as PlanFile;
  if (plan.format !== 'ttfsim-sweep-plan/1') throw inFile(path, 'unknown plan format');
  return plan;
}

/** The summary of a finished point, or null when it has no (readable) run.json. */
export function readSummary(dir: string, id: string): RunSummary | null {
  const path = runJsonPath(dir, id);
  if (!existsSync(path)) return null;
  try {
    const file = JSON.parse(readFileSync(path, 'utf8')) as PointFile;
    return file.result?.summary ?? null;
  } catch {
    return null; // cannot happen with atomic writes; treat as not finished
  }
}

/** Finished points in plan order, with the Pareto flag computed over them. */
export function finishedRows(plan: PlanFile, summaries: Map<string, RunSummary>): CsvRow[] {
  const done = plan.points.filter((p) => summaries.has(p.id));
  const objectives: Objectives[] = done.map((p) => {
    const s = summaries.get(p.id)!;
    return { energyPerFrameJ: s.energyJ.total, latencyNs: s.latencyNs, accuracy: s.accuracy };
  });
  const front = paretoFront(objectives);
  return done.map((p, k) => ({ ...p, summary: summaries.get(p.id)!, pareto: front[k]! }));
}

/** The CSV text: header, then one row per finished point in sweep order. */
export function csvText(plan: PlanFile, rows: readonly CsvRow[]): string {
  return `${csvLines(plan.fields, rows).join('\n')}\n`;
}

/**
 * Reads the summaries of every plan point found in `dir` that `cache` does not hold yet (adding
 * them to it), then writes `sweep.csv` and `pareto.svg` atomically. Returns the row count.
 */
export function writeDerived(dir: string, plan: PlanFile, cache: Map<string, RunSummary>): number {
  for (const p of plan.points) {
    if (cache.has(p.id)) continue;
    const s = readSummary(dir, p.id);
    if (s !== null) cache.set(p.id, s);
  }
  const rows = finishedRows(plan, cache);
  writeFileAtomic(join(dir, CSV_FILE), csvText(plan, rows));
  writeFileAtomic(join(dir, SVG_FILE), paretoSvg(plan.name, rows));
  return rows.length;
}
