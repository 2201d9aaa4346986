/**
 * Flits per frame on the links of the mesh (`linkHeatmapSvg`): on small meshes every directed
 * link as an arrow-like bar coloured by its flits (the two directions of a link side by side,
 * offset to the right of travel); on meshes wider or taller than {@link ARROWS_MAX_SIDE} nodes,
 * where arrows become a tangle, every link as one coloured segment between its routers (the
 * flits of both directions; each direction in the tooltip). Viridis with a colour bar.
 */
import type { NocRecord } from '../runResult.js';
import { svgDocument, text } from './axes.js';
import { escapeXml, fmtValue, num } from './escape.js';
import {
  colourBar,
  gridAxes,
  type MeshFigure,
  type MeshLayout,
  meshLayout,
  PLOT,
} from './meshGrid.js';
import { EMPTY_COLOUR, viridis } from './palette.js';

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
