import { totalmem } from 'node:os';

/**
 * Memory estimates are checked against the machine's physical memory before anything large is
 * allocated, so that an impossible run fails at once with the field to blame instead of after
 * minutes of swapping or an out-of-memory crash.
 */
export function memoryBudgetBytes(): number {
  return totalmem();
}

/** `1.5 GB`, `320 MB`, `2.7 PB` (decimal units). */
export function formatBytes(bytes: number): string {
  const units: [number, string][] = [
    [1e15, 'PB'],
    [1e12, 'TB'],
    [1e9, 'GB'],
    [1e6, 'MB'],
    [1e3, 'kB'],
  ];
  for (const [scale, unit] of units) {
    if (bytes >= scale) return `${Number((bytes / scale).toPrecision(2))} ${unit}`;
  }
  return `${Math.round(bytes)} B`;
}
