/**
 * Fraction of inactive neurons per layer (the paper's Fig. 6): one bar per weighted layer
 * (conv, dense) in stage order, the percentage of its neurons that never fired in a frame,
 * averaged over the run's frames, with the value printed on each bar.
 */
import type { LayerRecord } from '../runResult.js';
import {
  axisLeft,
  type BandScale,
  bandLabels,
  bandScale,
  type LinearScale,
  linearScale,
  type PlotArea,
  plotArea,
  svgDocument,
  text,
} from './axes.js';
import { escapeXml, num } from './escape.js';
import type { LayerPalette } from './palette.js';

export interface BarsFigure {
  svg: string;
  x: BandScale;
  y: LinearScale;
  area: PlotArea;
  /** Category labels in x order. */
  categories: string[];
}

/** Layers that have neurons of their own and fire in a window: conv and dense. */
export function weightedLayers(layers: LayerRecord[]): LayerRecord[] {
  return layers.filter((l) => l.kind === 'conv' || l.kind === 'dense');
}

export function inactiveBarsSvg(
  layers: LayerRecord[],
  palette: LayerPalette,
  opts: { width?: number; height?: number; id?: string } = {},
): BarsFigure {
  const shown = weightedLayers(layers);
  const width = opts.width ?? 760;
  const height = opts.height ?? 360;
  const area = plotArea(width, height, { top: 20, right: 20, bottom: 78, left: 70 });
  const x = bandScale(shown.length, [area.left, area.left + area.width], 0.25);
  const y = linearScale([0, 100], [area.top + area.height, area.top]);
  const parts: string[] = [
    axisLeft(y, area, {
      ticks: [0, 20, 40, 60, 80, 100],
      label: 'Inactive neurons (%)',
      grid: true,
    }),
  ];
  shown.forEach((l, i) => {
    const pct = Math.min(100, Math.max(0, l.inactiveFraction * 100));
    const top = y(pct);
    parts.push(
      `<rect class="bar" data-layer="${escapeXml(l.name)}" x="${num(x.start(i))}" y="${num(top)}" width="${num(x.bandwidth)}" height="${num(y(0) - top)}" fill="${palette.colourOf(l.name)}" stroke="#222222" stroke-width="0.5"/>`,
    );
    if (x.bandwidth >= 22)
      parts.push(
        text(x.centre(i), top - 4, `${pct.toFixed(pct >= 10 ? 0 : 1)}%`, {
          'text-anchor': 'middle',
          'font-size': 10,
        }),
      );
  });
  const categories = shown.map((l) => l.name);
  parts.push(
    `<line x1="${num(area.left)}" y1="${num(y(0))}" x2="${num(area.left + area.width)}" y2="${num(y(0))}" stroke="#222222"/>`,
    bandLabels(x, categories, area),
    text(area.left + area.width / 2, height - 8, 'Layer (conv and dense, in stage order)', {
      'text-anchor': 'middle',
      'font-size': 13,
    }),
  );
  if (shown.length === 0)
    parts.push(
      text(area.left + area.width / 2, area.top + area.height / 2, 'No weighted layers', {
        'text-anchor': 'middle',
      }),
    );
  const svg = svgDocument(
    width,
    height,
    'Inactive neurons per layer',
    'Percentage of each weighted layer’s neurons that never fired, averaged over frames.',
    parts.join(''),
    opts.id ?? 'fig-inactive',
  );
  return { svg, x, y, area, categories };
}
