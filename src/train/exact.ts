/**
 * A fast forward pass with exactly the reference's arithmetic (src/snn/reference.ts), for
 * measuring a trained network on a whole test set. The numbers come from the same table as the
 * reference's and the simulator's (src/snn/arith.ts): float weights in fixed point (every term
 * `w * tau`, every `w` and every bias `b` rounded to the `2^-32` grid with ties to even), or, for
 * a quantized network (`net.levels`), the integer levels and the exact comparisons with the
 * layer's scale (src/snn/levels.ts); the reference's encoding (on the tick grid for levels in
 * exact time), quantized time (`stepsPerWindow`) and readout. A bias is a spike at `tau = 1` of
 * the input window: its term goes to `A` and `W` (SPEC section 3); the host conv of a `direct`
 * encoding adds `b` to its real sum. Integer sums do not depend on their order, so the
 * event-style scatter used here (only spiking inputs, channel-last) gives the reference's result
 * bit for bit; `measure.ts` spreads it over worker threads. Tested against `referenceForward`.
 */
import { type NetworkArith, type NeuronEval, networkArith, onGrid } from '../snn/arith.js';
import { encodeDirect, encodeInput } from '../snn/encoding.js';
import {
  layerBias,
  type Network,
  paperNeuronCount,
  type StageInfo,
  stages,
} from '../snn/network.js';
import { ROUND_MAGIC } from '../snn/neuron.js';
import { decide } from '../snn/reference.js';

// Imported bindings become getters when transpiled to CommonJS: read them once, not per term.
const MAGIC = ROUND_MAGIC;

export interface ExactStats {
  frames: number;
  correct: number;
  /** Spikes of weighted layers (paper count), summed over frames. */
  spikes: number;
}

interface LayerData {
  /** Conv: `[ic, ky, kx, oc]`; dense: `[units, in]` (as stored): weights or integer levels. */
  w: Float32Array;
  /** Their terms of `W` (arith.ts), same layout. */
  wAcc: Float64Array;
  /** Real biases per output channel (the host conv's), or null. */
  b: Float32Array | null;
  /** The bias spike's terms (arith.ts), or null. */
  bAcc: Float64Array | null;
  /** The float32 weights `[ic, ky, kx, oc]` of a `direct` encoding's host conv, else null. */
  host: Float32Array | null;
  neuron: NeuronEval;
}

/** Conv weights `[oc, rest]` -> `[rest, oc]` (channel-last). */
function channelLast<T extends Float32Array | Float64Array>(w: T, OC: number): T {
  const inner = w.length / OC;
  const t = new (w.constructor as { new (n: number): T })(w.length);
  for (let oc = 0; oc < OC; oc++)
    for (let r = 0; r < inner; r++) t[r * OC + oc] = w[oc * inner + r]!;
  return t;
}

export class ExactForward {
  private readonly st: StageInfo[];
  private readonly data: (LayerData | null)[];
  private readonly neurons: number;
  private readonly ar: NetworkArith;

  constructor(
    readonly net: Network,
    readonly stepsPerWindow: number | null,
  ) {
    this.st = stages(net.arch);
    this.neurons = paperNeuronCount(net.arch);
    const ar = networkArith(net, stepsPerWindow);
    this.ar = ar;
    this.data = net.arch.layers.map((layer, i) => {
      const la = ar.layers[i];
      if (!la) return null;
      const b = layerBias(net, i);
      const base = { b, bAcc: la.bAcc, neuron: la.neuron };
      if (layer.kind === 'dense') return { ...base, w: la.weights, wAcc: la.wAcc, host: null };
      if (layer.kind !== 'conv') return null;
      const OC = layer.outChannels;
      const direct = i === 0 && net.arch.encoding.kind === 'direct';
      return {
        ...base,
        w: channelLast(la.weights, OC),
        wAcc: channelLast(la.wAcc, OC),
        host: direct ? channelLast(net.weights[i]!, OC) : null,
      };
    });
  }

