/**
 * Running a sweep (or one shard of it) into an output folder; see `results.ts` for the files.
 *
 * 1. The spec is loaded, its points counted (a sweep over `maxPoints` is refused before any
 *    point is built) and every point resolved and validated (`resolvePlan`): a bad spec stops
 *    here, before anything runs (the output folder is locked first; a bad spec leaves nothing).
 * 2. `sweep-plan.json` is written (or, on a re-run, checked to be the same sweep).
 * 3. The shard's points that have no `points/<id>/run.json` yet run on a pool of workers; each
 *    finished point is written atomically, then `sweep.csv` and `pareto.svg` are rebuilt
 *    (atomically) from the plan and the point files.
 *
 * Resume is therefore "skip ids that have run.json": a run killed at any moment loses at most
 * the points in flight. A point whose runner throws gets `error.json` and is retried next time.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { RunSummary } from '../report/runResult.js';
import { writeFileAtomic } from '../util/atomicWrite.js';
import { UserError } from '../util/errors.js';
import { checkOutputPath, lockOutputFolder } from '../util/lock.js';
import {
  countPoints,
  type PointCount,
  resolvePlan,
  type SweepPlan,
  type SweepPoint,
} from './points.js';
import { WorkerDied, workerPool } from './pool.js';
import {
  PLAN_FILE,
  type PlanFile,
  planFile,
  pointFile,
  runJsonPath,
  writeDerived,
} from './results.js';
import { type PointRunner, runPointByName } from './runners.js';
import { type Shard, shardPoints } from './shard.js';
import { loadSweepSpec } from './spec.js';

export interface SweepProgress {
  /** Points of this shard; already finished before this run; finished or failed so far. */
  total: number;
  skipped: number;
  done: number;
  failed: number;
  running: number;
  /** The point that just finished (absent for the start event). */
  point?: { index: number; id: string; ok: boolean; message?: string };
}

export interface RunSweepOptions {
  specPath: string;
  outDir: string;
  shard?: Shard;
  /** Worker threads (default: the number of CPUs); 1 runs the points in this thread. */
  workers?: number;
  /** Run points in this process with this function instead of worker threads (tests). */
  runPoint?: PointRunner;
  /** Most points a sweep may have (default {@link DEFAULT_MAX_POINTS}); more are refused. */
  maxPoints?: number;
  /**
   * Called with the number of points (counted from the spec before anything is built; a sweep
   * over the limit is refused with the count) once the plan is valid, before anything runs.
   */
  onCount?: (count: PointCount) => void;
  onProgress?: (p: SweepProgress) => void;
  /**
   * Cancels the sweep: no point starts after the abort, the points in flight finish and are
   * written, then `runSweep` throws `signal.reason`. Re-running the sweep resumes it.
   */
  signal?: AbortSignal;
}

/**
 * Default limit on the points of one sweep. Planning resolves and validates every point's
 * hardware config (about a millisecond each) and keeps the plan in memory, so 10^4 points plan
 * in seconds; a bigger sweep must ask for it (`--max-points`).
 */
export const DEFAULT_MAX_POINTS = 10_000;

export interface RunSweepReport {
  outDir: string;
  /** Points in the whole sweep, in this shard, finished before, run now, failed. */
  points: number;
  inShard: number;
  skipped: number;
  ran: number;
  failed: { index: number; id: string; message: string }[];
  duplicates: number;
  /** Rows now in sweep.csv. */
  rows: number;
}

export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

/** Writes the plan, or checks that the folder holds the same sweep. */
function preparePlan(outDir: string, plan: SweepPlan): PlanFile {
  const file = planFile(plan);
  const path = join(outDir, PLAN_FILE);
  if (existsSync(path)) {
    const old = JSON.parse(readFileSync(path, 'utf8')) as PlanFile;
    const ids = (p: PlanFile) => p.points.map((q) => q.id).join(',');
    if (ids(old) !== ids(file) || JSON.stringify(old.fields) !== JSON.stringify(file.fields)) {
      throw new UserError(
        `${outDir}: holds a different sweep ("${old.name}", ${old.points.length} points; this spec or tool version gives ${file.points.length} other points); choose another --out folder`,
      );
    }
    return old;
  }
  mkdirSync(outDir, { recursive: true });
  writeFileAtomic(path, `${JSON.stringify(file, null, 2)}\n`);
  return file;
}

