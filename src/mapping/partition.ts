import type { Architecture, StageInfo } from '../snn/network.js';
import { UserError } from '../util/errors.js';
import type { CoreAssignment, StageMapping } from './types.js';

/** Splits `n` items into `parts` contiguous groups whose sizes differ by at most one. */
export function balancedSplit(n: number, parts: number): [number, number][] {
  const out: [number, number][] = [];
  const base = Math.floor(n / parts);
  const extra = n % parts;
  let start = 0;
  for (let i = 0; i < parts; i++) {
    const len = base + (i < extra ? 1 : 0);
    out.push([start, start + len]);
    start += len;
  }
  return out;
}

/** The stage that holds the input encoding's spikes: 1 with `direct` encoding, else 0. */
export function encodingStage(arch: Architecture): number {
  return arch.encoding.kind === 'direct' ? 1 : 0;
}

/** True for the stages that occupy cores of their own: the encoding and on-chip conv/dense. */
export function isMappedStage(st: StageInfo, encStage: number): boolean {
  return st.stage === encStage || (st.weighted && st.stage > encStage);
}

/**
 * The row alignment a stage needs so that every pooling region of the pool layers that follow
 * it (before the next weighted layer) stays inside one row band: the product of their strides.
 * Returns `overlapping: true` when a following pool's regions overlap (size > stride); such a
 * stage cannot be split into bands at all.
 */
export function poolRowAlign(
  all: StageInfo[],
  stage: number,
  encStage: number,
): { align: number; overlapping: boolean; hosted: number[] } {
  let align = 1;
  let overlapping = false;
  let flattened = false;
  const hosted: number[] = [];
  for (let s = stage + 1; s < all.length && !isMappedStage(all[s]!, encStage); s++) {
    const layer = all[s]!.layer!;
    hosted.push(s);
    if (layer.kind === 'flatten') flattened = true;
    if (layer.kind === 'pool' && !flattened) {
      align *= layer.stride;
      if (layer.size > layer.stride) overlapping = true;
    }
  }
  return { align, overlapping, hosted };
}

/**
 * Partitions one stage into cores (SPEC section 5): equally sized groups of whole channels,
 * at most `neuronsPerCore` neurons each; a channel whose map alone exceeds a core is split into
 * row bands whose heights are multiples of `align` (so pooling regions stay inside a core).
 * Cores are returned without mesh positions (node -1), ids from `firstId`.
 */
export function partitionStage(
  st: StageInfo,
  name: string,
  neuronsPerCore: number,
  align: number,
  overlapping: boolean,
  firstId: number,
  /** Whether the stage's neurons have biases (the core stores one per channel it holds). */
  bias = false,
): { cores: CoreAssignment[]; channelsPerCore: number; bands: number } {
  const { c, h, w } = st.shape;
  const plane = h * w;
  const cores: CoreAssignment[] = [];
  let channelGroups: [number, number][];
  let bandRows: [number, number][];
  if (plane <= neuronsPerCore) {
    const perCore = Math.floor(neuronsPerCore / plane);
    channelGroups = balancedSplit(c, Math.ceil(c / perCore));
    bandRows = [[0, h]];
  } else {
    if (overlapping) {
      throw new UserError(
        `stage ${st.stage} (${name}): a ${h}x${w} map exceeds ${neuronsPerCore} neurons per core and must be split into row bands, but the pooling that follows overlaps (size > stride), so its regions would straddle cores`,
      );
    }
    if (align * w > neuronsPerCore) {
      throw new UserError(
        `stage ${st.stage} (${name}): ${align} row(s) of ${w} neurons (one pooling-aligned band) exceed ${neuronsPerCore} neurons per core`,
      );
    }
    const unitsPerBand = Math.floor(neuronsPerCore / (align * w));
    const units = Math.ceil(h / align);
    const nBands = Math.ceil(units / unitsPerBand);
    channelGroups = balancedSplit(c, c);
    bandRows = balancedSplit(units, nBands).map(([a, b]) => [a * align, Math.min(h, b * align)]);
  }
  let id = firstId;
  for (const [c0, c1] of channelGroups) {
    for (const [r0, r1] of bandRows) {
      cores.push({
        id: id++,
        stage: st.stage,
        node: -1,
        x: -1,
        y: -1,
        channelStart: c0,
        channelEnd: c1,
        rowStart: r0,
        rowEnd: r1,
        neurons: (c1 - c0) * (r1 - r0) * w,
        biasParams: bias ? c1 - c0 : 0,
      });
    }
  }
  const channelsPerCore = Math.max(...channelGroups.map(([a, b]) => b - a));
  return { cores, channelsPerCore, bands: bandRows.length };
}

