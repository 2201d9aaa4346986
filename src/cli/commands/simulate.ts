import { join } from 'node:path';
import type { Command } from 'commander';
import { type ApiSimulateOptions, simulate, UserError, writeReport } from '../../api/index.js';
import { Progress } from '../../run/progress.js';
import { formatSummary } from '../../run/summary.js';

interface CliOptions {
  hw?: string;
  model?: string;
  data?: string;
  frames?: string;
  noc?: string;
  stepsPerWindow?: string;
  weightBits?: string;
  seed?: string;
  framesInFlight?: string;
  set: string[];
  out?: string;
  json?: boolean;
  traceSpikes?: string;
  quiet?: boolean;
  report?: boolean;
  force?: boolean;
  workers?: string;
}

function wholeNumber(option: string, text: string): number {
  if (!/^\d+$/.test(text.trim())) throw new UserError(`${option} ${text}: expected a whole number`);
  return Number(text);
}

/** Turns the parsed command line into the API's options (all checking of values happens there). */
export function toSimulateOptions(o: CliOptions): ApiSimulateOptions {
  const opts: ApiSimulateOptions = {
    hw: o.hw,
    model: o.model,
    data: o.data,
    set: o.set,
    out: o.out,
  };
  if (o.force === true) opts.force = true;
  if (o.frames !== undefined) opts.frames = o.frames;
  if (o.noc !== undefined) {
    if (o.noc !== 'ideal' && o.noc !== 'detailed') {
      throw new UserError(`--noc ${o.noc}: expected ideal or detailed`);
    }
    opts.noc = o.noc;
  }
  if (o.stepsPerWindow !== undefined) {
    opts.stepsPerWindow =
      o.stepsPerWindow === 'exact' ? 'exact' : wholeNumber('--steps-per-window', o.stepsPerWindow);
  }
  if (o.weightBits !== undefined) {
    opts.weightBits =
      o.weightBits === 'float' ? 'float' : wholeNumber('--weight-bits', o.weightBits);
  }
  if (o.seed !== undefined) opts.seed = wholeNumber('--seed', o.seed);
  if (o.framesInFlight !== undefined) {
    opts.framesInFlight = wholeNumber('--frames-in-flight', o.framesInFlight);
  }
  if (o.traceSpikes !== undefined) opts.traceSpikes = o.traceSpikes;
  if (o.workers !== undefined) opts.workers = wholeNumber('--workers', o.workers);
  return opts;
}

/** `ttfsim simulate`: the main job; also what `ttfsim` with no command runs (program.ts). */
export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description(
      'Run a model on a simulated chip: accuracy, spikes, SOPs, packets, hops, latency and energy per frame (Eq. 12), written to results/<run>/ (the default command: `ttfsim --hw X` runs it)',
    )
    .option(
      '--hw <name|path>',
      'hardware config: bundled name (mesh22nm, anp-i-28nm) or path',
      'mesh22nm',
    )
    .option(
      '--model <name|path>',
      'model: bundled name (mnist-cnn, vgg11, vgg16) or manifest path',
      'mnist-cnn',
    )
    .option(
      '--data <mnist|cifar10|DIR>',
      "input data (default: the model's dataset); cifar10 reads --data DIR or $TTFSIM_CIFAR10_DIR",
    )
    .option(
      '--frames <N|A:B|all>',
      'test frames to run: the first N, frames A to B-1, or all (default: a quick subset)',
    )
    .option(
      '--noc <ideal|detailed>',
      'network-on-chip model: ideal (hop count x fixed delay) or detailed (routers, buffers, credits)',
    )
    .option(
      '--steps-per-window <N|exact>',
      'time steps per window (sets timing.stepsPerWindow), or exact for continuous time',
    )
    .option('--weight-bits <N|float>', 'weight precision in bits (sets chip.weightBits), or float')
    .option('--seed <N>', 'seed of every random choice (untrained weights)')
    .option(
      '--frames-in-flight <N>',
      'frames on the chip at once (default: one per window, pipelined); 1: each frame alone',
    )
    .option(
      '--workers <N>',
      "threads for the frames (default: the machine's cores); the results do not depend on it",
    )
    .option(
      '--set <key=value>',
      'override a hardware field, e.g. --set energy.sopEnergyPj=1.5 (repeatable; see docs/hardware-config.md)',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option('--out <DIR>', 'results folder (default: results/<model>-<hw>-<hash>)')
    .option(
      '--force',
      'write into an --out folder that holds other files too (ttfsim replaces only its own files, never the others)',
    )
    .option('--json', 'print one JSON object with the summary on stdout instead of the table')
    .option(
      '--trace-spikes <FILE>',
      'write every spike to FILE as CSV: frame,layer,neuron,t (t in windows)',
    )
    .option('--quiet', 'no progress and no table; print only the results folder')
    .option(
      '--report',
      'also write report.html and figures/ into the results folder (as ttfsim report does)',
    )
    .action(async (o: CliOptions) => {
      const opts = toSimulateOptions(o);
      const showProgress = !o.quiet;
      const progress = new Progress(process.stderr);
      let started = false;
      try {
        const result = await simulate(opts, {
          onStart: (info) => {
            if (!showProgress) return;
            process.stderr.write(
              `ttfsim: ${info.frames} frame${info.frames === 1 ? '' : 's'} of ${info.model} on ${info.hardware} (run ${info.run})\n`,
            );
            progress.start(info.frames);
            started = true;
          },
          onProgress: (done) => {
            if (started) progress.update(done);
          },
        });
        progress.finish();
        const outDir = o.out ?? join('results', result.run);
        const report = o.report ? writeReport(outDir) : null;
        if (o.json) {
          const json = { run: result.run, results: outDir, notes: result.notes, ...result.summary };
          process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
        } else if (o.quiet) {
          process.stdout.write(`${outDir}\n`);
        } else {
          process.stdout.write(formatSummary(result, outDir));
          if (report !== null) process.stdout.write(`  report in ${report.reportPath}\n`);
        }
      } finally {
        progress.finish();
      }
    });
}
