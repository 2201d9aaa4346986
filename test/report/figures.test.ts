import { describe, expect, it } from 'vitest';
import { runPalette } from '../../src/report/figures.js';
import type { EnergyJ, FrameRecord, LayerRecord, SpikeRaster } from '../../src/report/runResult.js';
import { energyPerFrameSvg, energyPerLayerSvg } from '../../src/report/svg/energyBars.js';
import { inactiveBarsSvg } from '../../src/report/svg/inactiveBars.js';
import { ENERGY_COLOURS, LAYER_COLOURS, LayerPalette } from '../../src/report/svg/palette.js';
import { RASTER_MARK, rasterSvg, scaledIndex } from '../../src/report/svg/raster.js';
import { MNIST_CNN, syntheticRun } from './fixtures/synthetic.js';
import { elements, markCentres } from './helpers.js';

const e = (sop: number, hop: number, st: number): EnergyJ => ({
  sop,
  hop,
  static: st,
  total: sop + hop + st,
});

function layer(
  name: string,
  kind: LayerRecord['kind'],
  stage: number,
  window: number,
  inactive: number,
): LayerRecord {
  return {
    name,
    kind,
    stage,
    window,
    shape: [1, 1, 1],
    neurons: 1,
    spikes: 0,
    firingFraction: 1 - inactive,
    inactiveFraction: inactive,
    sops: 0,
    packets: 0,
    hops: 0,
    energyJ: kind === 'pool' ? e(0, 0, 0) : e(1e-7 * (stage + 1), 1e-7, 1e-7),
    cores: 1,
  };
}

const LAYERS = [
  layer('input', 'input', 0, 0, 0.5),
  layer('conv1', 'conv', 1, 1, 0.25),
  layer('pool1', 'pool', 2, 1, 0),
  layer('fc', 'dense', 3, 2, 0.8),
];

const RASTER: SpikeRaster = {
  frame: 7,
  layers: [
    { name: 'input', stage: 0, window: 0, neurons: 5, neuron: [0, 4], t: [0, 0.5] },
    { name: 'conv1', stage: 1, window: 1, neurons: 3, neuron: [1], t: [1.25] },
    { name: 'pool1', stage: 2, window: 1, neurons: 2, neuron: [0], t: [1.25] },
    { name: 'fc', stage: 3, window: 2, neurons: 1, neuron: [0], t: [2] },
  ],
};

const kinds = Object.fromEntries(LAYERS.map((l) => [l.name, l.kind]));

describe('raster (Fig. 5)', () => {
  const fig = rasterSvg(RASTER, { palette: new LayerPalette(LAYERS), kinds, stepsPerWindow: 10 });

  it('maps time in windows to x and the scaled neuron index to y (0 at the bottom)', () => {
    // 760 wide, plot from x = 70 to 740 over windows [0, 3]; one legend row: plot y 40..318.
    expect(fig.x(0)).toBe(70);
    expect(fig.x(3)).toBe(740);
    expect(fig.x(0.5)).toBeCloseTo(70 + 670 / 6, 9);
    expect(fig.y(0)).toBe(318);
    expect(fig.y(1)).toBe(40);
    expect(fig.y(0.5)).toBe(179);
    expect([scaledIndex(0, 5), scaledIndex(4, 5), scaledIndex(1, 3), scaledIndex(0, 1)]).toEqual([
      0, 1, 0.5, 0.5,
    ]);
  });

  it('puts each spike’s mark at its (time, scaled index), within half a mark', () => {
    const path = (name: string) =>
      markCentres(elements(fig.svg, 'path', { class: 'spikes', 'data-layer': name })[0]!.d!);
    expect(path('input')).toEqual([
      [70, 318],
      [182, 40],
    ]);
    // y(0.5) = 179 snaps to the 2-unit grid at 180.
    expect(path('conv1')).toEqual([[350, 180]]);
    expect(path('fc')).toEqual([[516, 180]]);
    const near = (p: [number, number], q: [number, number]) =>
      Math.abs(p[0] - q[0]) <= RASTER_MARK / 2 && Math.abs(p[1] - q[1]) <= RASTER_MARK / 2;
    expect(near(path('conv1')[0]!, [fig.x(1.25), fig.y(0.5)])).toBe(true);
    expect(near(path('input')[1]!, [fig.x(0.5), fig.y(1)])).toBe(true);
  });

  it('leaves out pool stages, colours layers from the palette and names each window', () => {
    expect(elements(fig.svg, 'path', { 'data-layer': 'pool1' })).toHaveLength(0);
    expect(fig.layers.map((l) => [l.name, l.colour, l.spikes])).toEqual([
      ['input', LAYER_COLOURS[0], 2],
      ['conv1', LAYER_COLOURS[1], 1],
      ['fc', LAYER_COLOURS[2], 1],
    ]);
    expect(elements(fig.svg, 'path', { 'data-layer': 'fc' })[0]!.fill).toBe(LAYER_COLOURS[2]);
    for (const name of ['input', 'conv1', 'fc']) expect(fig.svg).toContain(`>${name}</text>`);
    expect(fig.svg).toContain('Time (windows; 1 window = 10 steps)');
    expect(fig.svg).toContain('Neuron index (scaled to [0, 1])');
    expect(fig.svg).toContain('conv1 (1 spikes)');
  });

  it('merges coincident spikes into one mark', () => {
    const r = rasterSvg(
      {
        frame: 0,
        layers: [
          { name: 'a', stage: 0, window: 0, neurons: 1000, neuron: [0, 1, 2], t: [0, 0, 0] },
        ],
      },
      { palette: new LayerPalette([]) },
    );
    expect(r.layers[0]!.marks).toBe(1);
    expect(r.layers[0]!.spikes).toBe(3);
  });
});

