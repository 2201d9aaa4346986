/**
 * `ttfsim inspect`: a model's layers with shapes, windows, neurons, synapses and parameters.
 *
 * - Neurons use the paper's count (SPEC section 3): every weighted layer's neurons, output layer
 *   included; the input encoding, pooling and flatten count none. With `direct` encoding the
 *   host-side first conv still counts (its neurons spike in window 0).
 * - Synapses are connections that exist: for a conv, each output neuron connects to the input
 *   positions its kernel covers inside the map, times the input channels; positions that fall
 *   on zero padding carry no synapse (padding never spikes). A dense layer has `units x in`.
 *   Pooling is a min over its window inside a core, not a synapse. With `direct` encoding the
 *   first conv's connections are host MACs and are reported apart from the on-chip synapses.
 * - Parameters are weights, `outC x inC x k x k` or `units x in`, plus the layer's biases (one
 *   per output channel or unit when it has them: its own, or folded from batch norm at load).
 */
import { layerBias, type Shape3, stages, weightCount, windowCount } from '../snn/network.js';
import type { LoadedModel } from './load.js';
import { displayPath } from './load.js';
import type { ModelManifest } from './manifest.js';

export interface InspectLayerRow {
  stage: number;
  name: string;
  kind: 'input' | 'conv' | 'pool' | 'flatten' | 'dense';
  /** Short configuration: `16C5 s1 p0`, `P2 s2`, `800`. */
  config: string;
  shape: Shape3;
  window: number;
  /** Paper-counted neurons (0 for the input, pool and flatten). */
  neurons: number;
  /** Synapses (non-padding connections) into this stage. */
  synapses: number;
  /** Weights and biases of the layer. */
  params: number;
  /** Biases of the layer (part of `params`): one per output channel or unit, 0 without. */
  biasParams: number;
  /** True for the first conv under `direct` encoding: computed on the host, not on chip. */
  host: boolean;
  /** Weight statistics, when weights are loaded. */
  weightStats?: { min: number; max: number; meanAbs: number; zeroFraction: number };
  /** Bias statistics, when the layer has biases and weights are loaded. */
  biasStats?: { min: number; max: number; meanAbs: number; zeroFraction: number };
}

export interface InspectReport {
  name: string;
  manifestPath: string;
  description: string;
  input: Shape3;
  encoding: ModelManifest['encoding'];
  readout: ModelManifest['readout'];
  classes: string[];
  dataset: string;
  layers: InspectLayerRow[];
  totals: {
    neurons: number;
    synapses: number;
    /** Synapses without the host-side first conv (equal to `synapses` with pixel encoding). */
    synapsesOnChip: number;
    params: number;
    /** Biases (part of `params`). */
    biasParams: number;
    windows: number;
  };
  /** Batch-norm layers of the manifest, folded into the layer before each at load time. */
  batchNorms: { name: string; foldedInto: string }[];
  weights: {
    present: boolean;
    trained: boolean;
    file: string | null;
  };
  provenance: ModelManifest['provenance'];
  quantization: ModelManifest['quantization'] | null;
  counting: { neurons: string; synapses: string };
}

/** Sum over output positions of the kernel taps that land inside an input of length `n`. */
export function validTaps(
  n: number,
  out: number,
  k: number,
  stride: number,
  padding: number,
): number {
  let total = 0;
  for (let o = 0; o < out; o++) {
    const start = o * stride - padding;
    const lo = Math.max(0, start);
    const hi = Math.min(n, start + k);
    if (hi > lo) total += hi - lo;
  }
  return total;
}

