/**
 * Shared plotting pieces: linear and band scales, "nice" ticks, SI unit prefixes, axes with
 * labels and units, legends and the SVG document wrapper. All figures use the same fonts and
 * sizes so that they read alike on screen and in print.
 */
import { escapeXml, fmtValue, num } from './escape.js';

export const FONT = 'Helvetica, Arial, sans-serif';
export const INK = '#222222';
export const GRID = '#e3e3e3';
export const FONT_SIZE = 12;

/** Plot area inside the SVG viewBox. */
export interface PlotArea {
  left: number;
  top: number;
  width: number;
  height: number;
}

export function plotArea(
  width: number,
  height: number,
  margin: { top: number; right: number; bottom: number; left: number },
): PlotArea {
  return {
    left: margin.left,
    top: margin.top,
    width: width - margin.left - margin.right,
    height: height - margin.top - margin.bottom,
  };
}

/** A linear map from `domain` to `range` (range may be reversed, e.g. for y axes). */
export interface LinearScale {
  domain: [number, number];
  range: [number, number];
  (v: number): number;
}

export function linearScale(domain: [number, number], range: [number, number]): LinearScale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0;
  const f = ((v: number) =>
    span === 0 ? (r0 + r1) / 2 : r0 + ((v - d0) / span) * (r1 - r0)) as LinearScale;
  f.domain = [d0, d1];
  f.range = [r0, r1];
  return f;
}

/** Equal bands for categories `0..n-1` over `[r0, r1]`; `padding` is the gap fraction. */
export interface BandScale {
  n: number;
  bandwidth: number;
  /** Left edge of band `i`. */
  start(i: number): number;
  /** Centre of band `i`. */
  centre(i: number): number;
}

export function bandScale(n: number, range: [number, number], padding = 0.2): BandScale {
  const step = n > 0 ? (range[1] - range[0]) / n : 0;
  const bandwidth = step * (1 - padding);
  return {
    n,
    bandwidth,
    start: (i) => range[0] + i * step + (step - bandwidth) / 2,
    centre: (i) => range[0] + i * step + step / 2,
  };
}

/** The 1, 2, 5 x 10^k step nearest to `span / count`. */
export function niceStep(span: number, count: number): number {
  if (!(span > 0) || !(count > 0)) return 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  const nice = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
  return nice * mag;
}

/** Ticks at multiples of a nice step inside `[min, max]` (about `count` of them). */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (min === max) return [min];
  const step = niceStep(max - min, count);
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  const out: number[] = [];
  const first = Math.ceil(min / step - 1e-9);
  const last = Math.floor(max / step + 1e-9);
  for (let k = first; k <= last; k++) out.push(Number((k * step).toFixed(decimals)));
  return out;
}

/** `[0, niceMax]` with `niceMax` the first nice tick at or above `max` (for bars, counts). */
export function niceDomainFromZero(max: number, count = 5): [number, number] {
  if (!(max > 0)) return [0, 1];
  const step = niceStep(max, count);
  return [0, Math.ceil(max / step - 1e-9) * step];
}

const PREFIXES: [number, string][] = [
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'k'],
  [1, ''],
  [1e-3, 'm'],
  [1e-6, 'µ'],
  [1e-9, 'n'],
  [1e-12, 'p'],
  [1e-15, 'f'],
];

/**
 * The SI prefix that shows `maxAbs` (in `unit`) as a number in [1, 1000): returns the factor
 * to multiply values by and the prefixed unit, e.g. `(5e-5, 'J')` gives `(1e6, 'µJ')`.
 */
export function siUnit(maxAbs: number, unit: string): { factor: number; unit: string } {
  if (!(maxAbs > 0) || !Number.isFinite(maxAbs)) return { factor: 1, unit };
  for (const [p, name] of PREFIXES) {
    if (maxAbs >= p * 0.9995) return { factor: 1 / p, unit: `${name}${unit}` };
  }
  const [p, name] = PREFIXES[PREFIXES.length - 1]!;
  return { factor: 1 / p, unit: `${name}${unit}` };
}

/** Time in ns shown in ns, µs or ms. */
export function timeUnitNs(maxNs: number): { factor: number; unit: string } {
  if (maxNs >= 1e6) return { factor: 1e-6, unit: 'ms' };
  if (maxNs >= 1e3) return { factor: 1e-3, unit: 'µs' };
  return { factor: 1, unit: 'ns' };
}

export function text(
  x: number,
  y: number,
  content: string,
  attrs: Record<string, string | number> = {},
): string {
  const a = Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${typeof v === 'number' ? num(v) : escapeXml(v)}"`)
    .join('');
  return `<text x="${num(x)}" y="${num(y)}"${a}>${escapeXml(content)}</text>`;
}

export interface AxisOptions {
  ticks: number[];
  /** Tick label; default `fmtValue`. */
  format?: (v: number) => string;
  /** Axis title with its unit, e.g. `Energy per frame (µJ)`. */
  label: string;
  /** Draw grid lines across the plot. */
  grid?: boolean;
}

