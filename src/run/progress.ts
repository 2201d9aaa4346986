import { performance } from 'node:perf_hooks';

/**
 * Progress of a run on stderr. On a terminal: one line redrawn in place (bar, frames, rate,
 * ETA), at most ten times a second, from half a second in (short runs show nothing). Elsewhere
 * (a pipe, a CI log): a plain line every `logEverySeconds`, so logs stay readable. Wall-clock
 * time is used for display only; nothing of it reaches the results except `wall`.
 */
export interface ProgressStream {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** Default: `stream.isTTY`. */
  tty?: boolean;
  /** Seconds between plain log lines (default 5). */
  logEverySeconds?: number;
  /** Clock in ms (default `performance.now`), for tests. */
  now?: () => number;
  label?: string;
}

/** `83` -> `1:23`, `3723` -> `1:02:03`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

export class Progress {
  private readonly tty: boolean;
  private readonly logEveryMs: number;
  private readonly now: () => number;
  private readonly label: string;
  private t0 = 0;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private drawn = false;
  private total = 0;

  constructor(
    private readonly stream: ProgressStream,
    opts: ProgressOptions = {},
  ) {
    this.tty = opts.tty ?? stream.isTTY === true;
    this.logEveryMs = (opts.logEverySeconds ?? 5) * 1000;
    this.now = opts.now ?? (() => performance.now());
    this.label = opts.label ?? 'simulating';
  }

  start(total: number): void {
    this.total = total;
    this.t0 = this.now();
    this.lastDraw = this.t0;
  }

  /** The text of the status for `done` frames at time `t` (ms). */
  line(done: number, t: number): string {
    const elapsed = (t - this.t0) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const eta = rate > 0 ? (this.total - done) / rate : Number.POSITIVE_INFINITY;
    const pct = this.total > 0 ? Math.floor((100 * done) / this.total) : 100;
    const figures = `${done}/${this.total} frames (${pct}%)  ${rate >= 10 || rate === 0 ? rate.toFixed(1) : rate.toPrecision(2)} frames/s  ETA ${formatDuration(eta)}`;
    if (!this.tty) return `${this.label}: ${figures}`;
    const width = 24;
    const fill = this.total > 0 ? Math.round((width * done) / this.total) : width;
    return `${this.label} [${'#'.repeat(fill)}${'-'.repeat(width - fill)}] ${figures}`;
  }

  update(done: number): void {
    const t = this.now();
    if (this.tty) {
      if (t - this.t0 < 500 || t - this.lastDraw < 100) return;
      this.stream.write(`\r${this.line(done, t)}\x1b[K`);
      this.drawn = true;
    } else {
      if (t - this.lastDraw < this.logEveryMs || done >= this.total) return;
      this.stream.write(`${this.line(done, t)}\n`);
    }
    this.lastDraw = t;
  }

  /** Clears the progress line (terminal) when the run ends, successfully or not. */
  finish(): void {
    if (this.tty && this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }
}