/** Fills the neuron -> core lookup of a mapped stage from its cores. */
export function fillLookup(st: StageInfo, cores: CoreAssignment[]): Int32Array {
  const { h, w } = st.shape;
  const lookup = new Int32Array(st.size).fill(-1);
  for (const core of cores) {
    for (let ch = core.channelStart; ch < core.channelEnd; ch++) {
      const from = (ch * h + core.rowStart) * w;
      const to = (ch * h + core.rowEnd) * w;
      lookup.fill(core.id, from, to);
    }
  }
  return lookup;
}

/**
 * The lookup of a pool or flatten stage from the lookup of the stage before it: a pooled neuron
 * lives on the core holding its pooling region (it is computed there); flatten keeps CHW order.
 */
export function derivedLookup(st: StageInfo, prev: StageInfo, prevLookup: Int32Array): Int32Array {
  const layer = st.layer!;
  if (layer.kind === 'flatten') return prevLookup;
  if (layer.kind !== 'pool') throw new Error(`stage ${st.stage} is not a pool or flatten stage`);
  const { c, h, w } = st.shape;
  const ph = prev.shape.h;
  const pw = prev.shape.w;
  const out = new Int32Array(st.size);
  for (let ch = 0; ch < c; ch++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const src = (ch * ph + y * layer.stride) * pw + x * layer.stride;
        out[(ch * h + y) * w + x] = prevLookup[src]!;
      }
    }
  }
  return out;
}

/** Partitions every stage; see `partitionStage`. Cores have no mesh positions yet. */
export function partitionNetwork(
  arch: Architecture,
  all: StageInfo[],
  neuronsPerCore: number,
): {
  stages: StageMapping[];
  cores: CoreAssignment[];
  hostOf: Int32Array;
  coreOfNeuron: (Int32Array | null)[];
} {
  const enc = encodingStage(arch);
  if (arch.encoding.kind === 'direct' && arch.layers[0]?.kind !== 'conv') {
    throw new UserError('direct encoding needs a conv layer first (it runs on the host)');
  }
  const stagesOut: StageMapping[] = [];
  const cores: CoreAssignment[] = [];
  const hostOf = new Int32Array(all.length).fill(-1);
  const coreOfNeuron: (Int32Array | null)[] = all.map(() => null);
  for (const st of all) {
    if (isMappedStage(st, enc)) {
      const name = st.stage === enc && enc === 0 ? 'encoding' : st.layer!.name;
      const { align, overlapping, hosted } = poolRowAlign(all, st.stage, enc);
      const layer = st.layer;
      const bias =
        st.stage !== enc && (layer?.kind === 'conv' || layer?.kind === 'dense') && !!layer.bias;
      const part = partitionStage(st, name, neuronsPerCore, align, overlapping, cores.length, bias);
      cores.push(...part.cores);
      hostOf[st.stage] = stagesOut.length;
      coreOfNeuron[st.stage] = fillLookup(st, part.cores);
      stagesOut.push({
        stage: st.stage,
        name,
        role: st.stage === enc ? 'encoding' : 'layer',
        window: st.window,
        shape: { ...st.shape },
        size: st.size,
        cores: part.cores,
        channelsPerCore: part.channelsPerCore,
        bands: part.bands,
        rowAlign: align,
        hosted,
        emitStage: hosted.length > 0 ? hosted[hosted.length - 1]! : st.stage,
        biasParams: part.cores.reduce((n, c) => n + c.biasParams, 0),
      });
    } else if (st.stage > enc) {
      // A pool or flatten stage: it lives on the cores of the stage it pools/flattens.
      hostOf[st.stage] = hostOf[st.stage - 1]!;
      coreOfNeuron[st.stage] = derivedLookup(st, all[st.stage - 1]!, coreOfNeuron[st.stage - 1]!);
    }
  }
  return { stages: stagesOut, cores, hostOf, coreOfNeuron };
}
