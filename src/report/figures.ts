/**
 * Every figure of a report, built from a run's results: the SVG, the file name it is written
 * to under `figures/`, a title and a caption that says how to read it.
 */
import type { RunResult, SpikeRaster } from './runResult.js';
import { timeUnitNs } from './svg/axes.js';
import { energyPerFrameSvg, energyPerLayerSvg } from './svg/energyBars.js';
import { histogramSvg } from './svg/histogram.js';
import { inactiveBarsSvg } from './svg/inactiveBars.js';
import { lineChartSvg } from './svg/lineChart.js';
import { coresByLayerSvg, routerCongestionSvg } from './svg/meshGrid.js';
import { linkFigureMode, linkHeatmapSvg } from './svg/meshLinks.js';
import { LayerPalette } from './svg/palette.js';
import { rasterSvg } from './svg/raster.js';

export interface Figure {
  /** Element id and file stem, e.g. `raster-frame0`. */
  id: string;
  file: string;
  title: string;
  caption: string;
  svg: string;
}

/** The layer palette of a run: layers in stage order, then core layers not among them. */
export function runPalette(run: RunResult): LayerPalette {
  const layers = run.layers.slice().sort((a, b) => a.stage - b.stage);
  const palette = new LayerPalette(layers);
  // The mapping calls the input stage's cores `encoding`: give them the input layer's colour.
  const input = layers.find((l) => l.kind === 'input');
  if (input) palette.alias('encoding', input.name);
  for (const c of run.cores) palette.colourOf(c.layer);
  return palette;
}

function fig(id: string, title: string, caption: string, svg: string): Figure {
  return { id, file: `${id}.svg`, title, caption, svg };
}

