import { idealHopNs } from '../hardware/noc/params.js';
import type { Mapping, StageMapping } from '../mapping/types.js';
import { biasSopCount, convTargetRange } from '../snn/layers.js';
import { layerBias, type StageInfo, stages as stageInfos } from '../snn/network.js';
import { quantizeNetwork } from '../snn/quantize.js';
import { prepareNetwork, referenceForward } from '../snn/reference.js';
import type { Engine, EngineFrame, EngineNoc, EngineRunResult } from './engine.js';

/**
 * An engine without an event queue: the spikes come from the dense reference forward pass (the
 * oracle the event-driven simulator equals spike for spike), and the counts from the mapping:
 *
 * - a spike of neuron `i` of an emitting stage costs one SOP per target neuron (its fan-out,
 *   SPEC section 5) and one unicast packet per core that holds at least one target;
 * - a neuron with a non-zero bias costs one bias SOP per frame on its own core, no packet;
 * - a packet from core `a` to core `b` travels `|dx| + |dy|` links (XY routing);
 * - every core of a mapped stage sends one end-of-window marker (a control packet) to every core
 *   of the next mapped stage.
 *
 * Timing is that of an ideal chip (no contention, no core busy time): the decision comes when
 * the first output spike fires (first-spike readout) or at the end of the output window
 * (membrane readout, or no output spike), and frames pipeline at one frame per window. The
 * detailed timing of cores and routers is the event-driven simulator's job (`src/sim`); this
 * engine exists to check its counts and to keep the run pipeline testable on its own.
 */

/** Per emitting stage, in CSR form: for neuron `i`, entries `off[i] .. off[i+1]-1`. */
interface FanOut {
  /** Mapped stage index (into `mapping.stages`) of the sender. */
  from: number;
  emitStage: number;
  /** Stage whose neurons the targets are. */
  toStage: number;
  off: Int32Array;
  dstCore: Int32Array;
  sops: Float64Array;
  hops: Int32Array;
  srcCore: Int32Array;
}

function manhattan(a: number, b: number, w: number): number {
  return Math.abs((a % w) - (b % w)) + Math.abs(Math.floor(a / w) - Math.floor(b / w));
}

function buildFanOut(
  all: StageInfo[],
  mapping: Mapping,
  fromIdx: number,
  to: StageMapping,
): FanOut {
  const from = mapping.stages[fromIdx]!;
  const emit = all[from.emitStage]!;
  const layer = all[to.stage]!.layer!;
  const { c, h, w } = emit.shape;
  const n = emit.size;
  const lookup = mapping.coreOfNeuron[from.emitStage]!;
  const off = new Int32Array(n + 1);
  const dst: number[] = [];
  const sops: number[] = [];
  const hops: number[] = [];
  for (let ch = 0; ch < c; ch++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = (ch * h + y) * w + x;
        off[i] = dst.length;
        const src = lookup[i]!;
        let rows: [number, number] = [0, to.shape.h - 1];
        let cols = 1;
        if (layer.kind === 'conv') {
          rows = convTargetRange(y, layer.kernel, layer.stride, layer.padding, to.shape.h);
          const [c0, c1] = convTargetRange(
            x,
            layer.kernel,
            layer.stride,
            layer.padding,
            to.shape.w,
          );
          cols = Math.max(0, c1 - c0 + 1);
        }
        if (cols === 0 || rows[0] > rows[1]) continue;
        for (const core of to.cores) {
          let count: number;
          if (layer.kind === 'conv') {
            const r0 = Math.max(rows[0], core.rowStart);
            const r1 = Math.min(rows[1], core.rowEnd - 1);
            if (r0 > r1) continue;
            count = (core.channelEnd - core.channelStart) * (r1 - r0 + 1) * cols;
          } else {
            count = core.neurons;
          }
          dst.push(core.id);
          sops.push(count);
          hops.push(
            manhattan(mapping.nodeOfCore[src]!, mapping.nodeOfCore[core.id]!, mapping.meshWidth),
          );
        }
      }
    }
  }
  off[n] = dst.length;
  return {
    from: fromIdx,
    emitStage: from.emitStage,
    toStage: to.stage,
    off,
    dstCore: Int32Array.from(dst),
    sops: Float64Array.from(sops),
    hops: Int32Array.from(hops),
    srcCore: lookup,
  };
}