  /**
   * One frame: the decision and the weighted spikes (reference semantics). With `taus`, the
   * `tau` array of every weighted layer after the input (and of the encoded input) is pushed to
   * it, for tests.
   */
  frame(input: ArrayLike<number>, taus?: Float64Array[]): { decision: number; spikes: number } {
    const { arch } = this.net;
    const st = this.st;
    const steps = this.stepsPerWindow;
    const ticks = this.ar.gridTicks;
    const last = st.length - 1;
    let tau: Float64Array;
    let first = 0;
    if (arch.encoding.kind === 'pixel') {
      tau = onGrid(encodeInput(input, arch.encoding.maxValue, steps), ticks);
    } else {
      tau = onGrid(encodeDirect(this.conv(0, Float64Array.from(input), true).a, steps), ticks);
      first = 1;
    }
    taus?.push(tau);
    let spikes = 0;
    let membrane = new Float64Array(0);
    if (first === 1) spikes += countNonzero(tau);
    for (let i = first; i <= last - 1; i++) {
      const layer = arch.layers[i]!;
      if (layer.kind === 'flatten') continue;
      if (layer.kind === 'pool') {
        tau = pool(tau, st[i]!, st[i + 1]!, layer.size, layer.stride);
        continue;
      }
      const { a, w } = layer.kind === 'conv' ? this.conv(i, tau, false) : this.dense(i, tau);
      const out = new Float64Array(a.length);
      const isOutput = i === last - 1;
      const neuron = this.data[i]!.neuron;
      if (isOutput) {
        membrane = new Float64Array(a.length);
        for (let k = 0; k < a.length; k++) membrane[k] = neuron.membrane(a[k]!, w[k]!);
      }
      if (!(isOutput && arch.readout === 'membrane')) {
        for (let k = 0; k < a.length; k++) out[k] = neuron.tau(a[k]!, w[k]!);
        spikes += countNonzero(out);
      }
      tau = out;
      taus?.push(tau);
    }
    return { decision: decide(arch.readout, tau, membrane), spikes };
  }

