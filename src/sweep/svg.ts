/**
 * `pareto.svg`: a self-contained scatter plot of energy per frame (x) against latency per frame
 * (y), one dot per finished point; Pareto points (energy, latency, accuracy) are drawn large and
 * red and joined by the energy/latency staircase, the others small and grey. Each dot's tooltip
 * gives its id, parameters, accuracy and figures. Units are picked from the data's magnitude.
 */
import type { CsvRow } from './table.js';

const WIDTH_PX = 720;
const HEIGHT_PX = 480;
/** The legend sits in the top margin, between the title and the plot: it never covers a point. */
const MARGIN = { left: 80, right: 24, top: 58, bottom: 56 };
const LEGEND_Y = 42;

function escapeXml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** The unit (label, scale) that makes `max` read between 1 and 1000. */
export function pickUnit(max: number, base: string, units: [string, number][]): [string, number] {
  for (const [prefix, scale] of units) if (max * scale < 1000) return [`${prefix}${base}`, scale];
  const last = units[units.length - 1]!;
  return [`${last[0]}${base}`, last[1]];
}

/** About five round tick values covering [lo, hi]. */
export function ticks(lo: number, hi: number): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) {
    out.push(Number(v.toPrecision(12)));
  }
  return out;
}

function fmt(v: number): string {
  return Number(v.toPrecision(4)).toString();
}

/**
 * Tick labels with as many decimals as the step needs, so that neighbouring ticks never read
 * alike (`1.9140, 1.9145, 1.9150` rather than `1.914` three times).
 */
export function tickLabels(values: readonly number[]): string[] {
  if (values.length < 2) return values.map(fmt);
  const step = Math.min(...values.slice(1).map((v, i) => Math.abs(v - values[i]!)));
  const decimals = Math.min(20, Math.max(0, -Math.floor(Math.log10(step) + 1e-9)));
  let labels = values.map((v) => v.toFixed(decimals));
  for (let d = decimals + 1; new Set(labels).size < labels.length && d <= 20; d++) {
    labels = values.map((v) => v.toFixed(d));
  }
  return labels;
}

/** The SVG text for the finished rows of a sweep. */
export function paretoSvg(title: string, rows: readonly CsvRow[]): string {
  const xsJ = rows.map((r) => r.summary.energyJ.total);
  const ysNs = rows.map((r) => r.summary.latencyNs);
  const [xUnit, xScale] = pickUnit(Math.max(0, ...xsJ), 'J', [
    ['p', 1e12],
    ['n', 1e9],
    ['µ', 1e6],
    ['m', 1e3],
    ['', 1],
  ]);
  const [yUnit, yScale] = pickUnit(Math.max(0, ...ysNs), 's', [
    ['n', 1],
    ['µ', 1e-3],
    ['m', 1e-6],
    ['', 1e-9],
  ]);
  const xs = xsJ.map((x) => x * xScale);
  const ys = ysNs.map((y) => y * yScale);
  const pad = (lo: number, hi: number): [number, number] => {
    if (lo === hi)
      return [lo - Math.max(1e-9, Math.abs(lo) * 0.1), hi + Math.max(1e-9, Math.abs(hi) * 0.1)];
    const d = (hi - lo) * 0.05;
    return [lo - d, hi + d];
  };
  const [x0, x1] = rows.length > 0 ? pad(Math.min(...xs), Math.max(...xs)) : [0, 1];
  const [y0, y1] = rows.length > 0 ? pad(Math.min(...ys), Math.max(...ys)) : [0, 1];
  const plotW = WIDTH_PX - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT_PX - MARGIN.top - MARGIN.bottom;
  const px = (x: number) => MARGIN.left + ((x - x0) / (x1 - x0)) * plotW;
  const py = (y: number) => MARGIN.top + plotH - ((y - y0) / (y1 - y0)) * plotH;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH_PX}" height="${HEIGHT_PX}" viewBox="0 0 ${WIDTH_PX} ${HEIGHT_PX}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH_PX}" height="${HEIGHT_PX}" fill="white"/>`,
    `<text x="${WIDTH_PX / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(title)}: energy vs latency per frame (${rows.length} points, ${rows.filter((r) => r.pareto).length} on the Pareto front)</text>`,
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#444"/>`,
  );
  const xTicks = ticks(x0, x1);
  tickLabels(xTicks).forEach((label, k) => {
    const x = px(xTicks[k]!).toFixed(1);
    out.push(
      `<line x1="${x}" y1="${MARGIN.top}" x2="${x}" y2="${MARGIN.top + plotH}" stroke="#eee"/>`,
      `<text class="tick x" x="${x}" y="${MARGIN.top + plotH + 16}" text-anchor="middle">${label}</text>`,
    );
  });
  const yTicks = ticks(y0, y1);
  tickLabels(yTicks).forEach((label, k) => {
    const y = py(yTicks[k]!).toFixed(1);
    out.push(
      `<line x1="${MARGIN.left}" y1="${y}" x2="${MARGIN.left + plotW}" y2="${y}" stroke="#eee"/>`,
      `<text class="tick y" x="${MARGIN.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${label}</text>`,
    );
  });
  out.push(
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT_PX - 14}" text-anchor="middle">Energy per frame (${xUnit})</text>`,
    `<text transform="translate(18 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">Latency per frame (${yUnit})</text>`,
  );
  // Staircase through the Pareto points sorted by energy.
  const front = rows
    .map((r, i) => ({ r, x: xs[i]!, y: ys[i]! }))
    .filter((p) => p.r.pareto)
    .sort((a, b) => a.x - b.x || a.y - b.y);
  if (front.length > 1) {
    const path = front.map(
      (p, k) => `${k === 0 ? 'M' : 'L'}${px(p.x).toFixed(1)} ${py(p.y).toFixed(1)}`,
    );
    out.push(`<path d="${path.join(' ')}" fill="none" stroke="#d62728" stroke-dasharray="4 3"/>`);
  }
  const order = rows
    .map((_, i) => i)
    .sort((a, b) => Number(rows[a]!.pareto) - Number(rows[b]!.pareto));
  for (const i of order) {
    const r = rows[i]!;
    const params = Object.entries(r.params).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
    const acc = r.summary.accuracy === null ? 'n/a' : fmt(r.summary.accuracy);
    const tip = `#${r.index} ${r.id} seed=${r.seed} ${params.join(' ')}\nenergy ${fmt(xs[i]!)} ${xUnit}, latency ${fmt(ys[i]!)} ${yUnit}, accuracy ${acc}${r.pareto ? '\nPareto' : ''}`;
    const style = r.pareto ? 'r="6" fill="#d62728" stroke="black"' : 'r="3.5" fill="#999"';
    out.push(
      `<circle cx="${px(xs[i]!).toFixed(1)}" cy="${py(ys[i]!).toFixed(1)}" ${style}><title>${escapeXml(tip)}</title></circle>`,
    );
  }
  // The legend: one row in the top margin, right-aligned above the plot (outside the data).
  const lx = MARGIN.left + plotW - 190;
  out.push(
    `<g class="legend">`,
    `<circle cx="${lx}" cy="${LEGEND_Y}" r="6" fill="#d62728" stroke="black"/>`,
    `<text x="${lx + 10}" y="${LEGEND_Y + 4}">Pareto front</text>`,
    `<circle cx="${lx + 110}" cy="${LEGEND_Y}" r="3.5" fill="#999"/>`,
    `<text x="${lx + 120}" y="${LEGEND_Y + 4}">dominated</text>`,
    '</g>',
    '</svg>',
  );
  return `${out.join('\n')}\n`;
}
