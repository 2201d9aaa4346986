import type { Command } from 'commander';
import { mergeSweeps, runSweep, UserError } from '../../api/index.js';
import { progressPrinter } from '../../sweep/progress.js';
import { DEFAULT_MAX_POINTS, defaultWorkers } from '../../sweep/runner.js';
import { parseShard } from '../../sweep/shard.js';

interface SweepRunOptions {
  out: string;
  shard?: string;
  workers?: string;
  maxPoints?: string;
}

function positive(option: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(n) || n < 1) {
    throw new UserError(`${option} ${text}: expected a whole number >= 1`);
  }
  return n;
}

/** `ttfsim sweep SPEC --out DIR` and `ttfsim sweep merge DIR... --out DIR`. */
export function registerSweep(program: Command): void {
  const sweep = program
    .command('sweep')
    .description(
      'Hardware design-space exploration: run every point of a sweep spec (resumable; --shard i/N for clusters), writing DIR/sweep.csv, DIR/pareto.svg and DIR/points/<id>/run.json; merge shard folders (docs/sweeps.md)',
    );
  // `ttfsim sweep SPEC --out DIR` runs the default subcommand `run`; `ttfsim sweep merge` merges.
  // (Two subcommands, so that each owns its --out.)
  sweep
    .command('run')
    .description('Run a sweep spec, or one shard of it, into --out (finished points are skipped)')
    .argument('<spec>', 'sweep spec file (.json, schemas/sweep.schema.json)')
    .requiredOption('--out <dir>', 'output folder (re-running into it skips finished points)')
    .option('--shard <i/N>', 'run only shard i of N (0 <= i < N): points with index mod N = i')
    .option('--workers <n>', `worker threads (default: the number of CPUs, ${defaultWorkers()})`)
    .option(
      '--max-points <n>',
      `most points the sweep may have; larger sweeps are refused before anything is built (default ${DEFAULT_MAX_POINTS})`,
    )
    .action(async (spec: string, opts: SweepRunOptions) => {
      const shard = opts.shard === undefined ? undefined : parseShard(opts.shard);
      const workers =
        opts.workers === undefined ? defaultWorkers() : positive('--workers', opts.workers);
      const maxPoints =
        opts.maxPoints === undefined ? undefined : positive('--max-points', opts.maxPoints);
      const label = shard === undefined ? 'sweep' : `sweep shard ${shard.index}/${shard.count}`;
      const report = await runSweep({
        specPath: spec,
        outDir: opts.out,
        shard,
        workers,
        maxPoints,
        onCount: (c) => {
          process.stderr.write(`${label}: ${spec} has ${c.points} points (${c.text})\n`);
        },
        onProgress: progressPrinter(label),
      });
      const dup = report.duplicates > 0 ? ` (${report.duplicates} duplicate points dropped)` : '';
      process.stdout.write(
        `${label}: ${report.ran} run, ${report.skipped} already done, ${report.failed.length} failed of ${report.inShard} points${dup}; ${report.rows} rows in ${report.outDir}/sweep.csv\n`,
      );
      if (report.failed.length > 0) {
        for (const f of report.failed) {
          process.stderr.write(`ttfsim: point ${f.index} (${f.id}) failed: ${f.message}\n`);
        }
        process.stderr.write('ttfsim: re-run the same command to retry the failed points\n');
        process.exitCode = 1;
      }
    });

  sweep
    .command('merge')
    .description('Combine the output folders of the shards of one sweep into one sweep.csv')
    .argument('<dirs...>', 'shard output folders')
    .requiredOption('--out <dir>', 'merged output folder (may be one of the inputs)')
    .action((dirs: string[], opts: { out: string }) => {
      const r = mergeSweeps(dirs, opts.out);
      process.stdout.write(
        `sweep merge: ${r.found} of ${r.points} points (${r.copied} copied) in ${r.outDir}/sweep.csv\n`,
      );
      if (r.missing.length > 0) {
        const list = r.missing.slice(0, 10).join(', ');
        process.stderr.write(
          `ttfsim: ${r.missing.length} points have no result in any input (indices ${list}${r.missing.length > 10 ? ', ...' : ''}); run the missing shards and merge again\n`,
        );
        process.exitCode = 1;
      }
    });
}