/** XY route links of a packet from node `a` to node `b`: [from, to] node pairs, and ports. */
function xyLinks(a: number, b: number, w: number): { from: number; to: number; port: number }[] {
  const out: { from: number; to: number; port: number }[] = [];
  let x = a % w;
  let y = Math.floor(a / w);
  const bx = b % w;
  const by = Math.floor(b / w);
  while (x !== bx) {
    const nx = x + (bx > x ? 1 : -1);
    out.push({ from: y * w + x, to: y * w + nx, port: bx > x ? 1 : 3 });
    x = nx;
  }
  while (y !== by) {
    const ny = y + (by > y ? 1 : -1);
    out.push({ from: y * w + x, to: ny * w + x, port: by > y ? 2 : 0 });
    y = ny;
  }
  return out;
}

export const referenceEngine: Engine = (input, onFrame): EngineRunResult => {
  const { mapping, config } = input;
  const network = quantizeNetwork(input.network, input.weightBits);
  const prep = prepareNetwork(network);
  const all = stageInfos(network.arch);
  const last = all.length - 1;
  const fan: FanOut[] = [];
  for (let i = 0; i + 1 < mapping.stages.length; i++) {
    fan.push(buildFanOut(all, mapping, i, mapping.stages[i + 1]!));
  }
  // Control packets: every core of a mapped stage -> every core of the next one.
  let controlPackets = 0;
  let controlHops = 0;
  const pairPackets = new Map<number, number>();
  const nCores = mapping.coresUsed;
  const addPair = (a: number, b: number, k: number) => {
    const key = a * nCores + b;
    pairPackets.set(key, (pairPackets.get(key) ?? 0) + k);
  };
  for (let i = 0; i + 1 < mapping.stages.length; i++) {
    for (const a of mapping.stages[i]!.cores) {
      for (const b of mapping.stages[i + 1]!.cores) {
        controlPackets++;
        controlHops += manhattan(a.node, b.node, mapping.meshWidth);
      }
    }
  }
  // Bias SOPs: the same every frame, on the cores of the on-chip weighted stages.
  const stageBias = new Array<number>(all.length).fill(0);
  const coreBias = new Float64Array(nCores);
  for (let i = 1; i < mapping.stages.length; i++) {
    const sm = mapping.stages[i]!;
    const bias = layerBias(network, sm.stage - 1);
    if (bias === null) continue;
    for (const core of sm.cores) {
      const plane = (core.rowEnd - core.rowStart) * sm.shape.w;
      const k = biasSopCount(bias.subarray(core.channelStart, core.channelEnd), plane);
      coreBias[core.id] = k;
      stageBias[sm.stage]! += k;
    }
  }
  const n = config.timing.stepsPerWindow;
  const stepNs = config.timing.stepNs;
  const outWindow = all[last]!.window;
  const hopNs = idealHopNs(config.noc);
  const hist = new Map<number, number>();
  let spikePacketsTotal = 0;
  let spikeHopsTotal = 0;
  const frameSize = all[0]!.size;
  for (let f = 0; f < input.count; f++) {
    const x = input.images.subarray(f * frameSize, (f + 1) * frameSize);
    const r = referenceForward(prep, x, { stepsPerWindow: input.stepsPerWindow });
    const stageSops = new Array<number>(all.length).fill(0);
    const stagePackets = new Array<number>(all.length).fill(0);
    const stageHops = new Array<number>(all.length).fill(0);
    const coreSops = Float64Array.from(coreBias);
    for (let s = 0; s < all.length; s++) stageSops[s] = stageBias[s]!;
    for (const fo of fan) {
      const tau = r.tau[fo.emitStage]!;
      const sender = mapping.stages[fo.from]!.stage;
      let sops = 0;
      let packets = 0;
      let hops = 0;
      for (let i = 0; i < tau.length; i++) {
        if (!(tau[i]! > 0)) continue;
        const src = fo.srcCore[i]!;
        for (let e = fo.off[i]!; e < fo.off[i + 1]!; e++) {
          const s = fo.sops[e]!;
          const d = fo.dstCore[e]!;
          sops += s;
          coreSops[d]! += s;
          packets++;
          hops += fo.hops[e]!;
          hist.set(fo.hops[e]!, (hist.get(fo.hops[e]!) ?? 0) + 1);
          addPair(src, d, 1);
        }
      }
      stageSops[fo.toStage]! += sops;
      stagePackets[sender] = packets;
      stageHops[sender] = hops;
      spikePacketsTotal += packets;
      spikeHopsTotal += hops;
    }
    let decisionWindows = outWindow + 1;
    if (network.arch.readout === 'first-spike' && r.decision >= 0) {
      decisionWindows = outWindow + 1 - r.tau[last]![r.decision]!;
    }
    // Quantized times are whole steps; remove the rounding noise of (l + 1 - tau) * n.
    const raw = decisionWindows * n;
    const latencySteps = Math.abs(raw - Math.round(raw)) < 1e-9 ? Math.round(raw) : raw;
    const frame: EngineFrame = {
      index: input.firstIndex + f,
      label: input.labels[f]!,
      decision: r.decision,
      tau: r.tau,
      stageSpikes: r.spikes,
      stageSops,
      stageBiasSops: stageBias,
      stagePackets,
      stageHops,
      controlPackets,
      controlHops,
      coreSops,
      latencySteps,
      latencyNs: latencySteps * stepNs,
    };
    onFrame(frame);
  }
  for (let i = 0; i + 1 < mapping.stages.length; i++) {
    for (const a of mapping.stages[i]!.cores)
      for (const b of mapping.stages[i + 1]!.cores) addPair(a.id, b.id, input.count);
  }
  return {
    framesPerSecond: 1e9 / (n * stepNs),
    engine: 'reference',
    notes: [
      'figures from the reference engine: spikes from the dense forward pass, counts from the mapping, ideal timing (no core busy time, no network contention)',
    ],
    noc: idealNocRecord(mapping, pairPackets, hist, hopNs, {
      packets: spikePacketsTotal + controlPackets * input.count,
      hops: spikeHopsTotal + controlHops * input.count,
      flits: config.noc.spikePacketFlits,
    }),
  };
};

