import type { Mapping } from '../mapping/types.js';
import { type NetworkArith, networkArith } from '../snn/arith.js';
import { biasSopCount, convTargetRange } from '../snn/layers.js';
import { layerBias, type Network, type StageInfo } from '../snn/network.js';

/**
 * Static connectivity of a mapped network, computed once per setup: for every pair of
 * consecutive mapped stages (`m` sends, `m + 1` receives) the weights in the order the SOP loops
 * read them, and which destination cores a spike of each source neuron goes to; for every core
 * its neuron ranges, the neurons it emits and the cores it sends end-of-window markers to.
 *
 * Which cores hold targets of a spike: a dense layer's targets are all its neurons, so every
 * core of the layer. A conv layer's targets of input position `(ic, iy, ix)` are the output rows
 * `oy` with `oy * stride <= iy + padding <= oy * stride + kernel - 1` (and likewise columns) in
 * every output channel; since cores hold whole rows of whole channels (row bands), the
 * destinations are the cores whose band meets that row range, in every channel group. A column
 * without any target (stride and padding can leave one) sends nothing. Padding is never a target.
 */

/** A (source stage -> receiving weighted layer) link between consecutive mapped stages. */
export interface LayerLink {
  /** Index into `mapping.stages` of the sending and receiving stages. */
  srcMap: number;
  dstMap: number;
  /** The stage whose spikes travel (the sender's last hosted pool/flatten, or itself). */
  emitStage: number;
  /** The receiving weighted stage. */
  targetStage: number;
  kind: 'conv' | 'dense';
  /** Shape of the emitted map (dense: treated as a flat vector of `inC * inH * inW`). */
  inC: number;
  inH: number;
  inW: number;
  outC: number;
  outH: number;
  outW: number;
  kernel: number;
  stride: number;
  padding: number;
  /**
   * Weights in SOP order. Conv: `[ic][oc][ky][kx]` (PyTorch's `[oc][ic][ky][kx]` with the first
   * two axes swapped, so one spike reads a contiguous block); dense: `[in][units]` (transposed).
   * The values are the network's own float32 weights, or its integer levels when it is
   * quantized (src/snn/arith.ts), unchanged.
   */
  w: Float32Array;
  /**
   * The term a SOP adds to `wAcc` for each weight of {@link w} (same index): `toAcc(w)`, or
   * `q G` for a level; it does not depend on the spike (core.ts).
   */
  wq: Float64Array;
  /** Destination cores of a spike in emitted row `y` (dense: index 0 for every neuron). */
  rowDst: Int32Array[];
  /** Mesh nodes of `rowDst`, as the arrays a multicast packet carries. */
  rowDstNodes: number[][];
  /** Conv: 1 where an emitted column has at least one target column. Dense: all 1. */
  colHasTargets: Uint8Array;
  /** Conv: inclusive target rows of emitted row `y` and columns of column `x` ({@link convTargetRange}). */
  rowLo: Int32Array;
  rowHi: Int32Array;
  colLo: Int32Array;
  colHi: Int32Array;
}

/** One core as the simulator sees it. */
export interface SimCore {
  id: number;
  /** Index into `mapping.stages`. */
  mapIdx: number;
  stage: number;
  node: number;
  channelStart: number;
  channelEnd: number;
  rowStart: number;
  rowEnd: number;
  neurons: number;
  /** For each hosted pool/flatten stage (in `mapping.stages[mapIdx].hosted` order), its neurons here. */
  hostedNeurons: Int32Array[];
  /** The neurons whose spikes leave this core (of the emit stage). */
  emitNeurons: Int32Array;
  /** Cores of the next mapped stage that get this core's end-of-window marker. */
  markerDst: Int32Array;
  /** Markers this core waits for before it opens a window (0 for encoding cores). */
  needMarkers: number;
  /**
   * The bias spike's term per output channel of the core's layer (the whole layer's table,
   * indexed by channel: `toAcc(b)`, or `q_b G` for a level), or null when the layer has no bias
   * or is not computed on the chip: a local event of the core when it opens its window (core.ts,
   * `coreBias`).
   */
  biasAcc: Float64Array | null;
  /** Bias SOPs of one window: the core's neurons whose bias is not zero. */
  biasSops: number;
}

