import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UserError } from '../util/errors.js';
import { checkOutputPath } from '../util/lock.js';
import type { SimulateOptions } from './options.js';
import { foreignEntries } from './results.js';

/**
 * Checks, without writing, that a results folder may be written: a usable path (not empty, not
 * too long, not a file) and, when it exists, a folder holding only files ttfsim wrote (an
 * earlier run, its report), unless `force`: then ttfsim writes beside the other files and
 * replaces only its own.
 */
function checkOutDir(outDir: string, shown: string, force: boolean): void {
  checkOutputPath(outDir, `--out ${shown}`);
  if (!existsSync(outDir)) return;
  const foreign = foreignEntries(outDir);
  if (foreign.length > 0 && !force) {
    const list = foreign.slice(0, 3).map((f) => JSON.stringify(f));
    const more = foreign.length > 3 ? ` and ${foreign.length - 3} more` : '';
    throw new UserError(
      `--out ${shown}: holds files ttfsim did not write (${list.join(', ')}${more}); choose another folder, or add --force to write beside them (ttfsim replaces only its own files)`,
    );
  }
}

/**
 * The absolute results folder of run `run` (`--out`, else `<resultsRoot>/<run>`), checked; null
 * when the run writes nothing.
 */
export function resolveOutDir(opts: SimulateOptions, run: string): string | null {
  if (opts.write === false) return null;
  if (opts.out !== undefined && opts.out.trim() === '') {
    throw new UserError('--out: empty path; give a folder name');
  }
  const outDir = resolve(opts.out ?? join(opts.resultsRoot ?? 'results', run));
  checkOutDir(outDir, opts.out ?? outDir, opts.force === true);
  return outDir;
}

/** The absolute spike-trace file, checked (its folder exists and is writable); null if none. */
export function resolveTraceFile(opts: SimulateOptions): string | null {
  if (opts.traceSpikes === undefined) return null;
  const label = `--trace-spikes ${opts.traceSpikes}`;
  if (opts.traceSpikes.trim() === '') {
    throw new UserError('--trace-spikes: empty path; give a file name');
  }
  const traceFile = checkOutputPath(opts.traceSpikes, label, 'file');
  const parent = dirname(traceFile);
  if (!existsSync(parent) || !statSync(parent).isDirectory()) {
    throw new UserError(`${label}: folder ${parent} does not exist`);
  }
  try {
    accessSync(parent, constants.W_OK | constants.X_OK);
  } catch {
    throw new UserError(`${label}: no permission to write in ${parent}`);
  }
  return traceFile;
}
