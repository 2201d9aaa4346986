/**
 * The progress display of `ttfsim sweep` on stderr: a bar redrawn in place on a terminal, one
 * line per finished point otherwise (logs of cluster jobs). The wall clock is read here only, for
 * the elapsed time and the estimate of the time left; it never reaches results.
 */
import { performance } from 'node:perf_hooks';
import type { SweepProgress } from './runner.js';

const BAR_WIDTH = 28;

function seconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 90) return `${s.toFixed(0)} s`;
  if (s < 5400) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** A progress callback for `runSweep` writing to `stream` (default stderr). */
export function progressPrinter(
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
): (p: SweepProgress) => void {
  const t0 = performance.now();
  const tty = stream.isTTY === true;
  return (p) => {
    const todo = p.total - p.skipped;
    const finished = p.done + p.failed;
    const elapsedS = (performance.now() - t0) / 1000;
    const etaS = finished > 0 ? (elapsedS / finished) * (todo - finished) : Number.NaN;
    if (p.point === undefined) {
      stream.write(`${label}: ${p.total} points, ${p.skipped} already done, ${todo} to run\n`);
      return;
    }
    const fail = p.point.ok ? '' : ` FAILED: ${p.point.message}`;
    if (tty) {
      const filled = todo > 0 ? Math.round((finished / todo) * BAR_WIDTH) : BAR_WIDTH;
      const bar = `${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}`;
      if (!p.point.ok) stream.write(`\r\x1b[Kpoint ${p.point.index} (${p.point.id})${fail}\n`);
      stream.write(
        `\r\x1b[K[${bar}] ${finished}/${todo}${p.failed > 0 ? ` (${p.failed} failed)` : ''}, ${p.running} running  ${seconds(elapsedS)} elapsed, ~${seconds(etaS)} left`,
      );
      if (finished === todo) stream.write('\n');
    } else {
      stream.write(
        `${label}: ${finished}/${todo} point ${p.point.index} (${p.point.id}) ${p.point.ok ? 'done' : 'failed'}${fail}; ~${seconds(etaS)} left\n`,
      );
    }
  };
}