export function buildFigures(run: RunResult, raster: SpikeRaster | null): Figure[] {
  const palette = runPalette(run);
  const kinds: Record<string, string> = {};
  for (const l of run.layers) kinds[l.name] = l.kind;
  const mesh = run.summary.mesh;
  const out: Figure[] = [];

  if (raster) {
    const id = `raster-frame${raster.frame}`;
    const r = rasterSvg(raster, {
      palette,
      kinds,
      stepsPerWindow: run.options.stepsPerWindow,
      id,
    });
    out.push(
      fig(
        id,
        `Spike raster of frame ${raster.frame} (cf. the paper’s Fig. 5)`,
        'Each dot is one spike: its time (in windows) on x and its neuron’s index within the layer, scaled to [0, 1], on y. Layer l may fire only in its window [l, l+1) (shaded alternately, name above); with the dynamic firing threshold every layer’s spikes stay inside its own window. Pool and flatten stages fire at their producer’s times and are not drawn. Coincident dots are merged.',
        r.svg,
      ),
    );
  }
  out.push(
    fig(
      'inactive-neurons',
      'Inactive neurons per layer (cf. the paper’s Fig. 6)',
      `Percentage of each conv/dense layer’s neurons that never fired in a frame, averaged over the ${run.summary.frames} frame(s) of the run. Higher means sparser; a layer near 100% passes almost no information on.`,
      inactiveBarsSvg(run.layers, palette, { id: 'inactive-neurons' }).svg,
    ),
    fig(
      'energy-per-frame',
      'Energy per frame by component (Eq. 12)',
      'Each bar is one frame (labelled with its index in the data set): SOP energy (E_SOP × SOPs) at the bottom, hop energy (E_hop × hops) in the middle, static energy on top.',
      energyPerFrameSvg(run.frames, 'energy-per-frame').svg,
    ),
    fig(
      'energy-per-layer',
      'Energy per layer by component',
      'Mean energy per frame spent by each layer (its SOPs, the hops of the packets it sends, the static energy of its cores), stacked as in the per-frame figure; the strip under each bar is the layer’s colour.',
      energyPerLayerSvg(run.layers, (n) => palette.colourOf(n), 'energy-per-layer').svg,
    ),
    fig(
      'mesh-cores',
      `Cores on the ${mesh.width}×${mesh.height} mesh by layer`,
      'Each square is a router with its core, at mesh column x (left to right) and row y (top to bottom), coloured by the layer whose neurons the core holds; light grey nodes hold no core. The legend gives each layer’s number of cores; core ids are printed when the squares are large enough.',
      coresByLayerSvg(run.cores, mesh, palette, 'mesh-cores').svg,
    ),
    fig(
      'mesh-link-flits',
      'Flits per link',
      linkFigureMode(mesh) === 'arrows'
        ? 'Each directed link between neighbouring routers is an arrow coloured by the flits it carried per frame (viridis: dark = few, yellow = many); the two directions of a link are drawn side by side, each to the right of its direction of travel (XY routing: x first, then y). Light grey: no traffic.'
        : 'Each link between neighbouring routers is a segment coloured by the flits it carried per frame in both directions together (viridis: dark = few, yellow = many; each direction in the tooltip). Light grey: no traffic.',
      linkHeatmapSvg(run.noc, mesh, 'mesh-link-flits').svg,
    ),
  );
  const congestionUnit = run.noc.routerCongestionUnit ?? 'ns';
  const congestionLabel =
    congestionUnit === 'ns'
      ? 'Congestion: mean extra latency (ns)'
      : `Congestion (${congestionUnit})`;
  out.push(
    fig(
      'mesh-router-congestion',
      'Congestion per router',
      `Each router coloured by its congestion (${congestionUnit === 'ns' ? 'mean latency beyond zero-load of the packets that passed it, in ns' : congestionUnit}); light grey: none. ${run.noc.kind === 'ideal' ? 'This run used the ideal NoC, which has no congestion by construction.' : `Detailed NoC, ${run.noc.timing} timing.`}`,
      routerCongestionSvg(run.noc.routerCongestion, mesh, congestionLabel, 'mesh-router-congestion')
        .svg,
    ),
  );
  const h = run.noc.latencyHistogram;
  const lastEdge = h.edgesNs.length ? Math.max(...h.edgesNs.filter(Number.isFinite)) : 0;
  const hu = timeUnitNs(lastEdge);
  const lat = run.noc.latencyNs;
  out.push(
    fig(
      'packet-latency',
      'Packet latency distribution',
      `Number of spike packets per latency bin (injection to delivery). Dashed lines: mean ${formatNs(lat.mean)}, p99 ${formatNs(lat.p99)}; zero-load mean ${formatNs(lat.zeroLoadMean)}, congestion mean ${formatNs(lat.congestionMean)}.`,
      histogramSvg({
        edges: h.edgesNs,
        counts: h.counts,
        edgeFactor: hu.factor,
        xLabel: `Packet latency (${hu.unit})`,
        yLabel: 'Packets',
        title: 'Packet latency distribution',
        desc: 'Histogram of spike-packet latency.',
        id: 'packet-latency',
        markers: [
          { value: lat.mean * hu.factor, label: 'mean' },
          { value: lat.p99 * hu.factor, label: 'p99' },
        ],
      }).svg,
    ),
  );
  const maxLat = run.frames.reduce(
    (m, f) => (Number.isFinite(f.latencyNs) ? Math.max(m, f.latencyNs) : m),
    0,
  );
  const fu = timeUnitNs(maxLat);
  out.push(
    fig(
      'frame-latency',
      'Latency per frame',
      'Input-to-decision latency of each frame (x: the frame’s index in the data set). Frames pipeline through the layers, so the throughput (frames per second in the summary) is higher than 1 / latency.',
      lineChartSvg({
        series: [
          {
            name: 'latency',
            colour: '#0072B2',
            x: run.frames.map((f) => f.index),
            y: run.frames.map((f) => f.latencyNs * fu.factor),
          },
        ],
        xLabel: 'Frame (index in the data set)',
        yLabel: `Latency (${fu.unit})`,
        title: 'Latency per frame',
        desc: 'Input-to-decision latency of each frame.',
        id: 'frame-latency',
        integerX: true,
      }).svg,
    ),
  );
  return out;
}

function formatNs(v: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  const u = timeUnitNs(v);
  return `${Number((v * u.factor).toPrecision(3))} ${u.unit}`;
}