function idealNocRecord(
  mapping: Mapping,
  pairPackets: Map<number, number>,
  hopHistogram: Map<number, number>,
  hopNs: number,
  totals: { packets: number; hops: number; flits: number },
): EngineNoc {
  const w = mapping.meshWidth;
  const nodes = w * mapping.meshHeight;
  const routerFlits = new Float64Array(nodes);
  const directionFlits: [number, number, number, number, number] = [0, 0, 0, 0, 0];
  const linkFlits: Record<string, number> = {};
  const n = mapping.coresUsed;
  const keys = [...pairPackets.keys()].sort((a, b) => a - b);
  for (const key of keys) {
    const k = pairPackets.get(key)! * totals.flits;
    const a = mapping.nodeOfCore[Math.floor(key / n)]!;
    const b = mapping.nodeOfCore[key % n]!;
    routerFlits[a]! += k;
    directionFlits[4] += k;
    for (const link of xyLinks(a, b, w)) {
      routerFlits[link.to]! += k;
      directionFlits[link.port]! += k;
      const name = `${link.from}->${link.to}`;
      linkFlits[name] = (linkFlits[name] ?? 0) + k;
    }
  }
  const sortedLinks: Record<string, number> = {};
  for (const name of Object.keys(linkFlits).sort()) sortedLinks[name] = linkFlits[name]!;
  // Spike packets only in the histogram (one bin per hop count).
  const maxHops = Math.max(0, ...hopHistogram.keys());
  const edgesNs: number[] = [];
  const counts: number[] = [];
  let total = 0;
  let sum = 0;
  for (let hcount = 0; hcount <= maxHops; hcount++) {
    edgesNs.push((hcount - 0.5) * hopNs);
    const c = hopHistogram.get(hcount) ?? 0;
    counts.push(c);
    total += c;
    sum += c * hcount * hopNs;
  }
  edgesNs.push((maxHops + 0.5) * hopNs);
  const quantile = (q: number) => {
    let acc = 0;
    for (let hcount = 0; hcount <= maxHops; hcount++) {
      acc += counts[hcount]!;
      if (acc >= q * total && total > 0) return hcount * hopNs;
    }
    return 0;
  };
  const mean = total > 0 ? sum / total : 0;
  return {
    kind: 'ideal',
    timing: 'ideal',
    packets: totals.packets,
    hops: totals.hops,
    flitHops: totals.hops * totals.flits,
    directionFlits,
    routerFlits,
    routerCongestion: new Float64Array(nodes),
    linkFlits: sortedLinks,
    latencyNs: {
      mean,
      p50: quantile(0.5),
      p99: quantile(0.99),
      max: maxHops * hopNs,
      zeroLoadMean: mean,
      congestionMean: 0,
    },
    latencyHistogram: { edgesNs, counts },
  };
}
