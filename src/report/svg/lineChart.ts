/**
 * Line chart of one or more series over a numeric x (e.g. latency per frame), with points.
 * The y axis starts at zero unless a value is negative.
 */
import {
  axisBottom,
  axisLeft,
  type LinearScale,
  legend,
  linearScale,
  niceDomainFromZero,
  niceTicks,
  type PlotArea,
  plotArea,
  svgDocument,
  text,
} from './axes.js';
import { escapeXml, num } from './escape.js';

export interface LineSeries {
  name: string;
  colour: string;
  x: number[];
  y: number[];
}

export interface LineChartInput {
  series: LineSeries[];
  xLabel: string;
  yLabel: string;
  title: string;
  desc: string;
  id: string;
  /** Integer x ticks only (frame indices). */
  integerX?: boolean;
  width?: number;
  height?: number;
}

export interface LineChartFigure {
  svg: string;
  x: LinearScale;
  y: LinearScale;
  area: PlotArea;
}

export function lineChartSvg(input: LineChartInput): LineChartFigure {
  const width = input.width ?? 760;
  const height = input.height ?? 340;
  const area = plotArea(width, height, { top: 30, right: 24, bottom: 56, left: 78 });
  const xs = input.series.flatMap((s) => s.x).filter(Number.isFinite);
  const ys = input.series.flatMap((s) => s.y).filter(Number.isFinite);
  let x0 = xs.length ? Math.min(...xs) : 0;
  let x1 = xs.length ? Math.max(...xs) : 1;
  if (x0 === x1) {
    x0 -= 1;
    x1 += 1;
  }
  const yMin = ys.length ? Math.min(...ys) : 0;
  const yMax = ys.length ? Math.max(...ys) : 1;
  const yDomain: [number, number] =
    yMin < 0 ? [yMin, yMax > yMin ? yMax : yMin + 1] : niceDomainFromZero(yMax);
  const x = linearScale([x0, x1], [area.left, area.left + area.width]);
  const y = linearScale(yDomain, [area.top + area.height, area.top]);
  let xTicks = niceTicks(x0, x1, 8);
  if (input.integerX) xTicks = xTicks.filter((t) => Number.isInteger(t));
  const parts: string[] = [
    axisLeft(y, area, {
      ticks: niceTicks(yDomain[0], yDomain[1], 5),
      label: input.yLabel,
      grid: true,
    }),
    axisBottom(x, area, { ticks: xTicks, label: input.xLabel }),
  ];
  for (const s of input.series) {
    const pts: string[] = [];
    const n = Math.min(s.x.length, s.y.length);
    for (let i = 0; i < n; i++)
      if (Number.isFinite(s.x[i]!) && Number.isFinite(s.y[i]!))
        pts.push(`${num(x(s.x[i]!))},${num(y(s.y[i]!))}`);
    if (pts.length > 1)
      parts.push(
        `<polyline class="line" data-series="${escapeXml(s.name)}" points="${pts.join(' ')}" fill="none" stroke="${s.colour}" stroke-width="1.5"/>`,
      );
    if (pts.length <= 200)
      for (const p of pts) {
        const [px, py] = p.split(',');
        parts.push(`<circle cx="${px}" cy="${py}" r="2.5" fill="${s.colour}"/>`);
      }
  }
  if (input.series.length > 1)
    parts.push(
      legend(
        input.series.map((s) => ({ label: s.name, colour: s.colour })),
        area.left,
        16,
        area.width,
      ),
    );
  if (xs.length === 0)
    parts.push(
      text(area.left + area.width / 2, area.top + area.height / 2, 'No data', {
        'text-anchor': 'middle',
      }),
    );
  const svg = svgDocument(width, height, input.title, input.desc, parts.join(''), input.id);
  return { svg, x, y, area };
}