  /** Frames `[start, start + count)` of a frame-major input array. */
  batch(
    images: ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> },
    labels: ArrayLike<number>,
    start: number,
    count: number,
  ): ExactStats {
    const size = this.st[0]!.size;
    let correct = 0;
    let spikes = 0;
    for (let f = start; f < start + count; f++) {
      const r = this.frame(images.subarray(f * size, (f + 1) * size));
      if (r.decision === labels[f]) correct++;
      spikes += r.spikes;
    }
    return { frames: count, correct, spikes };
  }

  /** The paper's neuron count (sparsity = spikes / frames / neurons). */
  get neuronCount(): number {
    return this.neurons;
  }

  /**
   * Convolution of layer `i`: fixed-point `A`, `W` over the nonzero inputs, or with `analog`
   * the host-side real sum (direct encoding) in the reference's order, in `a`.
   */
  private conv(
    i: number,
    tin: Float64Array,
    analog: boolean,
  ): { a: Float64Array; w: Float64Array } {
    const layer = this.net.arch.layers[i]!;
    if (layer.kind !== 'conv') throw new Error('not a conv layer');
    const { w: wL, wAcc, b, bAcc, host } = this.data[i]!;
    const wT = analog ? host! : wL;
    const G = this.ar.tauScale;
    const { kernel: k, stride: s, padding: p } = layer;
    const { c: IC, h: IH, w: IW } = this.st[i]!.shape;
    const { c: OC, h: OH, w: OW } = this.st[i + 1]!.shape;
    const sa = new Float64Array(OC * OH * OW);
    const sw = new Float64Array(OC * OH * OW);
    for (let ic = 0; ic < IC; ic++) {
      for (let iy = 0; iy < IH; iy++) {
        for (let ix = 0; ix < IW; ix++) {
          const t = tin[(ic * IH + iy) * IW + ix]!;
          if (t === 0) continue;
          for (let ky = 0; ky < k; ky++) {
            const ny = iy + p - ky;
            if (ny < 0) break;
            if (ny % s !== 0 || ny / s >= OH) continue;
            for (let kx = 0; kx < k; kx++) {
              const nx = ix + p - kx;
              if (nx < 0) break;
              if (nx % s !== 0 || nx / s >= OW) continue;
              const o = ((ny / s) * OW + nx / s) * OC;
              const wi = ((ic * k + ky) * k + kx) * OC;
              if (analog) {
                for (let oc = 0; oc < OC; oc++) sa[o + oc]! += wT[wi + oc]! * t;
              } else {
                for (let oc = 0; oc < OC; oc++) {
                  sa[o + oc]! += wT[wi + oc]! * t * G + MAGIC - MAGIC; // round(w tau G)
                  sw[o + oc]! += wAcc[wi + oc]!;
                }
              }
            }
          }
        }
      }
    }
    const hw = OH * OW;
    const a = new Float64Array(OC * hw);
    const w = new Float64Array(OC * hw);
    for (let pos = 0; pos < hw; pos++) {
      for (let oc = 0; oc < OC; oc++) {
        a[oc * hw + pos] = sa[pos * OC + oc]!;
        w[oc * hw + pos] = sw[pos * OC + oc]!;
      }
    }
    // The bias: plain `+ b` after the real sum (host conv), else the bias spike's terms.
    if (analog && b !== null) {
      for (let oc = 0; oc < OC; oc++) for (let q = oc * hw; q < (oc + 1) * hw; q++) a[q]! += b[oc]!;
    } else if (!analog && bAcc !== null) {
      addBias(a, w, bAcc, hw);
    }
    return { a, w };
  }

  /** Dense layer `i`: fixed-point `A`, `W` over the nonzero inputs. */
  private dense(i: number, tin: Float64Array): { a: Float64Array; w: Float64Array } {
    const layer = this.net.arch.layers[i]!;
    if (layer.kind !== 'dense') throw new Error('not a dense layer');
    const { w: wt, wAcc, bAcc } = this.data[i]!;
    const G = this.ar.tauScale;
    const nIn = tin.length;
    const idx: number[] = [];
    for (let j = 0; j < nIn; j++) if (tin[j] !== 0) idx.push(j);
    const a = new Float64Array(layer.units);
    const w = new Float64Array(layer.units);
    for (let o = 0; o < layer.units; o++) {
      const row = o * nIn;
      let sa = 0;
      let sw = 0;
      for (const j of idx) {
        sa += wt[row + j]! * tin[j]! * G + MAGIC - MAGIC; // round(w tau G)
        sw += wAcc[row + j]!;
      }
      a[o] = sa;
      w[o] = sw;
    }
    if (bAcc !== null) addBias(a, w, bAcc, 1);
    return { a, w };
  }
}

/** The bias spikes: the term `bAcc[c]` added to `A` and `W` of each of the `plane` neurons of a channel. */
function addBias(a: Float64Array, w: Float64Array, bAcc: Float64Array, plane: number): void {
  for (let c = 0; c < bAcc.length; c++) {
    const b = bAcc[c]!;
    for (let q = c * plane; q < (c + 1) * plane; q++) {
      a[q]! += b;
      w[q]! += b;
    }
  }
}

function countNonzero(x: Float64Array): number {
  let n = 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== 0) n++;
  return n;
}

function pool(tin: Float64Array, si: StageInfo, so: StageInfo, size: number, stride: number) {
  const { h: IH, w: IW } = si.shape;
  const { c: C, h: OH, w: OW } = so.shape;
  const out = new Float64Array(C * OH * OW);
  for (let c = 0; c < C; c++)
    for (let oy = 0; oy < OH; oy++)
      for (let ox = 0; ox < OW; ox++) {
        let best = 0;
        for (let py = 0; py < size; py++)
          for (let px = 0; px < size; px++) {
            const t = tin[(c * IH + oy * stride + py) * IW + ox * stride + px]!;
            if (t > best) best = t;
          }
        out[(c * OH + oy) * OW + ox] = best;
      }
  return out;
}
