import { convTargetRange } from '../snn/layers.js';
import type { Architecture, StageInfo } from '../snn/network.js';
import { stages as stageInfos } from '../snn/network.js';
import type { Mapping, StageMapping } from './types.js';

/**
 * Core-to-core traffic of one frame in which every neuron spikes once, with unicast packets (one
 * per spike and destination core, SPEC section 5). It is the static estimate placement
 * optimizes and the benchmark scores; the simulator counts the real packets.
 */
export interface CoreTraffic {
  /** Edge `i` carries `packets[i]` packets from core `src[i]` to core `dst[i]`. */
  src: Int32Array;
  dst: Int32Array;
  packets: Float64Array;
}

/**
 * Packets from each core of mapped stage `from` to each core of the next mapped stage `to`,
 * when every neuron `from` emits (after its pooling) spikes once. A spike goes to every core
 * of `to` that holds at least one of its targets: for dense, every core; for conv, the cores
 * whose row band meets the rows of its receptive-field targets.
 */
function pairTraffic(
  all: StageInfo[],
  from: StageMapping,
  to: StageMapping,
  lookup: Int32Array,
  add: (src: number, dst: number, n: number) => void,
): void {
  const emit = all[from.emitStage]!;
  const layer = all[to.stage]!.layer!;
  const { c, h, w } = emit.shape;
  const isConv = layer.kind === 'conv';
  let validCols = w;
  if (isConv) {
    validCols = 0;
    for (let x = 0; x < w; x++) {
      const [a, b] = convTargetRange(x, layer.kernel, layer.stride, layer.padding, to.shape.w);
      if (a <= b) validCols++;
    }
  }
  if (validCols === 0) return;
  for (let ch = 0; ch < c; ch++) {
    for (let y = 0; y < h; y++) {
      // Bands hold whole rows, so one row of a channel lives on one core.
      const src = lookup[(ch * h + y) * w]!;
      let r0 = 0;
      let r1 = to.shape.h - 1;
      if (isConv)
        [r0, r1] = convTargetRange(y, layer.kernel, layer.stride, layer.padding, to.shape.h);
      if (r0 > r1) continue;
      for (const core of to.cores) {
        if (core.rowStart <= r1 && core.rowEnd - 1 >= r0) add(src, core.id, validCols);
      }
    }
  }
}

/** Traffic between the cores of consecutive mapped stages; see `CoreTraffic`. */
export function coreTraffic(
  arch: Architecture,
  mapping: Pick<Mapping, 'stages' | 'coreOfNeuron' | 'coresUsed'>,
): CoreTraffic {
  const all = stageInfos(arch);
  const n = mapping.coresUsed;
  const edges = new Map<number, number>();
  const add = (src: number, dst: number, count: number) => {
    const key = src * n + dst;
    edges.set(key, (edges.get(key) ?? 0) + count);
  };
  for (let i = 0; i + 1 < mapping.stages.length; i++) {
    const from = mapping.stages[i]!;
    pairTraffic(all, from, mapping.stages[i + 1]!, mapping.coreOfNeuron[from.emitStage]!, add);
  }
  const keys = [...edges.keys()].sort((a, b) => a - b);
  const src = new Int32Array(keys.length);
  const dst = new Int32Array(keys.length);
  const packets = new Float64Array(keys.length);
  keys.forEach((key, i) => {
    src[i] = Math.floor(key / n);
    dst[i] = key % n;
    packets[i] = edges.get(key)!;
  });
  return { src, dst, packets };
}

/** Sum over traffic edges of packets x XY hops between the cores' mesh nodes. */
export function weightedHops(
  traffic: CoreTraffic,
  nodeOfCore: Int32Array,
  meshWidth: number,
): number {
  let total = 0;
  for (let i = 0; i < traffic.src.length; i++) {
    const a = nodeOfCore[traffic.src[i]!]!;
    const b = nodeOfCore[traffic.dst[i]!]!;
    const hops =
      Math.abs((a % meshWidth) - (b % meshWidth)) +
      Math.abs(Math.floor(a / meshWidth) - Math.floor(b / meshWidth));
    total += traffic.packets[i]! * hops;
  }
  return total;
}

/**
 * Destination cores of every spike a mapped stage emits, for the simulator's hot path: for
 * mapped stage `i` (not the last), `dests[i]` lists for each neuron `n` of its emit stage (CHW)
 * the cores `cores[offsets[n] .. offsets[n + 1])` of the next mapped stage that hold at least
 * one of its targets, in core id order. A unicast spike becomes one packet per listed core.
 */
export interface SpikeDestinations {
  /** The stage whose neurons emit (the mapped stage, or its last pool/flatten). */
  emitStage: number;
  /** The mapped stage the spikes go to. */
  targetStage: number;
  offsets: Int32Array;
  cores: Int32Array;
}

export function spikeDestinations(arch: Architecture, mapping: Mapping): SpikeDestinations[] {
  const all = stageInfos(arch);
  const out: SpikeDestinations[] = [];
  for (let i = 0; i + 1 < mapping.stages.length; i++) {
    const from = mapping.stages[i]!;
    const to = mapping.stages[i + 1]!;
    const emit = all[from.emitStage]!;
    const layer = all[to.stage]!.layer!;
    const { c, h, w } = emit.shape;
    const isConv = layer.kind === 'conv';
    const colOk = new Uint8Array(w).fill(1);
    if (isConv) {
      for (let x = 0; x < w; x++) {
        const [a, b] = convTargetRange(x, layer.kernel, layer.stride, layer.padding, to.shape.w);
        colOk[x] = a <= b ? 1 : 0;
      }
    }
    // Destination cores per row of the emit map (the same for every channel).
    const rowCores: number[][] = [];
    for (let y = 0; y < h; y++) {
      let r0 = 0;
      let r1 = to.shape.h - 1;
      if (isConv)
        [r0, r1] = convTargetRange(y, layer.kernel, layer.stride, layer.padding, to.shape.h);
      rowCores.push(
        r0 > r1
          ? []
          : to.cores.filter((k) => k.rowStart <= r1 && k.rowEnd - 1 >= r0).map((k) => k.id),
      );
    }
    const offsets = new Int32Array(emit.size + 1);
    let total = 0;
    for (let ch = 0; ch < c; ch++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          offsets[(ch * h + y) * w + x] = total;
          if (colOk[x]) total += rowCores[y]!.length;
        }
      }
    }
    offsets[emit.size] = total;
    const cores = new Int32Array(total);
    for (let n = 0; n < emit.size; n++) {
      const start = offsets[n]!;
      if (offsets[n + 1]! === start) continue;
      const y = Math.floor(n / w) % h;
      cores.set(rowCores[y]!, start);
    }
    out.push({ emitStage: from.emitStage, targetStage: to.stage, offsets, cores });
  }
  return out;
}