function stats(w: Float32Array): InspectLayerRow['weightStats'] {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let abs = 0;
  let zeros = 0;
  for (let i = 0; i < w.length; i++) {
    const v = w[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
    abs += Math.abs(v);
    if (v === 0) zeros++;
  }
  return { min, max, meanAbs: abs / w.length, zeroFraction: zeros / w.length };
}

/** Builds the report for a loaded model. */
export function inspectModel(model: LoadedModel): InspectReport {
  const { arch, manifest } = model;
  const st = stages(arch);
  const rows: InspectLayerRow[] = st.map((s, i) => {
    if (s.layer === null) {
      return {
        stage: 0,
        name: 'input',
        kind: 'input',
        config: arch.encoding.kind === 'pixel' ? `pixel /${arch.encoding.maxValue}` : 'direct',
        shape: s.shape,
        window: s.window,
        neurons: 0,
        synapses: 0,
        params: 0,
        biasParams: 0,
        host: false,
      };
    }
    const layer = s.layer;
    const input = st[i - 1]!.shape;
    let synapses = 0;
    let config = '';
    switch (layer.kind) {
      case 'conv':
        synapses =
          layer.outChannels *
          input.c *
          validTaps(input.h, s.shape.h, layer.kernel, layer.stride, layer.padding) *
          validTaps(input.w, s.shape.w, layer.kernel, layer.stride, layer.padding);
        config = `${layer.outChannels}C${layer.kernel} s${layer.stride} p${layer.padding}`;
        break;
      case 'dense':
        synapses = layer.units * input.c * input.h * input.w;
        config = `${layer.units}`;
        break;
      case 'pool':
        config = `P${layer.size} s${layer.stride}`;
        break;
      case 'flatten':
        config = '';
        break;
    }
    const biasParams =
      (layer.kind === 'conv' || layer.kind === 'dense') && layer.bias ? s.shape.c : 0;
    const row: InspectLayerRow = {
      stage: s.stage,
      name: layer.name,
      kind: layer.kind,
      config,
      shape: s.shape,
      window: s.window,
      neurons: s.weighted ? s.size : 0,
      synapses,
      params: weightCount(layer, input) + biasParams,
      biasParams,
      host: i === 1 && arch.encoding.kind === 'direct',
    };
    const w = model.network?.weights[i - 1];
    if (w && w.length > 0) row.weightStats = stats(w);
    const b = model.network ? layerBias(model.network, i - 1) : null;
    if (b && b.length > 0) row.biasStats = stats(b);
    return row;
  });
  const sum = (f: (r: InspectLayerRow) => number) => rows.reduce((a, r) => a + f(r), 0);
  return {
    name: manifest.name,
    manifestPath: model.manifestPath,
    description: manifest.description,
    input: arch.input,
    encoding: manifest.encoding,
    readout: manifest.readout,
    classes: manifest.classes,
    dataset: manifest.dataset,
    layers: rows,
    totals: {
      neurons: sum((r) => r.neurons),
      synapses: sum((r) => r.synapses),
      synapsesOnChip: sum((r) => (r.host ? 0 : r.synapses)),
      params: sum((r) => r.params),
      biasParams: sum((r) => r.biasParams),
      windows: windowCount(arch),
    },
    batchNorms: manifest.layers.flatMap((l, i) =>
      l.type === 'batchnorm' ? [{ name: l.name!, foldedInto: manifest.layers[i - 1]!.name! }] : [],
    ),
    weights: {
      present: model.network !== null,
      trained: model.trained,
      file: manifest.weights?.file ?? null,
    },
    provenance: manifest.provenance,
    quantization: manifest.quantization ?? null,
    counting: {
      neurons:
        "paper's count: neurons of every weighted layer (conv, dense) including the output; not the input encoding, pool or flatten",
      synapses:
        'connections into each layer from non-padding input positions (padding never spikes); pooling has none',
    },
  };
}

/** `12345` -> `12,345`. */
export function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

const shapeText = (s: Shape3) => `${s.c}x${s.h}x${s.w}`;

/** The human-readable report. */
export function formatInspect(r: InspectReport): string {
  const lines: string[] = [];
  const enc =
    r.encoding.kind === 'pixel'
      ? `pixel (value / ${r.encoding.maxValue} = tau, 0 is silent)`
      : 'direct (first conv on the host; clamp(x, 0, 1) encoded in window 0)';
  let weights: string;
  if (!r.weights.present) {
    weights = 'none: architecture only, untrained';
  } else if (r.weights.trained) {
    weights = `trained (${r.weights.file})`;
  } else {
    weights = `present but NOT trained (${r.weights.file})`;
  }
  const p = r.provenance;
  const prov: string[] = [];
  if (p.trainer) prov.push(`trainer ${p.trainer}`);
  if (p.data) prov.push(`data ${p.data}`);
  if (p.epochs !== undefined) prov.push(`${p.epochs} epochs`);
  if (p.seed !== undefined) prov.push(`seed ${p.seed}`);
  if (p.testAccuracy !== undefined)
    prov.push(
      `test accuracy ${(100 * p.testAccuracy).toFixed(2)}%${p.testSamples ? ` on ${thousands(p.testSamples)}` : ''}`,
    );
  if (p.sparsity !== undefined) prov.push(`sparsity ${p.sparsity}`);
  if (p.date) prov.push(p.date);
  const head: [string, string][] = [
    ['model', `${r.name} (${displayPath(r.manifestPath)})`],
    ['about', r.description],
    ['input', shapeText(r.input)],
    ['encoding', enc],
    ['readout', r.readout],
    [
      'classes',
      `${r.classes.length} (${r.classes.slice(0, 10).join(', ')}${r.classes.length > 10 ? ', ...' : ''})`,
    ],
    ['dataset', r.dataset],
    ['weights', weights],
  ];
  if (prov.length > 0) head.push(['provenance', prov.join(', ')]);
  if (p.notes) head.push(['notes', p.notes]);
  if (r.quantization) {
    const q = r.quantization;
    head.push([
      'quantization',
      `${q.weightBits}-bit ${q.scheme}${q.stepsPerWindow ? `, ${q.stepsPerWindow} steps/window` : ''}`,
    ]);
  }
  for (const [k, v] of head) if (v !== '') lines.push(`${k.padEnd(13)}${v}`);
  lines.push('');
  const withBias = r.totals.biasParams > 0;
  const table: string[][] = [
    [
      'stage',
      'layer',
      'type',
      'config',
      'output',
      'window',
      'neurons',
      'synapses',
      'params',
      ...(withBias ? ['biases'] : []),
    ],
  ];
  for (const row of r.layers) {
    table.push([
      String(row.stage),
      row.name,
      row.kind,
      row.config,
      shapeText(row.shape),
      String(row.window),
      row.neurons ? thousands(row.neurons) : '-',
      row.synapses ? `${thousands(row.synapses)}${row.host ? ' (host)' : ''}` : '-',
      row.params ? thousands(row.params) : '-',
      ...(withBias ? [row.biasParams ? thousands(row.biasParams) : '-'] : []),
    ]);
  }
  const t = r.totals;
  table.push([
    'total',
    '',
    '',
    '',
    '',
    `${t.windows} windows`,
    thousands(t.neurons),
    thousands(t.synapses),
    thousands(t.params),
    ...(withBias ? [thousands(t.biasParams)] : []),
  ]);
  const numeric = new Set([5, 6, 7, 8, 9]);
  const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
  table.forEach((row, i) => {
    if (i === table.length - 1) lines.push(widths.map((w) => '-'.repeat(w)).join('  '));
    lines.push(
      row
        .map((cell, c) => (numeric.has(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
        .join('  ')
        .trimEnd(),
    );
  });
  lines.push('');
  lines.push(`neurons:  ${r.counting.neurons}`);
  lines.push(`synapses: ${r.counting.synapses}`);
  if (withBias) {
    lines.push(
      `biases:   one per output channel or unit of a layer with a bias (a spike at tau = 1 of its input window); ${thousands(t.biasParams)} of the ${thousands(t.params)} params`,
    );
  }
  if (r.batchNorms.length > 0) {
    lines.push(
      `batch norm folded at load: ${r.batchNorms.map((b) => `${b.name} into ${b.foldedInto}`).join(', ')}`,
    );
  }
  if (t.synapsesOnChip !== t.synapses) {
    lines.push(
      `          on chip (without the host-side first conv): ${thousands(t.synapsesOnChip)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
