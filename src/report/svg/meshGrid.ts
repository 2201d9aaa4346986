/**
 * The chip's mesh as a grid of routers (x to the right, y downwards, node `y * width + x`):
 * - `coresByLayerSvg`: each node coloured by the layer whose neurons its core holds;
 * - `linkHeatmapSvg`: on small meshes every directed link as an arrow-like bar coloured by flits
 *   per frame (the two directions of a link side by side, offset to the right of travel); on
 *   meshes wider or taller than {@link ARROWS_MAX_SIDE} nodes, where arrows become a tangle,
 *   every link as one coloured segment between its routers (flits of both directions);
 * - `routerCongestionSvg`: each router coloured by its congestion.
 * Heatmaps use viridis with a colour bar; zero is drawn light grey so "no traffic" stands out.
 */
import type { CoreRecord, NocRecord } from '../runResult.js';
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

const PLOT = { left: 60, top: 30, width: 560, height: 460 };

function gridAxes(m: MeshLayout): string {
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

/** Parses a `linkFlits` key `"from->to"`; null when malformed. */
export function parseLinkKey(key: string): [number, number] | null {
  const m = /^\s*(\d+)\s*->\s*(\d+)\s*$/.exec(key);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

export interface LinkSegment {
  from: number;
  to: number;
  flits: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  colour: string;
}

/**
 * Outline of an arrow from `(x1, y1)` (tail) to `(x2, y2)` (tip): a bar `width` wide with a head
 * twice as wide, as SVG polygon points.
 */
export function arrowPoints(
  s: { x1: number; y1: number; x2: number; y2: number },
  width: number,
): string {
  const len = Math.hypot(s.x2 - s.x1, s.y2 - s.y1) || 1;
  const ux = (s.x2 - s.x1) / len;
  const uy = (s.y2 - s.y1) / len;
  const px = -uy;
  const py = ux;
  const head = Math.min(width * 1.2, len / 2);
  const nx = s.x2 - ux * head;
  const ny = s.y2 - uy * head;
  const h = width / 2;
  const pts: [number, number][] = [
    [s.x1 + px * h, s.y1 + py * h],
    [nx + px * h, ny + py * h],
    [nx + px * 2 * h, ny + py * 2 * h],
    [s.x2, s.y2],
    [nx - px * 2 * h, ny - py * 2 * h],
    [nx - px * h, ny - py * h],
    [s.x1 - px * h, s.y1 - py * h],
  ];
  return pts.map(([x, y]) => `${num(x)},${num(y)}`).join(' ');
}

/** Largest mesh side drawn with one arrow per direction; larger meshes get one segment per link. */
export const ARROWS_MAX_SIDE = 12;

/** The link figure's style for a mesh: per-direction arrows, or per-link segments. */
export function linkFigureMode(mesh: { width: number; height: number }): 'arrows' | 'segments' {
  return Math.max(mesh.width, mesh.height) > ARROWS_MAX_SIDE ? 'segments' : 'arrows';
}

/** Valid `[from, to]` link keys with finite loads. */
function linkEntries(noc: Pick<NocRecord, 'linkFlits'>): [[number, number], number][] {
  return Object.entries(noc.linkFlits)
    .map(([k, v]) => [parseLinkKey(k), v] as const)
    .filter((e): e is [[number, number], number] => e[0] !== null && Number.isFinite(e[1]));
}

/**
 * One segment per link between neighbouring routers, coloured by the flits of both directions
 * (`from` < `to`); the segment ends short of the routers so that neighbours never touch.
 */
function linkSegments(
  noc: Pick<NocRecord, 'linkFlits'>,
  mesh: { width: number; height: number },
  m: MeshLayout,
): { segments: LinkSegment[]; max: number; parts: string[] } {
  const both = new Map<string, { from: number; to: number; ab: number; ba: number }>();
  for (const [[a, b], v] of linkEntries(noc)) {
    const [from, to] = a < b ? [a, b] : [b, a];
    const key = `${from}-${to}`;
    const e = both.get(key) ?? { from, to, ab: 0, ba: 0 };
    if (a < b) e.ab += v;
    else e.ba += v;
    both.set(key, e);
  }
  const links = [...both.values()];
  const max = links.reduce((mx, e) => Math.max(mx, e.ab + e.ba), 0);
  const shrink = m.cell * 0.22;
  const segments: LinkSegment[] = [];
  const parts: string[] = [];
  for (const e of links) {
    const flits = e.ab + e.ba;
    const [ax, ay] = m.centre(e.from % mesh.width, Math.floor(e.from / mesh.width));
    const [bx, by] = m.centre(e.to % mesh.width, Math.floor(e.to / mesh.width));
    const len = Math.hypot(bx - ax, by - ay) || 1;
    const ux = (bx - ax) / len;
    const uy = (by - ay) / len;
    const colour = flits > 0 && max > 0 ? viridis(flits / max) : EMPTY_COLOUR;
    const seg: LinkSegment = {
      from: e.from,
      to: e.to,
      flits,
      x1: ax + ux * shrink,
      y1: ay + uy * shrink,
      x2: bx - ux * shrink,
      y2: by - uy * shrink,
      colour,
    };
    segments.push(seg);
    const tip = `${e.from}&lt;-&gt;${e.to}: ${escapeXml(fmtValue(flits))} flits/frame (${e.from}-&gt;${e.to} ${escapeXml(fmtValue(e.ab))}, ${e.to}-&gt;${e.from} ${escapeXml(fmtValue(e.ba))})`;
    parts.push(
      `<line class="link" data-link="${e.from}-${e.to}" x1="${num(seg.x1)}" y1="${num(seg.y1)}" x2="${num(seg.x2)}" y2="${num(seg.y2)}" stroke="${colour}" stroke-width="${num(Math.max(2, m.cell * 0.36))}"><title>${tip}</title></line>`,
    );
  }
  return { segments, max, parts };
}

export function linkHeatmapSvg(
  noc: Pick<NocRecord, 'linkFlits'>,
  mesh: { width: number; height: number },
  id = 'fig-mesh-links',
): MeshFigure & { segments: LinkSegment[]; max: number; mode: 'arrows' | 'segments' } {
  const mode = linkFigureMode(mesh);
  const width = 760;
  const m = meshLayout(mesh.width, mesh.height, PLOT);
  const height = m.top + mesh.height * m.cell + 40;
  const parts: string[] = [gridAxes(m)];
  for (let y = 0; y < mesh.height; y++)
    for (let x = 0; x < mesh.width; x++) {
      const [cx, cy] = m.centre(x, y);
      if (x + 1 < mesh.width)
        parts.push(
          `<line x1="${num(cx)}" y1="${num(cy)}" x2="${num(cx + m.cell)}" y2="${num(cy)}" stroke="#dddddd"/>`,
        );
      if (y + 1 < mesh.height)
        parts.push(
          `<line x1="${num(cx)}" y1="${num(cy)}" x2="${num(cx)}" y2="${num(cy + m.cell)}" stroke="#dddddd"/>`,
        );
    }
  for (let y = 0; y < mesh.height; y++)
    for (let x = 0; x < mesh.width; x++) {
      const [cx, cy] = m.centre(x, y);
      const r = m.cell * 0.16;
      parts.push(
        `<rect class="router" x="${num(cx - r)}" y="${num(cy - r)}" width="${num(2 * r)}" height="${num(2 * r)}" fill="#ffffff" stroke="#888888" stroke-width="0.5"/>`,
      );
    }
  const entries = linkEntries(noc);
  if (mode === 'segments') {
    const seg = linkSegments(noc, mesh, m);
    parts.push(
      ...seg.parts,
      colourBar(
        PLOT.left + PLOT.width + 20,
        PLOT.top,
        240,
        seg.max,
        'Flits per frame per link (both ways)',
      ),
    );
    if (entries.length === 0)
      parts.push(
        text(PLOT.left + PLOT.width / 2, height - 4, 'No link traffic recorded', {
          'text-anchor': 'middle',
        }),
      );
    const desc = `Flits per frame on each link of the ${mesh.width}x${mesh.height} mesh, both directions together: one coloured segment per link between neighbouring routers.`;
    return {
      svg: svgDocument(width, height, 'Flits per link', desc, parts.join(''), id),
      layout: m,
      segments: seg.segments,
      max: seg.max,
      mode,
    };
  }
  const max = entries.reduce((mx, [, v]) => Math.max(mx, v), 0);
  const segments: LinkSegment[] = [];
  const off = m.cell * 0.1;
  const shrink = m.cell * 0.2;
  for (const [[from, to], flits] of entries) {
    const [ax, ay] = m.centre(from % mesh.width, Math.floor(from / mesh.width));
    const [bx, by] = m.centre(to % mesh.width, Math.floor(to / mesh.width));
    const len = Math.hypot(bx - ax, by - ay) || 1;
    const ux = (bx - ax) / len;
    const uy = (by - ay) / len;
    // Offset to the right of the direction of travel (y grows downwards): (-uy, ux).
    const ox = -uy * off;
    const oy = ux * off;
    const colour = flits > 0 ? viridis(flits / max) : EMPTY_COLOUR;
    const seg: LinkSegment = {
      from,
      to,
      flits,
      x1: ax + ux * shrink + ox,
      y1: ay + uy * shrink + oy,
      x2: bx - ux * shrink + ox,
      y2: by - uy * shrink + oy,
      colour,
    };
    segments.push(seg);
    parts.push(
      `<polygon class="link" data-link="${from}-&gt;${to}" points="${arrowPoints(seg, Math.max(1, m.cell * 0.12))}" fill="${colour}" stroke="#555555" stroke-width="0.3"><title>${from}-&gt;${to}: ${escapeXml(fmtValue(flits))} flits/frame</title></polygon>`,
    );
  }
  parts.push(
    colourBar(PLOT.left + PLOT.width + 20, PLOT.top, 240, max, 'Flits per frame per link'),
  );
  if (entries.length === 0)
    parts.push(
      text(PLOT.left + PLOT.width / 2, height - 4, 'No link traffic recorded', {
        'text-anchor': 'middle',
      }),
    );
  const desc = `Flits per frame on each directed link of the ${mesh.width}x${mesh.height} mesh; each link's two directions are drawn side by side, to the right of travel.`;
  return {
    svg: svgDocument(width, height, 'Flits per link', desc, parts.join(''), id),
    layout: m,
    segments,
    max,
    mode,
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
