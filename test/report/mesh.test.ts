import { describe, expect, it } from 'vitest';
import type { CoreRecord } from '../../src/report/runResult.js';
import { histogramSvg } from '../../src/report/svg/histogram.js';
import { lineChartSvg } from '../../src/report/svg/lineChart.js';
import { coresByLayerSvg, routerCongestionSvg, textOn } from '../../src/report/svg/meshGrid.js';
import {
  ARROWS_MAX_SIDE,
  arrowPoints,
  linkFigureMode,
  linkHeatmapSvg,
  parseLinkKey,
} from '../../src/report/svg/meshLinks.js';
import {
  EMPTY_COLOUR,
  LAYER_COLOURS,
  LayerPalette,
  viridis,
} from '../../src/report/svg/palette.js';
import { elements } from './helpers.js';

const MESH = { width: 3, height: 2 };
const energy = { sop: 0, hop: 0, static: 0, total: 0 };
const core = (id: number, x: number, y: number, layer: string): CoreRecord => ({
  core: id,
  node: y * 3 + x,
  x,
  y,
  layer,
  neurons: 10,
  sops: 0,
  energyJ: energy,
});

describe('mesh grid', () => {
  // 3x2 mesh in a 560x460 box at (60, 30): cells of 560/3, left-aligned at x = 60.
  const cell = 560 / 3;

  it('places cores at their (x, y) with y downwards, coloured by layer', () => {
    const palette = new LayerPalette([
      { name: 'input', kind: 'input' },
      { name: 'conv1', kind: 'conv' },
    ]);
    const fig = coresByLayerSvg(
      [core(0, 0, 0, 'input'), core(1, 1, 0, 'conv1'), core(2, 2, 1, 'conv1')],
      MESH,
      palette,
    );
    expect(fig.layout.cell).toBeCloseTo(cell, 9);
    const [cx, cy] = fig.layout.centre(2, 1);
    expect(cx).toBeCloseTo(60 + 2.5 * cell, 9);
    expect(cy).toBeCloseTo(30 + 1.5 * cell, 9);
    const conv = elements(fig.svg, 'rect', { class: 'core', 'data-layer': 'conv1' });
    expect(conv.map((r) => [Number(r.x), Number(r.y)])).toEqual([
      [Number((60 + cell + 1).toFixed(2)), 31],
      [Number((60 + 2 * cell + 1).toFixed(2)), Number((30 + cell + 1).toFixed(2))],
    ]);
    expect(conv.every((r) => r.fill === LAYER_COLOURS[1])).toBe(true);
    expect(elements(fig.svg, 'rect', { class: 'empty' })).toHaveLength(3);
    expect(fig.svg).toContain('conv1 (2)');
    expect(textOn('#ffffff')).toBe('#000000');
    expect(textOn('#332288')).toBe('#ffffff');
  });

  it('draws each directed link to the right of its direction of travel, coloured by flits', () => {
    const fig = linkHeatmapSvg(
      { linkFlits: { '0->1': 10, '1->0': 5, '1->4': 20, bogus: 3 } },
      MESH,
    );
    expect(fig.max).toBe(20);
    expect(parseLinkKey('12->13')).toEqual([12, 13]);
    expect(parseLinkKey('bogus')).toBeNull();
    const byKey = new Map(fig.segments.map((s) => [`${s.from}->${s.to}`, s]));
    expect([...byKey.keys()].sort()).toEqual(['0->1', '1->0', '1->4']);
    const [ax, ay] = fig.layout.centre(0, 0);
    const east = byKey.get('0->1')!;
    // Eastbound: shortened by 0.2 cell at both ends, shifted 0.1 cell down (south = its right).
    expect(east.x1).toBeCloseTo(ax + 0.2 * cell, 9);
    expect(east.x2).toBeCloseTo(ax + cell - 0.2 * cell, 9);
    expect(east.y1).toBeCloseTo(ay + 0.1 * cell, 9);
    expect(byKey.get('1->0')!.y1).toBeCloseTo(ay - 0.1 * cell, 9);
    const south = byKey.get('1->4')!;
    const [bx] = fig.layout.centre(1, 0);
    expect(south.x1).toBeCloseTo(bx - 0.1 * cell, 9);
    expect(south.y2).toBeGreaterThan(south.y1);
    expect(east.colour).toBe(viridis(0.5));
    expect(south.colour).toBe(viridis(1));
    const arrow = elements(fig.svg, 'polygon', { class: 'link', 'data-link': '0-&gt;1' })[0]!;
    expect(arrow.fill).toBe(viridis(0.5));
    // The arrow's tip (4th point) is the segment's end; its tail straddles the start.
    const pts = arrow.points!.split(' ').map((p) => p.split(',').map(Number));
    expect(pts[3]![0]).toBeCloseTo(east.x2, 2);
    expect(pts[3]![1]).toBeCloseTo(east.y2, 2);
    expect((pts[0]![0]! + pts[6]![0]!) / 2).toBeCloseTo(east.x1, 1);
    expect((pts[0]![1]! + pts[6]![1]!) / 2).toBeCloseTo(east.y1, 1);
    expect(arrowPoints({ x1: 0, y1: 0, x2: 10, y2: 0 }, 2)).toBe(
      '0,1 7.6,1 7.6,2 10,0 7.6,-2 7.6,-1 0,-1',
    );
    expect(fig.svg).toContain('Flits per frame per link');
  });

  it('on a 17x17 mesh draws one coloured segment per link (both directions), no arrows', () => {
    const mesh = { width: 17, height: 17 };
    expect(linkFigureMode(mesh)).toBe('segments');
    expect(linkFigureMode({ width: ARROWS_MAX_SIDE, height: ARROWS_MAX_SIDE })).toBe('arrows');
    const linkFlits: Record<string, number> = {};
    for (let n = 0; n < 17 * 17; n++) {
      if (n % 17 < 16) {
        linkFlits[`${n}->${n + 1}`] = n % 7;
        linkFlits[`${n + 1}->${n}`] = 1;
      }
      if (n < 16 * 17) linkFlits[`${n}->${n + 17}`] = n % 5;
    }
    const fig = linkHeatmapSvg({ linkFlits }, mesh);
    expect(fig.mode).toBe('segments');
    expect(fig.svg).not.toContain('<polygon');
    // 2 x 17 x 16 links, each once, with the flits of both directions.
    expect(fig.segments).toHaveLength(2 * 17 * 16);
    const east = fig.segments.find((g) => g.from === 3 && g.to === 4)!;
    expect(east.flits).toBe(3 + 1);
    expect(fig.max).toBe(6 + 1);
    expect(east.colour).toBe(viridis(4 / 7));
    expect(fig.segments.find((g) => g.from === 0 && g.to === 17)!.colour).toBe(EMPTY_COLOUR);
    const cell = fig.layout.cell;
    for (const g of fig.segments) {
      // Each segment lies between its two routers, short of both: neighbours never touch.
      const len = Math.hypot(g.x2 - g.x1, g.y2 - g.y1);
      expect(len).toBeCloseTo(cell * (1 - 2 * 0.22), 6);
    }
    const line = elements(fig.svg, 'line', { class: 'link', 'data-link': '3-4' })[0]!;
    expect(line.stroke).toBe(viridis(4 / 7));
    expect(fig.svg).toContain('Flits per frame per link (both ways)');
    expect(fig.svg).toContain('class="colour-bar"');
  });

  it('colours routers by congestion, grey where there is none', () => {
    const fig = routerCongestionSvg([0, 5, 10, 0, 0, 2.5], MESH, 'Congestion (ns)');
    expect(fig.max).toBe(10);
    expect(fig.colours).toEqual([
      EMPTY_COLOUR,
      viridis(0.5),
      viridis(1),
      EMPTY_COLOUR,
      EMPTY_COLOUR,
      viridis(0.25),
    ]);
    expect(fig.svg).toContain('Congestion (ns)');
    expect(routerCongestionSvg([0, 0], { width: 2, height: 1 }, 'x').svg).toContain(
      'No congestion recorded',
    );
  });
});