export interface Connectivity {
  cores: SimCore[];
  /** `links[m]` connects mapped stage `m` to `m + 1` (length: mapped stages - 1). */
  links: LayerLink[];
  /** Mapped stage index of each core (typed copy of `cores[i].mapIdx`). */
  mapOfCore: Int32Array;
  /** Core at each mesh node, -1 where none. */
  coreOfNode: Int32Array;
}

function reorderConv<T extends Float32Array | Float64Array>(
  w: T,
  oc: number,
  ic: number,
  kk: number,
): T {
  const out = new (w.constructor as { new (n: number): T })(w.length);
  for (let o = 0; o < oc; o++) {
    for (let i = 0; i < ic; i++) {
      out.set(w.subarray((o * ic + i) * kk, (o * ic + i + 1) * kk), (i * oc + o) * kk);
    }
  }
  return out;
}

function transposeDense<T extends Float32Array | Float64Array>(
  w: T,
  units: number,
  nIn: number,
): T {
  const out = new (w.constructor as { new (n: number): T })(w.length);
  for (let o = 0; o < units; o++) {
    const row = o * nIn;
    for (let i = 0; i < nIn; i++) out[i * units + o] = w[row + i]!;
  }
  return out;
}

function buildLink(
  ar: NetworkArith,
  all: StageInfo[],
  mapping: Mapping,
  m: number,
  sopTables: boolean,
): LayerLink {
  const none = { w: new Float32Array(0), wq: new Float64Array(0) };
  const from = mapping.stages[m]!;
  const to = mapping.stages[m + 1]!;
  const emit = all[from.emitStage]!;
  const target = all[to.stage]!;
  const layer = target.layer!;
  const la = ar.layers[to.stage - 1]!;
  const base = {
    srcMap: m,
    dstMap: m + 1,
    emitStage: from.emitStage,
    targetStage: to.stage,
    outC: target.shape.c,
    outH: target.shape.h,
    outW: target.shape.w,
  };
  if (layer.kind === 'dense') {
    const nIn = emit.size;
    const dst = Int32Array.from(to.cores.map((c) => c.id));
    return {
      ...base,
      kind: 'dense',
      inC: nIn,
      inH: 1,
      inW: 1,
      kernel: 1,
      stride: 1,
      padding: 0,
      ...(sopTables
        ? {
            w: transposeDense(la.weights, layer.units, nIn),
            wq: transposeDense(la.wAcc, layer.units, nIn),
          }
        : none),
      rowDst: [dst],
      rowDstNodes: [to.cores.map((c) => c.node)],
      colHasTargets: new Uint8Array(1).fill(1),
      rowLo: new Int32Array(1),
      rowHi: new Int32Array(1),
      colLo: new Int32Array(1),
      colHi: new Int32Array(1),
    };
  }
  if (layer.kind !== 'conv') throw new Error(`stage ${to.stage} is not a weighted layer`);
  const { kernel: k, stride, padding } = layer;
  const { c: inC, h: inH, w: inW } = emit.shape;
  const rowDst: Int32Array[] = [];
  const rowDstNodes: number[][] = [];
  const rowLo = new Int32Array(inH);
  const rowHi = new Int32Array(inH);
  const colLo = new Int32Array(inW);
  const colHi = new Int32Array(inW);
  for (let y = 0; y < inH; y++) {
    const [lo, hi] = convTargetRange(y, k, stride, padding, target.shape.h);
    rowLo[y] = lo;
    rowHi[y] = hi;
    const cores = to.cores.filter((c) => lo <= hi && c.rowStart <= hi && c.rowEnd - 1 >= lo);
    rowDst.push(Int32Array.from(cores.map((c) => c.id)));
    rowDstNodes.push(cores.map((c) => c.node));
  }
  const colHasTargets = new Uint8Array(inW);
  for (let x = 0; x < inW; x++) {
    const [lo, hi] = convTargetRange(x, k, stride, padding, target.shape.w);
    colHasTargets[x] = lo <= hi ? 1 : 0;
    colLo[x] = lo;
    colHi[x] = hi;
  }
  return {
    ...base,
    kind: 'conv',
    inC,
    inH,
    inW,
    kernel: k,
    stride,
    padding,
    ...(sopTables
      ? {
          w: reorderConv(la.weights, layer.outChannels, inC, k * k),
          wq: reorderConv(la.wAcc, layer.outChannels, inC, k * k),
        }
      : none),
    rowDst,
    rowDstNodes,
    colHasTargets,
    rowLo,
    rowHi,
    colLo,
    colHi,
  };
}

