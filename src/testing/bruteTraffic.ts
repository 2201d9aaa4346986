import { xyHops } from '../hardware/noc/network.js';
import type { Mapping } from '../mapping/types.js';
import type { Architecture, Network, StageInfo } from '../snn/network.js';
import { layerBias, stages } from '../snn/network.js';

/**
 * Brute-force traffic of one frame from the reference's tau arrays, independent of the
 * simulator's connectivity tables: every (input, output, kernel position) triple of every
 * on-chip weighted layer is enumerated, so fan-outs and destination cores come straight from
 * the definition of the layer.
 */
export interface BruteTraffic {
  /** Spike SOPs plus bias SOPs. */
  sops: number;
  /** One per on-chip neuron whose bias is not zero (a direct encoding's host conv has none). */
  biasSops: number;
  /** Unicast: one packet per spike and destination core. */
  packets: number;
  /** Sum of XY Manhattan distances of those packets. */
  hops: number;
}

/** For each input neuron of layer stage `t`, the target output neurons (padding excluded). */
function targetsOf(arch: Architecture, all: StageInfo[], t: number): number[][] {
  const layer = arch.layers[t - 1]!;
  const inS = all[t - 1]!.shape;
  const outS = all[t]!.shape;
  const nIn = inS.c * inS.h * inS.w;
  const out: number[][] = Array.from({ length: nIn }, () => []);
  if (layer.kind === 'dense') {
    for (let i = 0; i < nIn; i++) for (let o = 0; o < layer.units; o++) out[i]!.push(o);
    return out;
  }
  if (layer.kind !== 'conv') throw new Error('not weighted');
  const { kernel: k, stride, padding } = layer;
  for (let oc = 0; oc < outS.c; oc++)
    for (let oy = 0; oy < outS.h; oy++)
      for (let ox = 0; ox < outS.w; ox++)
        for (let ic = 0; ic < inS.c; ic++)
          for (let ky = 0; ky < k; ky++)
            for (let kx = 0; kx < k; kx++) {
              const iy = oy * stride + ky - padding;
              const ix = ox * stride + kx - padding;
              if (iy < 0 || iy >= inS.h || ix < 0 || ix >= inS.w) continue;
              out[(ic * inS.h + iy) * inS.w + ix]!.push((oc * outS.h + oy) * outS.w + ox);
            }
  return out;
}

/** `net`: the simulated network (its biases count), or an architecture alone (no biases). */
export function bruteTraffic(
  net: Network | Architecture,
  mapping: Mapping,
  tau: Float64Array[],
): BruteTraffic {
  const arch = 'arch' in net ? net.arch : net;
  const all = stages(arch);
  const first = arch.encoding.kind === 'direct' ? 2 : 1;
  let sops = 0;
  let biasSops = 0;
  let packets = 0;
  let hops = 0;
  for (let t = first; t < all.length; t++) {
    if (!all[t]!.weighted) continue;
    const bias = 'arch' in net ? layerBias(net, t - 1) : null;
    const plane = all[t]!.shape.h * all[t]!.shape.w;
    for (let c = 0; bias !== null && c < bias.length; c++) if (bias[c] !== 0) biasSops += plane;
    const targets = targetsOf(arch, all, t);
    const srcLookup = mapping.coreOfNeuron[t - 1]!;
    const dstLookup = mapping.coreOfNeuron[t]!;
    const tin = tau[t - 1]!;
    for (let j = 0; j < tin.length; j++) {
      if (!(tin[j]! > 0)) continue;
      sops += targets[j]!.length;
      const src = mapping.nodeOfCore[srcLookup[j]!]!;
      const dsts = new Set(targets[j]!.map((o) => dstLookup[o]!));
      for (const d of dsts) {
        packets++;
        hops += xyHops(src, mapping.nodeOfCore[d]!, mapping.meshWidth);
      }
    }
  }
  return { sops: sops + biasSops, biasSops, packets, hops };
}