/** A horizontal axis along the bottom of `area`. */
export function axisBottom(x: LinearScale, area: PlotArea, opts: AxisOptions): string {
  const y0 = area.top + area.height;
  const fmt = opts.format ?? ((v: number) => fmtValue(v));
  const parts = [
    `<line x1="${num(area.left)}" y1="${num(y0)}" x2="${num(area.left + area.width)}" y2="${num(y0)}" stroke="${INK}"/>`,
  ];
  for (const t of opts.ticks) {
    const px = x(t);
    if (opts.grid)
      parts.push(
        `<line x1="${num(px)}" y1="${num(area.top)}" x2="${num(px)}" y2="${num(y0)}" stroke="${GRID}"/>`,
      );
    parts.push(
      `<line x1="${num(px)}" y1="${num(y0)}" x2="${num(px)}" y2="${num(y0 + 5)}" stroke="${INK}"/>`,
    );
    parts.push(text(px, y0 + 18, fmt(t), { 'text-anchor': 'middle' }));
  }
  parts.push(
    text(area.left + area.width / 2, y0 + 38, opts.label, {
      'text-anchor': 'middle',
      'font-size': FONT_SIZE + 1,
    }),
  );
  return `<g class="axis axis-x">${parts.join('')}</g>`;
}

/** A vertical axis along the left of `area`. */
export function axisLeft(y: LinearScale, area: PlotArea, opts: AxisOptions): string {
  const x0 = area.left;
  const fmt = opts.format ?? ((v: number) => fmtValue(v));
  const parts = [
    `<line x1="${num(x0)}" y1="${num(area.top)}" x2="${num(x0)}" y2="${num(area.top + area.height)}" stroke="${INK}"/>`,
  ];
  for (const t of opts.ticks) {
    const py = y(t);
    if (opts.grid)
      parts.push(
        `<line x1="${num(x0)}" y1="${num(py)}" x2="${num(x0 + area.width)}" y2="${num(py)}" stroke="${GRID}"/>`,
      );
    parts.push(
      `<line x1="${num(x0 - 5)}" y1="${num(py)}" x2="${num(x0)}" y2="${num(py)}" stroke="${INK}"/>`,
    );
    parts.push(text(x0 - 8, py + 4, fmt(t), { 'text-anchor': 'end' }));
  }
  const cx = x0 - 52;
  const cy = area.top + area.height / 2;
  parts.push(
    text(cx, cy, opts.label, {
      'text-anchor': 'middle',
      transform: `rotate(-90 ${num(cx)} ${num(cy)})`,
      'font-size': FONT_SIZE + 1,
    }),
  );
  return `<g class="axis axis-y">${parts.join('')}</g>`;
}

/** Category labels under bands (rotated when crowded; every k-th when very crowded). */
export function bandLabels(band: BandScale, labels: string[], area: PlotArea): string {
  const y0 = area.top + area.height;
  const step = band.n > 0 ? area.width / band.n : area.width;
  const every = Math.max(1, Math.ceil(14 / step));
  const longest = labels.reduce((m, s) => Math.max(m, s.length), 0);
  const rotate = longest * 7 > step * every;
  const parts: string[] = [];
  for (let i = 0; i < labels.length; i += every) {
    const cx = band.centre(i);
    parts.push(
      rotate
        ? text(cx + 4, y0 + 12, labels[i]!, {
            'text-anchor': 'end',
            transform: `rotate(-45 ${num(cx + 4)} ${num(y0 + 12)})`,
          })
        : text(cx, y0 + 18, labels[i]!, { 'text-anchor': 'middle' }),
    );
  }
  return `<g class="band-labels">${parts.join('')}</g>`;
}

export interface LegendItem {
  label: string;
  colour: string;
}

/** A legend laid out in rows from `(x, y)`, wrapping at `maxWidth`. */
export function legend(items: LegendItem[], x: number, y: number, maxWidth: number): string {
  const parts: string[] = [];
  let cx = x;
  let cy = y;
  for (const it of items) {
    const w = 18 + it.label.length * 6.8 + 14;
    if (cx > x && cx + w > x + maxWidth) {
      cx = x;
      cy += 18;
    }
    parts.push(
      `<rect x="${num(cx)}" y="${num(cy - 10)}" width="12" height="12" fill="${escapeXml(it.colour)}" stroke="${INK}" stroke-width="0.5"/>`,
    );
    parts.push(text(cx + 17, cy, it.label));
    cx += w;
  }
  return `<g class="legend">${parts.join('')}</g>`;
}

/** Rows a legend of these items needs at `maxWidth` (to size the figure). */
export function legendRows(items: LegendItem[], maxWidth: number): number {
  let rows = items.length > 0 ? 1 : 0;
  let cx = 0;
  for (const it of items) {
    const w = 18 + it.label.length * 6.8 + 14;
    if (cx > 0 && cx + w > maxWidth) {
      rows++;
      cx = 0;
    }
    cx += w;
  }
  return rows;
}

/**
 * A complete SVG document: viewBox `0 0 width height`, a white background, an accessible
 * `<title>` and `<desc>`, and the fonts every figure shares.
 */
export function svgDocument(
  width: number,
  height: number,
  title: string,
  desc: string,
  body: string,
  id: string,
): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" id="${escapeXml(id)}" viewBox="0 0 ${num(width)} ${num(height)}" width="${num(width)}" height="${num(height)}" font-family="${FONT}" font-size="${FONT_SIZE}" fill="${INK}" role="img">` +
    `<title>${escapeXml(title)}</title><desc>${escapeXml(desc)}</desc>` +
    `<rect x="0" y="0" width="${num(width)}" height="${num(height)}" fill="#ffffff"/>` +
    `${body}</svg>`
  );
}
