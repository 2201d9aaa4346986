/**
 * The chip's mesh as a grid of routers (x to the right, y downwards, node `y * width + x`):
 * - `coresByLayerSvg`: each node coloured by the layer whose neurons its core holds;
 * - `linkHeatmapSvg` (meshLinks.ts): flits per frame on every link;
 * - `routerCongestionSvg`: each router coloured by its congestion.
 * Heatmaps use viridis with a colour bar; zero is drawn light grey so "no traffic" stands out.
 */
import type { CoreRecord } from '../runResult.js';
import { type LegendItem, legend, legendRows, niceTicks, svgDocument, text } from './axes.js';
import { escapeXml, fmtValue, num } from './escape.js';
import { EMPTY_COLOUR, type LayerPalette, parseHex, viridis } from './palette.js';

/** Black or white text, whichever reads better on `colour` (relative luminance). */
export function textOn(colour: string): string {
  const [r, g, b] = parseHex(colour);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 140 ? '#000000' : '#ffffff';
}

export interface MeshLayout {
  meshWidth: number;
  meshHeight: number;
  /** Side of one node's cell in SVG units. */
  cell: number;
  left: number;
  top: number;
  /** Centre of node (x, y). */
  centre(x: number, y: number): [number, number];
}

export function meshLayout(
  meshWidth: number,
  meshHeight: number,
  box: { left: number; top: number; width: number; height: number },
): MeshLayout {
  const cell = Math.min(box.width / Math.max(1, meshWidth), box.height / Math.max(1, meshHeight));
  const left = box.left + (box.width - cell * meshWidth) / 2;
  const top = box.top;
  return {
    meshWidth,
    meshHeight,
    cell,
    left,
    top,
    centre: (x, y) => [left + (x + 0.5) * cell, top + (y + 0.5) * cell],
  };
}

/** The mesh's plot box (colour bars go to its right). */
export const PLOT = { left: 60, top: 30, width: 560, height: 460 };

export function gridAxes(m: MeshLayout): string {
  const parts: string[] = [];
  const every = Math.max(1, Math.ceil(16 / m.cell));
  for (let x = 0; x < m.meshWidth; x += every)
    parts.push(text(m.centre(x, 0)[0], m.top - 6, String(x), { 'text-anchor': 'middle' }));
  for (let y = 0; y < m.meshHeight; y += every)
    parts.push(text(m.left - 6, m.centre(0, y)[1] + 4, String(y), { 'text-anchor': 'end' }));
  const bottom = m.top + m.meshHeight * m.cell;
  parts.push(
    text(m.left + (m.meshWidth * m.cell) / 2, bottom + 22, 'Mesh x (column)', {
      'text-anchor': 'middle',
      'font-size': 13,
    }),
  );
  const cx = m.left - 34;
  const cy = m.top + (m.meshHeight * m.cell) / 2;
  parts.push(
    text(cx, cy, 'Mesh y (row)', {
      'text-anchor': 'middle',
      transform: `rotate(-90 ${num(cx)} ${num(cy)})`,
      'font-size': 13,
    }),
  );
  return parts.join('');
}

function cellRect(m: MeshLayout, x: number, y: number, fill: string, attrs = ''): string {
  const inset = m.cell > 6 ? 1 : 0;
  return `<rect${attrs} x="${num(m.left + x * m.cell + inset)}" y="${num(m.top + y * m.cell + inset)}" width="${num(m.cell - 2 * inset)}" height="${num(m.cell - 2 * inset)}" fill="${fill}"/>`;
}

/** Vertical colour bar at `(x, top)` for `[0, max]` with ticks and a title with the unit. */
export function colourBar(x: number, top: number, height: number, max: number, label: string) {
  const parts: string[] = [];
  const steps = 32;
  for (let i = 0; i < steps; i++) {
    const t = (i + 0.5) / steps;
    parts.push(
      `<rect x="${num(x)}" y="${num(top + height - ((i + 1) * height) / steps)}" width="14" height="${num(height / steps + 0.5)}" fill="${viridis(t)}"/>`,
    );
  }
  parts.push(
    `<rect x="${num(x)}" y="${num(top)}" width="14" height="${num(height)}" fill="none" stroke="#222222" stroke-width="0.5"/>`,
  );
  for (const t of max > 0 ? niceTicks(0, max, 4) : [0]) {
    const py = top + height - (max > 0 ? (t / max) * height : 0);
    parts.push(
      `<line x1="${num(x + 14)}" y1="${num(py)}" x2="${num(x + 18)}" y2="${num(py)}" stroke="#222222"/>`,
      text(x + 21, py + 4, fmtValue(t)),
    );
  }
  const cx = x + 80;
  const cy = top + height / 2;
  parts.push(
    text(cx, cy, label, {
      'text-anchor': 'middle',
      transform: `rotate(-90 ${num(cx)} ${num(cy)})`,
      'font-size': 13,
    }),
  );
  return `<g class="colour-bar">${parts.join('')}</g>`;
}

