import { type NetworkArith, networkArith, onGrid } from './arith.js';
import { encodeDirect, encodeInput } from './encoding.js';
import { addBiasAcc, convAccumulate, convAnalog, denseAccumulate, maxPoolTau } from './layers.js';
import { layerBias, type Network, paperNeuronCount, type StageInfo, stages } from './network.js';

/**
 * The dense reference forward pass: every layer computed whole, in index order, from the closed
 * form (neuron.ts). It is the oracle the event-driven simulator and the trainer are checked
 * against, so it stays simple.
 */

export interface ForwardOptions {
  /** Steps per window for quantized time; null or 0 for exact continuous time. */
  stepsPerWindow?: number | null;
}

export interface FrameResult {
  /**
   * `tau` of every stage (index = stage, see network.ts), 0 where silent. With `direct`
   * encoding stage 0 is the raw image (not spikes) and stage 1 the encoded first conv.
   */
  tau: Float64Array[];
  /** Spikes per stage (0 for the raw image stage of `direct` encoding). */
  spikes: number[];
  /** Output-layer membrane `V = A + W` at the window end (real units). */
  outputMembrane: Float64Array;
  /** The predicted class, or -1 when there is none (every output silent, first-spike readout). */
  decision: number;
  /** Spikes of weighted stages (the paper's count, pooling and encoding excluded). */
  weightedSpikes: number;
  /** weightedSpikes / paperNeuronCount: the paper's sparsity of this frame. */
  sparsity: number;
}

/**
 * Per-network data computed once: the stage table, and per time mode the weights, biases and
 * neurons on the accumulator grid (arith.ts: float weights, or integer levels when the network
 * is quantized).
 */
export interface PreparedNetwork {
  net: Network;
  stages: StageInfo[];
  neurons: number;
  /** The network's arithmetic in a time mode (steps per window, or null: exact time), cached. */
  arith(stepsPerWindow: number | null): NetworkArith;
}

export function prepareNetwork(net: Network): PreparedNetwork {
  const cache = new Map<number | null, NetworkArith>();
  return {
    net,
    stages: stages(net.arch),
    neurons: paperNeuronCount(net.arch),
    arith(steps) {
      let a = cache.get(steps);
      if (a === undefined) {
        a = networkArith(net, steps);
        cache.set(steps, a);
      }
      return a;
    },
  };
}

/**
 * Class decision (SPEC section 3). `first-spike`: the output that fires first (largest tau),
 * ties to the lower index, -1 if all are silent. `membrane`: the largest `V = A + W` at the end
 * of the output window, ties to the lower index.
 */
export function decide(
  readout: 'first-spike' | 'membrane',
  outTau: Float64Array,
  membrane: Float64Array,
): number {
  let best = -1;
  if (readout === 'first-spike') {
    let bestTau = 0;
    for (let i = 0; i < outTau.length; i++) {
      if (outTau[i]! > bestTau) {
        bestTau = outTau[i]!;
        best = i;
      }
    }
    return best;
  }
  let bestV = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < membrane.length; i++) {
    if (membrane[i]! > bestV) {
      bestV = membrane[i]!;
      best = i;
    }
  }
  return best;
}

function countSpikes(tau: Float64Array): number {
  let n = 0;
  for (let i = 0; i < tau.length; i++) if (tau[i]! > 0) n++;
  return n;
}

/**
 * What the host hands to the chip for one frame (SPEC section 3), as the `tau` of the first
 * stages: pixel encoding, stage 0 (Eq. 1 on the step grid of `steps`); `direct` encoding, stage
 * 0 holds the input values themselves and stage 1 the first convolution computed in analog form
 * on the host, clamped to `[0, 1]` and encoded. Spike times on the arithmetic's grid (`onGrid`).
 * The reference and the simulator both start a frame from this.
 */
export function hostEncode(
  net: Network,
  st: readonly StageInfo[],
  input: ArrayLike<number>,
  steps: number | null,
  gridTicks: number | null,
): Float64Array[] {
  const enc = net.arch.encoding;
  if (enc.kind === 'pixel') return [onGrid(encodeInput(input, enc.maxValue, steps), gridTicks)];
  const layer = net.arch.layers[0];
  if (layer?.kind !== 'conv') throw new Error('direct encoding needs a conv first layer');
  const analog = convAnalog(
    input,
    st[0]!.shape,
    layer,
    net.weights[0]!,
    st[1]!.shape,
    layerBias(net, 0),
  );
  return [Float64Array.from(input), onGrid(encodeDirect(analog, steps), gridTicks)];
}