/** Runs `points` with at most `concurrency` in flight, in order of index; stops if a worker dies. */
async function runAll(
  points: SweepPoint[],
  concurrency: number,
  run: PointRunner,
  onResult: (p: SweepPoint, r: Awaited<ReturnType<PointRunner>> | Error) => void,
  onStart: () => void,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0;
  let stopped = false;
  const lane = async () => {
    while (next < points.length && !stopped && signal?.aborted !== true) {
      const point = points[next++]!;
      onStart();
      let outcome: Awaited<ReturnType<PointRunner>> | Error;
      try {
        outcome = await run(point);
      } catch (err) {
        // A dead worker thread is not the point's fault: stop; a re-run resumes.
        if (err instanceof WorkerDied) {
          stopped = true;
          throw new Error(`${err.message} (while running point ${point.index}, ${point.id})`);
        }
        outcome = err instanceof Error ? err : new Error(String(err));
      }
      onResult(point, outcome);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
}

/** Runs a sweep (or a shard of it); see the file comment. */
export async function runSweep(opts: RunSweepOptions): Promise<RunSweepReport> {
  const outLabel = `--out ${opts.outDir}`;
  const outDir = checkOutputPath(opts.outDir, outLabel);
  const loaded = loadSweepSpec(opts.specPath);
  const count = countPoints(loaded.spec);
  const maxPoints = opts.maxPoints ?? DEFAULT_MAX_POINTS;
  if (count.points > maxPoints) {
    throw new UserError(
      `${loaded.shown}: ${count.points} points (${count.text}) is more than the limit of ${maxPoints}; split the sweep, or raise the limit with --max-points ${count.points}`,
    );
  }
  // Locked before the plan is built, so that an unusable folder fails first; a bad spec then
  // releases it, which removes the folder again if this run created it.
  opts.signal?.throwIfAborted();
  const lock = lockOutputFolder(outDir, outLabel, 'sweep');
  try {
    const plan = resolvePlan(loaded);
    opts.onCount?.(count);
    return await runPlan(opts, outDir, plan);
  } finally {
    lock.release();
  }
}

async function runPlan(
  opts: RunSweepOptions,
  outDir: string,
  plan: SweepPlan,
): Promise<RunSweepReport> {
  const filePlan = preparePlan(outDir, plan);
  const mine = shardPoints(plan.points, opts.shard);
  const pending = mine.filter((p) => !existsSync(runJsonPath(outDir, p.id)));
  const cache = new Map<string, RunSummary>();
  let rows = writeDerived(outDir, filePlan, cache);
  const progress: SweepProgress = {
    total: mine.length,
    skipped: mine.length - pending.length,
    done: 0,
    failed: 0,
    running: 0,
  };
  opts.onProgress?.({ ...progress });
  const failed: RunSweepReport['failed'] = [];
  const workers = Math.max(1, Math.floor(opts.workers ?? defaultWorkers()));
  const concurrency = Math.min(workers, pending.length);
  // One worker: run in this thread (no thread start-up); more: a pool of worker threads.
  const pool = opts.runPoint === undefined && concurrency > 1 ? workerPool(concurrency) : null;
  const run: PointRunner = opts.runPoint ?? pool?.run ?? runPointByName;
  try {
    await runAll(
      pending,
      concurrency,
      run,
      (point, outcome) => {
        progress.running--;
        const errorPath = join(outDir, 'points', point.id, 'error.json');
        if (outcome instanceof Error) {
          progress.failed++;
          failed.push({ index: point.index, id: point.id, message: outcome.message });
          writeFileAtomic(
            errorPath,
            `${JSON.stringify({ id: point.id, params: point.params, seed: point.seed, error: outcome.message }, null, 2)}\n`,
          );
          opts.onProgress?.({
            ...progress,
            point: { index: point.index, id: point.id, ok: false, message: outcome.message },
          });
          return;
        }
        writeFileAtomic(
          runJsonPath(outDir, point.id),
          `${JSON.stringify(pointFile(point, outcome), null, 2)}\n`,
        );
        rmSync(errorPath, { force: true });
        cache.set(point.id, outcome.summary);
        rows = writeDerived(outDir, filePlan, cache);
        progress.done++;
        opts.onProgress?.({ ...progress, point: { index: point.index, id: point.id, ok: true } });
      },
      () => {
        progress.running++;
      },
      opts.signal,
    );
  } finally {
    await pool?.close();
  }
  opts.signal?.throwIfAborted();
  rows = writeDerived(outDir, filePlan, cache);
  return {
    outDir,
    points: plan.points.length,
    inShard: mine.length,
    skipped: progress.skipped,
    ran: progress.done,
    failed,
    duplicates: plan.duplicates,
    rows,
  };
}