export interface MeshFigure {
  svg: string;
  layout: MeshLayout;
}

export function coresByLayerSvg(
  cores: CoreRecord[],
  mesh: { width: number; height: number },
  palette: LayerPalette,
  id = 'fig-mesh-layers',
): MeshFigure {
  const width = 760;
  const names: string[] = [];
  for (const c of cores) if (!names.includes(c.layer)) names.push(c.layer);
  const items: LegendItem[] = names.map((n) => ({
    label: `${n} (${cores.filter((c) => c.layer === n).length})`,
    colour: palette.colourOf(n),
  }));
  const rows = legendRows(items, width - 80);
  const m = meshLayout(mesh.width, mesh.height, PLOT);
  const height = m.top + mesh.height * m.cell + 40 + rows * 18;
  const parts: string[] = [gridAxes(m)];
  const byNode = new Map<number, CoreRecord>();
  for (const c of cores) byNode.set(c.y * mesh.width + c.x, c);
  for (let y = 0; y < mesh.height; y++)
    for (let x = 0; x < mesh.width; x++) {
      const c = byNode.get(y * mesh.width + x);
      parts.push(
        c
          ? cellRect(
              m,
              x,
              y,
              palette.colourOf(c.layer),
              ` class="core" data-layer="${escapeXml(c.layer)}"`,
            )
          : cellRect(m, x, y, EMPTY_COLOUR, ' class="empty"'),
      );
      if (c && m.cell >= 22)
        parts.push(
          text(m.centre(x, y)[0], m.centre(x, y)[1] + 3, String(c.core), {
            'text-anchor': 'middle',
            'font-size': Math.min(10, m.cell / 3),
            fill: textOn(palette.colourOf(c.layer)),
          }),
        );
    }
  parts.push(legend(items, 60, height - rows * 18 + 2, width - 80));
  const desc = `Mesh ${mesh.width}x${mesh.height}: ${cores.length} cores coloured by layer (count in the legend); grey nodes are unused.`;
  return {
    svg: svgDocument(width, height, 'Cores on the mesh by layer', desc, parts.join(''), id),
    layout: m,
  };
}

export function routerCongestionSvg(
  congestion: number[],
  mesh: { width: number; height: number },
  unitLabel: string,
  id = 'fig-mesh-congestion',
): MeshFigure & { max: number; colours: string[] } {
  const width = 760;
  const m = meshLayout(mesh.width, mesh.height, PLOT);
  const height = m.top + mesh.height * m.cell + 40;
  const parts: string[] = [gridAxes(m)];
  const max = congestion.reduce((mx, v) => (Number.isFinite(v) ? Math.max(mx, v) : mx), 0);
  const colours: string[] = [];
  for (let y = 0; y < mesh.height; y++)
    for (let x = 0; x < mesh.width; x++) {
      const v = congestion[y * mesh.width + x] ?? 0;
      const colour = v > 0 && max > 0 ? viridis(v / max) : EMPTY_COLOUR;
      colours.push(colour);
      parts.push(
        cellRect(m, x, y, colour, ` class="router"`).replace(
          '/>',
          `><title>router (${x}, ${y}): ${escapeXml(fmtValue(v))}</title></rect>`,
        ),
      );
    }
  parts.push(colourBar(PLOT.left + PLOT.width + 20, PLOT.top, 240, max, unitLabel));
  if (max === 0)
    parts.push(
      text(PLOT.left + PLOT.width / 2, height - 4, 'No congestion recorded (all zero)', {
        'text-anchor': 'middle',
      }),
    );
  const desc = `Congestion per router of the ${mesh.width}x${mesh.height} mesh (${unitLabel}).`;
  return {
    svg: svgDocument(width, height, 'Congestion per router', desc, parts.join(''), id),
    layout: m,
    max,
    colours,
  };
}