/**
 * One frame through the whole network. `input` holds the raw input values (CHW): pixel values
 * for `pixel` encoding, the host-side input of the first conv for `direct`.
 *
 * With the `membrane` readout the output neurons integrate but do not fire: their stage has no
 * spikes and the decision reads `V = A + W` at the end of the output window.
 */
export function referenceForward(
  prep: PreparedNetwork,
  input: ArrayLike<number>,
  options: ForwardOptions = {},
): FrameResult {
  const { net, stages: st } = prep;
  const { arch } = net;
  const steps = options.stepsPerWindow || null;
  const ar = prep.arith(steps);
  const last = st.length - 1;
  const tau: Float64Array[] = [];
  const spikes: number[] = [];
  let outputMembrane = new Float64Array(0);
  tau.push(...hostEncode(net, st, input, steps, ar.gridTicks));
  const first = tau.length;

  for (let s = first; s <= last; s++) {
    const layer = arch.layers[s - 1]!;
    const inShape = st[s - 1]!.shape;
    const outShape = st[s]!.shape;
    const tin = tau[s - 1]!;
    let out: Float64Array;
    if (layer.kind === 'pool') {
      out = maxPoolTau(tin, inShape, layer.size, layer.stride, outShape);
    } else if (layer.kind === 'flatten') {
      out = tin;
    } else {
      const la = ar.layers[s - 1]!;
      const g = ar.tauScale;
      const acc =
        layer.kind === 'conv'
          ? convAccumulate(tin, inShape, layer, la.weights, la.wAcc, outShape, g)
          : denseAccumulate(tin, layer.units, la.weights, la.wAcc, g);
      // The bias spike (tau = 1 of the input window): A = sum w tau + b, W = sum w + b.
      if (la.bAcc) addBiasAcc(acc, la.bAcc, outShape.h * outShape.w);
      out = new Float64Array(acc.aAcc.length);
      const isOutput = s === last;
      const neuron = la.neuron;
      if (isOutput) {
        outputMembrane = new Float64Array(acc.aAcc.length);
        for (let i = 0; i < out.length; i++) {
          outputMembrane[i] = neuron.membrane(acc.aAcc[i]!, acc.wAcc[i]!);
        }
      }
      if (!(isOutput && arch.readout === 'membrane')) {
        for (let i = 0; i < out.length; i++) out[i] = neuron.tau(acc.aAcc[i]!, acc.wAcc[i]!);
      }
    }
    tau.push(out);
  }
  for (let s = 0; s <= last; s++) {
    spikes.push(s === 0 && arch.encoding.kind === 'direct' ? 0 : countSpikes(tau[s]!));
  }
  let weightedSpikes = 0;
  for (let s = 1; s <= last; s++) if (st[s]!.weighted) weightedSpikes += spikes[s]!;
  const decision = decide(arch.readout, tau[last]!, outputMembrane);
  return {
    tau,
    spikes,
    outputMembrane,
    decision,
    weightedSpikes,
    sparsity: weightedSpikes / prep.neurons,
  };
}

export interface BatchSummary {
  frames: number;
  correct: number;
  accuracy: number;
  /** Mean of the per-frame sparsity. */
  sparsity: number;
  /** Mean spikes per stage. */
  spikesPerStage: number[];
  decisions: Int32Array;
}

/**
 * Runs `count` frames from a flat array of inputs (frame-major, each `frameSize` values) and
 * summarizes accuracy and sparsity against `labels`.
 */
export function referenceBatch(
  prep: PreparedNetwork,
  inputs: ArrayLike<number> & { subarray?: (a: number, b: number) => ArrayLike<number> },
  labels: ArrayLike<number>,
  count: number,
  options: ForwardOptions = {},
): BatchSummary {
  const frameSize = prep.stages[0]!.size;
  const decisions = new Int32Array(count);
  const spikeSums = new Array<number>(prep.stages.length).fill(0);
  let correct = 0;
  let sparsitySum = 0;
  for (let f = 0; f < count; f++) {
    const x =
      typeof inputs.subarray === 'function'
        ? inputs.subarray(f * frameSize, (f + 1) * frameSize)
        : Array.prototype.slice.call(inputs, f * frameSize, (f + 1) * frameSize);
    const r = referenceForward(prep, x, options);
    decisions[f] = r.decision;
    if (r.decision === labels[f]) correct++;
    sparsitySum += r.sparsity;
    r.spikes.forEach((n, i) => {
      spikeSums[i]! += n;
    });
  }
  return {
    frames: count,
    correct,
    accuracy: count > 0 ? correct / count : 0,
    sparsity: count > 0 ? sparsitySum / count : 0,
    spikesPerStage: spikeSums.map((s) => s / Math.max(1, count)),
    decisions,
  };
}