describe('inactive neurons (Fig. 6)', () => {
  it('draws one bar per conv/dense layer with height proportional to the percentage', () => {
    const fig = inactiveBarsSvg(LAYERS, new LayerPalette(LAYERS));
    expect(fig.categories).toEqual(['conv1', 'fc']);
    // Plot: x 70..740, y 20..282 for 0..100 %.
    expect([fig.y(0), fig.y(100), fig.y(25)]).toEqual([282, 20, 216.5]);
    const conv = elements(fig.svg, 'rect', { class: 'bar', 'data-layer': 'conv1' })[0]!;
    expect(Number(conv.y)).toBeCloseTo(216.5, 2);
    expect(Number(conv.height)).toBeCloseTo(65.5, 2);
    expect(Number(conv.x)).toBeCloseTo(111.88, 2);
    expect(conv.fill).toBe(LAYER_COLOURS[1]);
    const fc = elements(fig.svg, 'rect', { class: 'bar', 'data-layer': 'fc' })[0]!;
    expect(Number(fc.y)).toBeCloseTo(fig.y(80), 2);
    expect(fig.svg).toContain('Inactive neurons (%)');
    expect(fig.svg).toContain('>25%</text>');
  });
});

describe('energy bars', () => {
  const frames = [
    { index: 3, energyJ: e(1e-6, 2e-6, 3e-6) },
    { index: 9, energyJ: e(1e-6, 1e-6, 1e-6) },
  ] as FrameRecord[];

  it('stacks SOP, hop and static per frame in µJ at known heights', () => {
    const fig = energyPerFrameSvg(frames);
    expect(fig.unit).toEqual({ factor: 1e6, unit: 'µJ' });
    expect(fig.categories).toEqual(['3', '9']);
    // Plot y 34..300 for 0..6 µJ.
    expect([fig.y(0), fig.y(6)]).toEqual([300, 34]);
    const seg = (series: string, cat: string) =>
      elements(fig.svg, 'rect', { class: 'seg', 'data-series': series, 'data-category': cat })[0]!;
    const sop = seg('SOP', '3');
    expect(Number(sop.y)).toBeCloseTo(fig.y(1), 2);
    expect(Number(sop.height)).toBeCloseTo(266 / 6, 2);
    expect(sop.fill).toBe(ENERGY_COLOURS.sop);
    expect(Number(seg('hop', '3').y)).toBeCloseTo(fig.y(3), 2);
    expect(Number(seg('static', '3').y)).toBeCloseTo(34, 2);
    expect(Number(seg('static', '9').y)).toBeCloseTo(fig.y(3), 2);
    expect(fig.svg).toContain('Energy per frame (µJ)');
    for (const s of ['SOP', 'hop', 'static']) expect(fig.svg).toContain(`>${s}</text>`);
  });

  it('shows per-layer energy with the layer colours under the bars', () => {
    const palette = new LayerPalette(LAYERS);
    const fig = energyPerLayerSvg(LAYERS, (n) => palette.colourOf(n));
    expect(fig.categories).toEqual(['input', 'conv1', 'fc']);
    const strips = elements(fig.svg, 'rect', { class: 'cat' }).map((r) => r.fill);
    expect(strips).toEqual([LAYER_COLOURS[0], LAYER_COLOURS[1], LAYER_COLOURS[2]]);
    expect(fig.unit.unit).toBe('nJ');
  });
});

describe('runPalette', () => {
  it('gives the mapping’s `encoding` cores the input layer’s colour', () => {
    const { run } = syntheticRun(MNIST_CNN);
    run.cores[0]!.layer = 'encoding';
    const p = runPalette(run);
    expect(p.colourOf('encoding')).toBe(p.colourOf('input'));
    expect(p.colourOf('conv1')).not.toBe(p.colourOf('input'));
    expect(p.colourOf('pool1')).toBe(p.colourOf('conv1'));
  });
});
