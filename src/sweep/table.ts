/**
 * The sweep's table: one row per finished point (`CsvRow`), the metric columns read from its
 * summary, and the CSV text of the rows. `results.ts` writes it as `sweep.csv`, `svg.ts` plots
 * the same rows as `pareto.svg`.
 */
import type { RunSummary } from '../report/runResult.js';
import type { AxisValue } from './spec.js';

/** A finished point as a row: its plan entry, its summary and whether it is on the front. */
export interface CsvRow {
  index: number;
  id: string;
  seed: number;
  params: Record<string, AxisValue>;
  summary: RunSummary;
  pareto: boolean;
}

/** The metric columns, in order, and how each is read from a summary. */
export const METRIC_COLUMNS: readonly [string, (s: RunSummary) => number | null][] = [
  ['accuracy', (s) => s.accuracy],
  ['energyPerFrameJ', (s) => s.energyJ.total],
  ['energySopJ', (s) => s.energyJ.sop],
  ['energyHopJ', (s) => s.energyJ.hop],
  ['energyStaticJ', (s) => s.energyJ.static],
  ['latencyNs', (s) => s.latencyNs],
  ['latencySteps', (s) => s.latencySteps],
  ['framesPerSecond', (s) => s.framesPerSecond],
  ['spikes', (s) => s.spikes],
  ['sops', (s) => s.sops],
  ['biasSops', (s) => s.biasSops ?? 0],
  ['packets', (s) => s.packets],
  ['hops', (s) => s.hops],
  ['sparsity', (s) => s.sparsity],
  ['coresUsed', (s) => s.coresUsed],
  ['meshWidth', (s) => s.mesh.width],
  ['meshHeight', (s) => s.mesh.height],
];

/** One CSV cell (RFC 4180 quoting; numbers in JavaScript's shortest round-trip form). */
export function csvCell(v: AxisValue | undefined): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The header: plan columns, the swept fields, the metrics, the Pareto flag. */
export function csvHeader(fields: readonly string[]): string[] {
  return ['index', 'id', 'seed', ...fields, ...METRIC_COLUMNS.map(([name]) => name), 'pareto'];
}

/** The CSV lines (header first) of `rows`, with a column per swept field in `fields`. */
export function csvLines(fields: readonly string[], rows: readonly CsvRow[]): string[] {
  const lines = [csvHeader(fields).join(',')];
  for (const r of rows) {
    const cells = [
      String(r.index),
      r.id,
      String(r.seed),
      ...fields.map((f) => csvCell(r.params[f])),
      ...METRIC_COLUMNS.map(([, get]) => csvCell(get(r.summary))),
      r.pareto ? '1' : '0',
    ];
    lines.push(cells.join(','));
  }
  return lines;
}
