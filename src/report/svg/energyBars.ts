/**
 * Energy (Eq. 12) as stacked bars: per frame and per layer, each bar split into SOP (bottom),
 * hop and static energy, in an SI unit chosen from the largest bar (e.g. µJ).
 */
import type { EnergyJ, FrameRecord, LayerRecord } from '../runResult.js';
import {
  axisLeft,
  bandLabels,
  bandScale,
  legend,
  linearScale,
  niceDomainFromZero,
  niceTicks,
  plotArea,
  siUnit,
  svgDocument,
  text,
} from './axes.js';
import { escapeXml, fmtValue, num } from './escape.js';
import type { BarsFigure } from './inactiveBars.js';
import { ENERGY_COLOURS } from './palette.js';

export interface StackSeries {
  name: string;
  colour: string;
  values: number[];
}

export interface StackedBarsFigure extends BarsFigure {
  /** Factor from the data unit to the axis unit and the axis unit (e.g. 1e6, 'µJ'). */
  unit: { factor: number; unit: string };
}

export interface StackedBarsInput {
  categories: string[];
  series: StackSeries[];
  /** Base unit of the values (SI prefix chosen automatically), e.g. `J`. */
  unit: string;
  /** y-axis title without the unit, e.g. `Energy per frame`. */
  yLabel: string;
  xLabel: string;
  title: string;
  desc: string;
  id: string;
  /** Optional colour for each category's outline strip under the bar (layer colours). */
  categoryColours?: string[];
  width?: number;
  height?: number;
}

/** Stacked bars, series bottom-up in the given order. Negative values are drawn as zero. */
export function stackedBarsSvg(input: StackedBarsInput): StackedBarsFigure {
  const width = input.width ?? 760;
  const height = input.height ?? 380;
  const area = plotArea(width, height, { top: 34, right: 20, bottom: 80, left: 78 });
  const n = input.categories.length;
  const totals = input.categories.map((_, i) =>
    input.series.reduce((s, se) => s + Math.max(0, se.values[i] ?? 0), 0),
  );
  const maxTotal = totals.reduce((m, v) => Math.max(m, v), 0);
  const unit = siUnit(maxTotal, input.unit);
  const domain = niceDomainFromZero(maxTotal * unit.factor);
  const y = linearScale(domain, [area.top + area.height, area.top]);
  const x = bandScale(n, [area.left, area.left + area.width], n > 60 ? 0.1 : 0.25);
  const parts: string[] = [
    axisLeft(y, area, {
      ticks: niceTicks(domain[0], domain[1], 5),
      label: `${input.yLabel} (${unit.unit})`,
      grid: true,
    }),
  ];
  for (let i = 0; i < n; i++) {
    let base = 0;
    for (const se of input.series) {
      const v = Math.max(0, se.values[i] ?? 0) * unit.factor;
      if (v <= 0) continue;
      const y0 = y(base);
      const y1 = y(base + v);
      parts.push(
        `<rect class="seg" data-series="${escapeXml(se.name)}" data-category="${escapeXml(input.categories[i]!)}" x="${num(x.start(i))}" y="${num(y1)}" width="${num(x.bandwidth)}" height="${num(y0 - y1)}" fill="${se.colour}"/>`,
      );
      base += v;
    }
    const cc = input.categoryColours?.[i];
    if (cc)
      parts.push(
        `<rect class="cat" x="${num(x.start(i))}" y="${num(y(0) + 1)}" width="${num(x.bandwidth)}" height="4" fill="${cc}"/>`,
      );
  }
  parts.push(
    `<line x1="${num(area.left)}" y1="${num(y(0))}" x2="${num(area.left + area.width)}" y2="${num(y(0))}" stroke="#222222"/>`,
    bandLabels(x, input.categories, area),
    text(area.left + area.width / 2, height - 8, input.xLabel, {
      'text-anchor': 'middle',
      'font-size': 13,
    }),
    legend(
      input.series.map((s) => ({ label: s.name, colour: s.colour })),
      area.left,
      18,
      area.width,
    ),
  );
  if (n === 0)
    parts.push(
      text(area.left + area.width / 2, area.top + area.height / 2, 'No data', {
        'text-anchor': 'middle',
      }),
    );
  const svg = svgDocument(width, height, input.title, input.desc, parts.join(''), input.id);
  return { svg, x, y, area, categories: input.categories, unit };
}

function energySeries(records: { energyJ: EnergyJ }[]): StackSeries[] {
  return [
    { name: 'SOP', colour: ENERGY_COLOURS.sop, values: records.map((r) => r.energyJ.sop) },
    { name: 'hop', colour: ENERGY_COLOURS.hop, values: records.map((r) => r.energyJ.hop) },
    { name: 'static', colour: ENERGY_COLOURS.static, values: records.map((r) => r.energyJ.static) },
  ];
}

/** Energy per frame, one bar per frame labelled with the frame's data-set index. */
export function energyPerFrameSvg(frames: FrameRecord[], id = 'fig-energy-frames') {
  return stackedBarsSvg({
    categories: frames.map((f) => String(f.index)),
    series: energySeries(frames),
    unit: 'J',
    yLabel: 'Energy per frame',
    xLabel: 'Frame (index in the data set)',
    title: 'Energy per frame by component',
    desc: `Energy of each of ${fmtValue(frames.length)} frames, stacked: SOP, hop, static (Eq. 12).`,
    id,
  });
}

/** Mean energy per frame of each layer that spends any (pool/flatten with none are left out). */
export function energyPerLayerSvg(
  layers: LayerRecord[],
  colourOf: (name: string) => string,
  id = 'fig-energy-layers',
) {
  const shown = layers.filter(
    (l) => (l.kind !== 'pool' && l.kind !== 'flatten') || l.energyJ.total > 0,
  );
  return stackedBarsSvg({
    categories: shown.map((l) => l.name),
    series: energySeries(shown),
    categoryColours: shown.map((l) => colourOf(l.name)),
    unit: 'J',
    yLabel: 'Energy per frame',
    xLabel: 'Layer (stage order; strip under each bar: layer colour)',
    title: 'Energy per layer by component',
    desc: 'Mean energy per frame spent by each layer, stacked: SOP, hop, static (Eq. 12).',
    id,
  });
}