describe('histogram', () => {
  it('draws bins between their edges with heights proportional to counts', () => {
    const fig = histogramSvg({
      edges: [0, 10, 20, 30],
      counts: [5, 10, 0],
      xLabel: 'Packet latency (ns)',
      yLabel: 'Packets',
      title: 't',
      desc: 'd',
      id: 'h',
    });
    // Plot x 78..736 for 0..30 ns, y 24..284 for 0..10 packets.
    expect(fig.mode).toBe('linear');
    expect([fig.x(0), fig.x(30), fig.y(0), fig.y(10)]).toEqual([78, 736, 284, 24]);
    expect(fig.xOf(15)).toBe(fig.x(15));
    const b = fig.bars.map((r) => [r.x0, r.x1, r.count, r.px, r.py, r.pw, r.ph]);
    expect(b[0]!.slice(0, 5)).toEqual([0, 10, 5, 78, 154]);
    expect(b[0]![5]).toBeCloseTo(658 / 3, 9);
    expect(b[0]![6]).toBe(130);
    expect(b[1]![3]).toBeCloseTo(78 + 658 / 3, 9);
    expect(b[1]![4]).toBe(24);
    expect(elements(fig.svg, 'rect', { class: 'bin' })).toHaveLength(2);
    expect(fig.svg).toContain('Packet latency (ns)');
  });
});

describe('histogram with bins of unequal width', () => {
  it('draws doubling bins equally wide and places values inside their bin', () => {
    const fig = histogramSvg({
      edges: [0, 1, 2, 4, 8],
      counts: [1, 2, 4, 8],
      xLabel: 'Packet latency (ns)',
      yLabel: 'Packets',
      title: 't',
      desc: 'd',
      id: 'h',
      markers: [{ value: 3, label: 'mean' }],
    });
    expect(fig.mode).toBe('equal-width');
    // Plot x 78..736 over 4 bins of 164.5 each.
    expect(fig.bars.map((b) => b.pw)).toEqual([164.5, 164.5, 164.5, 164.5]);
    expect([fig.xOf(0), fig.xOf(2), fig.xOf(3), fig.xOf(8), fig.xOf(99)]).toEqual([
      78, 407, 489.25, 736, 736,
    ]);
    expect(elements(fig.svg, 'line', { class: 'marker' })[0]!.x1).toBe('489.25');
    expect(fig.svg).toContain('bins of unequal width drawn equally wide');
    for (const edge of ['0', '1', '2', '4', '8']) expect(fig.svg).toContain(`>${edge}</text>`);
  });
});

describe('line chart', () => {
  it('joins points at their data coordinates', () => {
    const fig = lineChartSvg({
      series: [{ name: 'latency', colour: '#0072B2', x: [0, 1, 2], y: [10, 20, 15] }],
      xLabel: 'Frame',
      yLabel: 'Latency (µs)',
      title: 't',
      desc: 'd',
      id: 'l',
      integerX: true,
    });
    // Plot x 78..736 for frames 0..2, y 30..284 for 0..20.
    expect(elements(fig.svg, 'polyline')[0]!.points).toBe('78,157 407,30 736,93.5');
    expect(fig.svg).toContain('Latency (µs)');
    expect(fig.svg).not.toMatch(/>0\.5<\/text>/);
  });
});
