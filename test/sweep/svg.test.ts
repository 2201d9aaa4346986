/**
 * pareto.svg (issue 15, item 15): tick labels with enough digits to differ on a narrow range,
 * and a legend that never covers a data point (it sits above the plot area).
 */
import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/report/runResult.js';
import { paretoSvg, tickLabels, ticks } from '../../src/sweep/svg.js';
import type { CsvRow } from '../../src/sweep/table.js';

function row(i: number, energyJ: number, latencyNs: number, pareto: boolean): CsvRow {
  const summary = { energyJ: { total: energyJ }, latencyNs, accuracy: 0.9 } as RunSummary;
  return { index: i, id: `p${i}`, seed: 0, params: { 'noc.bufferDepthFlits': i }, summary, pareto };
}

const attrs = (tag: string) =>
  Object.fromEntries([...tag.matchAll(/([\w-]+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));

describe('pareto.svg', () => {
  // Latencies 1914.00 to 1914.30 ns: all of them "1.914" us at four significant digits.
  const rows = Array.from({ length: 8 }, (_, i) =>
    row(i, (1 + i) * 1e-6, 1914 + (0.3 * ((i * 5) % 8)) / 7, i % 3 === 0),
  );
  const svg = paretoSvg('narrow', rows);

  it('labels every tick differently, with the digits the step needs', () => {
    for (const axis of ['x', 'y']) {
      const labels = [
        ...svg.matchAll(new RegExp(`<text class="tick ${axis}"[^>]*>([^<]*)<`, 'g')),
      ].map((m) => m[1]!);
      expect(labels.length, axis).toBeGreaterThanOrEqual(3);
      expect(new Set(labels).size, `${axis}: ${labels.join(' ')}`).toBe(labels.length);
    }
    expect(svg).toContain('Latency per frame (µs)');
    expect(tickLabels([1.914, 1.9141, 1.9142])).toEqual(['1.9140', '1.9141', '1.9142']);
    expect(tickLabels([0, 5, 10])).toEqual(['0', '5', '10']);
    expect(tickLabels([0.5, 1, 1.5])).toEqual(['0.5', '1.0', '1.5']);
    expect(tickLabels(ticks(1.91400001, 1.91400009)).length).toBeGreaterThan(2);
    const fine = tickLabels(ticks(1.91400001, 1.91400009));
    expect(new Set(fine).size).toBe(fine.length);
  });

  it('keeps the legend outside the plot area, so no point is ever hidden', () => {
    const plot = attrs(/<rect x="80"[^>]*fill="none"[^>]*>/.exec(svg)![0]);
    const top = Number(plot.y);
    const legend = /<g class="legend">([\s\S]*?)<\/g>/.exec(svg)![1]!;
    const marks = [...legend.matchAll(/<circle [^>]*>/g)].map((m) => attrs(m[0]));
    expect(marks).toHaveLength(2);
    for (const m of marks) expect(Number(m.cy) + Number(m.r)).toBeLessThan(top);
    const texts = [...legend.matchAll(/<text [^>]*>/g)].map((m) => attrs(m[0]));
    for (const t of texts) expect(Number(t.y)).toBeLessThan(top);
    const dots = [...svg.matchAll(/<circle [^>]*><title>/g)].map((m) => attrs(m[0]));
    expect(dots).toHaveLength(rows.length);
    for (const d of dots) {
      expect(Number(d.cy) - Number(d.r)).toBeGreaterThanOrEqual(top);
      expect(Number(d.cx)).toBeGreaterThanOrEqual(Number(plot.x));
      expect(Number(d.cx)).toBeLessThanOrEqual(Number(plot.x) + Number(plot.width));
    }
  });
});