/** Neurons of `stage` held by each core, from the mapping's lookup (CHW order). */
function neuronsByCore(lookup: Int32Array, coresUsed: number): Int32Array[] {
  const counts = new Int32Array(coresUsed);
  for (let i = 0; i < lookup.length; i++) if (lookup[i]! >= 0) counts[lookup[i]!]++;
  const out = Array.from(counts, (n) => new Int32Array(n));
  counts.fill(0);
  for (let i = 0; i < lookup.length; i++) {
    const c = lookup[i]!;
    if (c >= 0) out[c]![counts[c]!++] = i;
  }
  return out;
}

/**
 * Builds the connectivity of `net` on `mapping`. `net` must be the network that is simulated
 * (after weight quantization), `ar` its arithmetic in the run's time mode (default: exact time).
 * `sopTables` false leaves the links' `w` and `wq` empty (the integer SOP path has its own).
 */
export function buildConnectivity(
  net: Network,
  all: StageInfo[],
  mapping: Mapping,
  ar: NetworkArith = networkArith(net, null),
  sopTables = true,
): Connectivity {
  const n = mapping.coresUsed;
  const links: LayerLink[] = [];
  for (let m = 0; m + 1 < mapping.stages.length; m++) {
    links.push(buildLink(ar, all, mapping, m, sopTables));
  }
  const byStage = new Map<number, Int32Array[]>();
  const lists = (stage: number) => {
    let l = byStage.get(stage);
    if (l === undefined) {
      l = neuronsByCore(mapping.coreOfNeuron[stage]!, n);
      byStage.set(stage, l);
    }
    return l;
  };
  const mapOfCore = new Int32Array(n);
  const cores: SimCore[] = [];
  mapping.stages.forEach((sm, m) => {
    // The bias of an on-chip weighted layer (a direct encoding's host conv adds its own).
    const bias = m > 0 ? layerBias(net, sm.stage - 1) : null;
    const biasAcc = bias === null ? null : ar.layers[sm.stage - 1]!.bAcc;
    for (const c of sm.cores) {
      mapOfCore[c.id] = m;
      cores[c.id] = {
        id: c.id,
        mapIdx: m,
        stage: sm.stage,
        node: c.node,
        channelStart: c.channelStart,
        channelEnd: c.channelEnd,
        rowStart: c.rowStart,
        rowEnd: c.rowEnd,
        neurons: c.neurons,
        hostedNeurons: sm.hosted.map((s) => lists(s)[c.id]!),
        emitNeurons: lists(sm.emitStage)[c.id]!,
        markerDst: new Int32Array(0),
        needMarkers: 0,
        biasAcc,
        biasSops:
          bias === null
            ? 0
            : biasSopCount(
                bias.subarray(c.channelStart, c.channelEnd),
                (c.rowEnd - c.rowStart) * sm.shape.w,
              ),
      };
    }
  });
  // Marker destinations: every core that holds a target of one of this core's emitted neurons.
  const mark = new Uint8Array(n);
  const hasUpstream = new Uint8Array(n);
  for (const link of links) {
    for (const core of mapping.stages[link.srcMap]!.cores) {
      const sc = cores[core.id]!;
      const hit: number[] = [];
      for (const j of sc.emitNeurons) {
        const x = j % link.inW;
        if (!link.colHasTargets[x]) continue;
        const y = Math.floor(j / link.inW) % link.inH;
        for (const d of link.rowDst[y]!) {
          if (!mark[d]) {
            mark[d] = 1;
            hit.push(d);
          }
        }
      }
      for (const d of hit) {
        mark[d] = 0;
        hasUpstream[d] = 1;
      }
      sc.markerDst = Int32Array.from(hit.sort((a, b) => a - b));
    }
  }
  // A core no spike can reach (its neurons read only padding) still needs its layer's timing:
  // it waits for the marker of every core of the previous mapped stage.
  for (const link of links) {
    const srcCores = mapping.stages[link.srcMap]!.cores;
    for (const core of mapping.stages[link.dstMap]!.cores) {
      if (hasUpstream[core.id]) continue;
      for (const u of srcCores) {
        const sc = cores[u.id]!;
        sc.markerDst = Int32Array.from([...sc.markerDst, core.id].sort((a, b) => a - b));
      }
    }
  }
  for (const sc of cores) for (const d of sc.markerDst) cores[d]!.needMarkers++;
  return { cores, links, mapOfCore, coreOfNode: mapping.coreOfNode };
}
