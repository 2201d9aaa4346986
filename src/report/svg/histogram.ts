/**
 * Histogram with explicit bin edges (the packet-latency distribution of run.json): bin `i`
 * spans `[edges[i], edges[i+1])`, its height is `counts[i]`. Equal-width bins go on a linear x
 * axis. Bins of unequal width (e.g. doubling, as the simulator writes them for latencies that
 * span orders of magnitude) are drawn equally wide, with every edge marked on the axis: a value
 * is placed by linear interpolation inside its bin (`xOf`).
 */
import {
  axisBottom,
  axisLeft,
  type LinearScale,
  linearScale,
  niceDomainFromZero,
  niceTicks,
  type PlotArea,
  plotArea,
  svgDocument,
  text,
} from './axes.js';
import { fmtValue, num } from './escape.js';

export interface HistogramInput {
  edges: number[];
  counts: number[];
  /** Multiply edges by this for display (e.g. 1e-3 for ns to µs). */
  edgeFactor?: number;
  xLabel: string;
  yLabel: string;
  title: string;
  desc: string;
  id: string;
  colour?: string;
  /** Vertical markers (e.g. mean, p99) in display units. */
  markers?: { value: number; label: string }[];
  width?: number;
  height?: number;
}

export interface HistogramFigure {
  svg: string;
  /** `linear`: x is a linear scale of the value; `equal-width`: of the bin position (0..k). */
  mode: 'linear' | 'equal-width';
  x: LinearScale;
  /** x of a value (in display units) in either mode. */
  xOf(v: number): number;
  y: LinearScale;
  area: PlotArea;
  /** Drawn bars in display units: x0, x1, count, and their SVG rectangles. */
  bars: { x0: number; x1: number; count: number; px: number; py: number; pw: number; ph: number }[];
}

export function histogramSvg(input: HistogramInput): HistogramFigure {
  const width = input.width ?? 760;
  const height = input.height ?? 340;
  const area = plotArea(width, height, { top: 24, right: 24, bottom: 56, left: 78 });
  const f = input.edgeFactor ?? 1;
  const k = Math.max(0, Math.min(input.counts.length, input.edges.length - 1));
  const edges = input.edges.slice(0, k + 1).map((e) => e * f);
  const widths = edges.slice(1).map((e, i) => e - edges[i]!);
  const wMin = Math.min(...widths);
  const wMax = Math.max(...widths);
  const mode: HistogramFigure['mode'] =
    k > 1 && !(wMin > 0 && wMax <= wMin * 1.0001) ? 'equal-width' : 'linear';
  const lo = k > 0 ? edges[0]! : 0;
  const hi = k > 0 ? edges[k]! : 1;
  const x =
    mode === 'linear'
      ? linearScale([lo, hi > lo ? hi : lo + 1], [area.left, area.left + area.width])
      : linearScale([0, k], [area.left, area.left + area.width]);
  const xOf = (v: number): number => {
    if (mode === 'linear') return x(v);
    if (v <= edges[0]!) return x(0);
    for (let i = 0; i < k; i++)
      if (v < edges[i + 1]!) return x(i + (v - edges[i]!) / (edges[i + 1]! - edges[i]!));
    return x(k);
  };
  const maxCount = input.counts.slice(0, k).reduce((m, c) => Math.max(m, c), 0);
  const yDomain = niceDomainFromZero(maxCount);
  const y = linearScale(yDomain, [area.top + area.height, area.top]);
  const parts: string[] = [
    axisLeft(y, area, {
      ticks: niceTicks(yDomain[0], yDomain[1], 5),
      label: input.yLabel,
      grid: true,
    }),
  ];
  const bars: HistogramFigure['bars'] = [];
  for (let i = 0; i < k; i++) {
    const c = input.counts[i]!;
    const px = xOf(edges[i]!);
    const pw = Math.max(0, xOf(edges[i + 1]!) - px);
    const py = y(c);
    const ph = y(0) - py;
    bars.push({ x0: edges[i]!, x1: edges[i + 1]!, count: c, px, py, pw, ph });
    if (c > 0)
      parts.push(
        `<rect class="bin" x="${num(px)}" y="${num(py)}" width="${num(pw)}" height="${num(ph)}" fill="${input.colour ?? '#0072B2'}" stroke="#ffffff" stroke-width="${pw > 4 ? 0.5 : 0}"><title>[${fmtValue(edges[i]!)}, ${fmtValue(edges[i + 1]!)}): ${fmtValue(c)}</title></rect>`,
      );
  }
  for (const mk of input.markers ?? []) {
    if (!(mk.value >= lo && mk.value <= hi)) continue;
    const px = xOf(mk.value);
    parts.push(
      `<line class="marker" x1="${num(px)}" y1="${num(area.top)}" x2="${num(px)}" y2="${num(area.top + area.height)}" stroke="#D55E00" stroke-dasharray="4 3"/>`,
      text(px + 3, area.top + 10, mk.label, { 'font-size': 10, fill: '#D55E00' }),
    );
  }
  if (mode === 'linear')
    parts.push(
      axisBottom(x, area, { ticks: niceTicks(x.domain[0], x.domain[1], 8), label: input.xLabel }),
    );
  else {
    const every = Math.max(1, Math.ceil(44 / (area.width / k)));
    const ticks: number[] = [];
    for (let i = 0; i <= k; i += every) ticks.push(i);
    parts.push(
      axisBottom(x, area, {
        ticks,
        format: (i) => fmtValue(edges[i]!),
        label: `${input.xLabel}, bins of unequal width drawn equally wide`,
      }),
    );
  }
  if (k === 0)
    parts.push(
      text(area.left + area.width / 2, area.top + area.height / 2, 'No data', {
        'text-anchor': 'middle',
      }),
    );
  const svg = svgDocument(width, height, input.title, input.desc, parts.join(''), input.id);
  return { svg, mode, x, xOf, y, area, bars };
}
