/**
 * Reads a results folder (`run.json`, `spikes-frame<k>.json`), validates it and writes
 * `report.html` plus every figure as a standalone SVG under `figures/`, each file atomically.
 * Used by `ttfsim report <resultsDir>` and by `ttfsim simulate --report`.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomicWrite.js';
import { UserError } from '../util/errors.js';
import { buildFigures } from './figures.js';
import { renderHtml } from './html.js';
import type { RunResult, SpikeRaster } from './runResult.js';
import { parseRunResult, parseSpikeRaster } from './validate.js';

export interface WriteReportOptions {
  /**
   * Frame whose spikes the raster shows: reads `spikes-frame<frame>.json`. Default: the lowest
   * `k` with a spike file; without any spike file the report says so and has no raster.
   */
  frame?: number;
  /** Folder to write `report.html` and `figures/` to (default: `resultsDir`). */
  outDir?: string;
}

export interface WriteReportResult {
  /** Path of the written `report.html`. */
  reportPath: string;
  /** Paths of the written `figures/*.svg`, in report order. */
  figurePaths: string[];
  /** Frame shown in the raster, null when the folder has no spike file. */
  frame: number | null;
}

/** Frames that have a `spikes-frame<k>.json` in `dir`, ascending. */
export function spikeFrames(dir: string): number[] {
  return readdirSync(dir)
    .map((f) => /^spikes-frame(\d+)\.json$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

/** Reads and validates a results folder. */
export function readResults(
  resultsDir: string,
  frame?: number,
): { run: RunResult; raster: SpikeRaster | null; rasterNote?: string } {
  if (!existsSync(resultsDir) || !statSync(resultsDir).isDirectory())
    throw new UserError(`${resultsDir}: results folder not found`);
  const runPath = join(resultsDir, 'run.json');
  if (!existsSync(runPath))
    throw new UserError(
      `${runPath}: not found (a results folder written by ttfsim simulate has run.json)`,
    );
  const run = parseRunResult(readFileSync(runPath, 'utf8'), runPath);
  const frames = spikeFrames(resultsDir);
  if (frame !== undefined) {
    if (!Number.isInteger(frame) || frame < 0)
      throw new UserError(`--frame: expected a frame number >= 0, got ${frame}`);
    if (!frames.includes(frame))
      throw new UserError(
        `${join(resultsDir, `spikes-frame${frame}.json`)}: not found (spike files here: ${
          frames.length ? frames.map((k) => `frame ${k}`).join(', ') : 'none'
        })`,
      );
  }
  const k = frame ?? frames[0];
  if (k === undefined)
    return {
      run,
      raster: null,
      rasterNote: `No spike file (spikes-frame<k>.json) in ${resultsDir}: the spike raster is left out.`,
    };
  const rasterPath = join(resultsDir, `spikes-frame${k}.json`);
  return { run, raster: parseSpikeRaster(readFileSync(rasterPath, 'utf8'), rasterPath) };
}

export const SVG_PROLOG = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** Writes `report.html` and `figures/*.svg` for the results in `resultsDir`. */
export function writeReport(resultsDir: string, opts: WriteReportOptions = {}): WriteReportResult {
  const { run, raster, rasterNote } = readResults(resultsDir, opts.frame);
  const outDir = opts.outDir ?? resultsDir;
  const figures = buildFigures(run, raster);
  const figurePaths: string[] = [];
  for (const f of figures) {
    const p = join(outDir, 'figures', f.file);
    writeFileAtomic(p, `${SVG_PROLOG}${f.svg}\n`);
    figurePaths.push(p);
  }
  const reportPath = join(outDir, 'report.html');
  writeFileAtomic(reportPath, renderHtml(run, figures, { rasterNote }));
  return { reportPath, figurePaths, frame: raster ? raster.frame : null };
}
