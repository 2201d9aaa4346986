import type { Command } from 'commander';
import { UserError, writeReport } from '../../api/index.js';

/** `ttfsim report <resultsDir> [--frame K]`: writes report.html and figures/*.svg. */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description(
      'Write a self-contained HTML report (report.html, inline SVG, no network) and the figures as separate SVG files (figures/*.svg) for a results folder written by ttfsim simulate',
    )
    .argument('<resultsDir>', 'results folder with run.json (e.g. results/<run>)')
    .option(
      '--frame <k>',
      'frame for the spike raster (reads spikes-frame<k>.json; default: the first spike file)',
    )
    .action((resultsDir: string, opts: { frame?: string }) => {
      let frame: number | undefined;
      if (opts.frame !== undefined) {
        if (!/^\d+$/.test(opts.frame))
          throw new UserError(`--frame: expected a frame number >= 0, got "${opts.frame}"`);
        frame = Number(opts.frame);
      }
      const r = writeReport(resultsDir, { frame });
      process.stdout.write(
        `wrote ${r.reportPath} and ${r.figurePaths.length} figures in ${resultsDir}/figures/${
          r.frame === null ? ' (no spike file: no raster)' : ` (raster: frame ${r.frame})`
        }\n`,
      );
    });
}
