/**
 * Spike raster of one frame (the paper's Fig. 5): time on x in windows, each layer's neuron
 * index scaled to [0, 1] on y, one colour per layer, the windows shaded alternately with the
 * names of the layers that fire in them above the plot. Pool and flatten stages fire at their
 * producer's times in its window and are not drawn.
 *
 * Marks are 2x2 squares snapped to a 2-unit grid and merged into one path per layer, so that a
 * VGG16 frame (tens of thousands of spikes) stays a small file; `marks` counts the squares.
 */
import type { SpikeRaster } from '../runResult.js';
import {
  axisBottom,
  axisLeft,
  FONT_SIZE,
  GRID,
  type LegendItem,
  type LinearScale,
  legend,
  legendRows,
  linearScale,
  type PlotArea,
  plotArea,
  svgDocument,
  text,
} from './axes.js';
import { escapeXml, fmtValue, num } from './escape.js';
import type { LayerPalette } from './palette.js';

export const RASTER_MARK = 2;

export interface RasterOptions {
  palette: LayerPalette;
  /** Layer kinds by name (from run.json); `pool` and `flatten` are left out of the plot. */
  kinds?: Record<string, string>;
  /** Discrete steps per window, for the axis label (null: continuous time). */
  stepsPerWindow?: number | null;
  width?: number;
  height?: number;
  id?: string;
}

export interface RasterLayerInfo {
  name: string;
  window: number;
  colour: string;
  spikes: number;
  marks: number;
}

export interface RasterFigure {
  svg: string;
  /** Time (windows) to x. */
  x: LinearScale;
  /** Scaled neuron index in [0, 1] to y (0 at the bottom). */
  y: LinearScale;
  area: PlotArea;
  /** Drawn layers in stage order. */
  layers: RasterLayerInfo[];
}

/** Neuron index scaled to [0, 1]: `neuron / (neurons - 1)`, 0.5 for a one-neuron layer. */
export function scaledIndex(neuron: number, neurons: number): number {
  return neurons > 1 ? neuron / (neurons - 1) : 0.5;
}

export function rasterSvg(raster: SpikeRaster, opts: RasterOptions): RasterFigure {
  const width = opts.width ?? 760;
  const kinds = opts.kinds ?? {};
  const drawn = raster.layers
    .filter((l) => kinds[l.name] !== 'pool' && kinds[l.name] !== 'flatten')
    .slice()
    .sort((a, b) => a.stage - b.stage);
  const items: LegendItem[] = drawn.map((l) => ({
    label: `${l.name} (${fmtValue(l.t.length)} spikes)`,
    colour: opts.palette.colourOf(l.name),
  }));
  const legendWidth = width - 90;
  const rows = legendRows(items, legendWidth);
  const height = opts.height ?? 380 + rows * 18;
  const area = plotArea(width, height, { top: 40, right: 20, bottom: 62 + rows * 18, left: 70 });
  const w0 = drawn.length ? Math.min(...drawn.map((l) => l.window)) : 0;
  const w1 = drawn.length ? Math.max(...drawn.map((l) => l.window)) + 1 : 1;
  const x = linearScale([w0, w1], [area.left, area.left + area.width]);
  const y = linearScale([0, 1], [area.top + area.height, area.top]);
  const parts: string[] = [];

  // Windows: alternate shading, boundaries, names of the layers that fire in each.
  const windowPx = area.width / (w1 - w0);
  for (let w = w0; w < w1; w++) {
    const inWindow = drawn.filter((l) => l.window === w);
    const firing = inWindow.filter((l) => l.t.length > 0);
    const names = (firing.length ? firing : inWindow).map((l) => l.name);
    if ((w - w0) % 2 === 1)
      parts.push(
        `<rect class="window" x="${num(x(w))}" y="${num(area.top)}" width="${num(windowPx)}" height="${num(area.height)}" fill="#f4f4f4"/>`,
      );
    const label = names.join('+');
    if (label) {
      const size = Math.max(6, Math.min(FONT_SIZE - 1, (windowPx - 2) / (label.length * 0.6)));
      parts.push(
        text(x(w + 0.5), area.top - 8, label, { 'text-anchor': 'middle', 'font-size': size }),
      );
    }
  }
  for (let w = w0; w <= w1; w++)
    parts.push(
      `<line x1="${num(x(w))}" y1="${num(area.top)}" x2="${num(x(w))}" y2="${num(area.top + area.height)}" stroke="#b0b0b0" stroke-dasharray="3 3"/>`,
    );
  parts.push(
    `<line x1="${num(area.left)}" y1="${num(y(0.5))}" x2="${num(area.left + area.width)}" y2="${num(y(0.5))}" stroke="${GRID}"/>`,
  );

  // Spikes.
  const layers: RasterLayerInfo[] = [];
  const half = RASTER_MARK / 2;
  for (const l of drawn) {
    const colour = opts.palette.colourOf(l.name);
    const seen = new Set<number>();
    let d = '';
    const n = Math.min(l.neuron.length, l.t.length);
    for (let i = 0; i < n; i++) {
      const gx = Math.round(x(l.t[i]!) / RASTER_MARK);
      const gy = Math.round(y(scaledIndex(l.neuron[i]!, l.neurons)) / RASTER_MARK);
      const key = gx * 65536 + gy;
      if (seen.has(key)) continue;
      seen.add(key);
      d += `M${num(gx * RASTER_MARK - half)} ${num(gy * RASTER_MARK - half)}h${RASTER_MARK}v${RASTER_MARK}h-${RASTER_MARK}z`;
    }
    if (d)
      parts.push(
        `<path class="spikes" data-layer="${escapeXml(l.name)}" d="${d}" fill="${colour}" shape-rendering="crispEdges"/>`,
      );
    layers.push({ name: l.name, window: l.window, colour, spikes: n, marks: seen.size });
  }

  const steps = opts.stepsPerWindow;
  parts.push(
    axisBottom(x, area, {
      ticks: Array.from({ length: w1 - w0 + 1 }, (_, i) => w0 + i),
      label: steps ? `Time (windows; 1 window = ${steps} steps)` : 'Time (windows)',
    }),
    axisLeft(y, area, {
      ticks: [0, 0.25, 0.5, 0.75, 1],
      label: 'Neuron index (scaled to [0, 1])',
    }),
    legend(items, area.left, height - rows * 18 + 4, legendWidth),
  );
  if (drawn.length === 0)
    parts.push(
      text(area.left + area.width / 2, area.top + area.height / 2, 'No layers in the spike file', {
        'text-anchor': 'middle',
      }),
    );
  const title = `Spike raster, frame ${raster.frame}`;
  const desc = `Spikes of frame ${raster.frame} per layer: time in windows on x, neuron index scaled to [0, 1] on y; ${drawn.length} layers.`;
  const svg = svgDocument(width, height, title, desc, parts.join(''), opts.id ?? 'fig-raster');
  return { svg, x, y, area, layers };
}
