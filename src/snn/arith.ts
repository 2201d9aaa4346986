import { LevelNeuron } from './levels.js';
import { layerBias, type Network } from './network.js';
import { ACC_ONE, neuronTau, ROUND_MAGIC } from './neuron.js';

/**
 * How a network's numbers enter the membrane accumulators, in one place for the dense reference
 * (reference.ts), the event-driven simulator (src/sim/) and the trainer's evaluator
 * (src/train/exact.ts), so the three cannot disagree.
 *
 * A SOP of a spike `tau` on weight `x` adds `round(x * tau * tauScale)` to `a` and `wAcc[x]` to
 * `w` (ties to even); a bias adds `bAcc[c]` to both (a spike at `tau = 1`, SPEC section 3):
 *
 * - **float weights** (`weightBits` null): `x` is the float32 weight, `tauScale = 2^32`,
 *   `wAcc = toAcc(w)`, `bAcc = toAcc(b)`: fixed point on a `2^-32` grid (neuron.ts), the neuron is
 *   `neuronTau`.
 * - **integer levels** (a quantized network, `net.levels`): `x` is the level `q`,
 *   `tauScale = G` (`2^tickBits` in exact time, `n` with `n` steps per window), `wAcc = q G`,
 *   `bAcc = q_b G`; every `tau` is a multiple of `1 / G`, so every term is an exact integer and
 *   the rounding does nothing. The neuron is the layer's {@link LevelNeuron} (exact comparisons
 *   with the scale, levels.ts). The input encoding is put on the same grid ({@link onGrid}).
 */

/** A neuron evaluation: `tau` (0 silent) and the membrane `V = A + W` from the accumulators. */
export interface NeuronEval {
  tau(a: number, w: number): number;
  membrane(a: number, w: number): number;
}

/** Float weights: the fixed-point neuron of neuron.ts. */
class FloatNeuron implements NeuronEval {
  constructor(private readonly steps: number | null) {}
  tau(a: number, w: number): number {
    return neuronTau(a, w, this.steps);
  }
  membrane(a: number, w: number): number {
    return (a + w) / ACC_ONE;
  }
}

/** One weighted layer's numbers (PyTorch layout; callers reorder as their loops need). */
export interface LayerArith {
  /** What a SOP multiplies by `tau * tauScale`: the float32 weights, or the integer levels. */
  weights: Float32Array;
  /** The term a SOP adds to `w`, per weight (same index). */
  wAcc: Float64Array;
  /** The bias spike's term per output channel (added to `a` and `w`), or null without a bias. */
  bAcc: Float64Array | null;
  neuron: NeuronEval;
}

export interface NetworkArith {
  /** `G`: a spike `tau` counts as `tau * tauScale` accumulator units per unit of weight. */
  tauScale: number;
  /**
   * Integer levels in exact time: `tau` of the input encoding is rounded down to a multiple of
   * `1 / gridTicks` (the ticks, `2^tickBits`); null otherwise (float weights, or steps).
   */
  gridTicks: number | null;
  /** Per layer (null for pool and flatten). */
  layers: (LayerArith | null)[];
}

function termsOf(x: Float32Array, scale: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! * scale + ROUND_MAGIC - ROUND_MAGIC;
  return out;
}

/**
 * A layer's arithmetic whose `wAcc` table (8 bytes per weight: 120 MB for VGG16) is computed on
 * first use and kept: the integer SOP path of the simulator (src/sim/intSops.ts) never reads it.
 */
function lazyTerms(
  weights: Float32Array,
  scale: number,
  bAcc: Float64Array | null,
  neuron: NeuronEval,
): LayerArith {
  let wAcc: Float64Array | null = null;
  return {
    weights,
    get wAcc() {
      wAcc ??= termsOf(weights, scale);
      return wAcc;
    },
    bAcc,
    neuron,
  };
}

/** The arithmetic of `net` in a time mode (`stepsPerWindow` null or 0: exact time). */
export function networkArith(net: Network, stepsPerWindow: number | null): NetworkArith {
  const steps = stepsPerWindow || null;
  const lv = net.levels;
  if (lv === undefined) {
    const neuron = new FloatNeuron(steps);
    return {
      tauScale: ACC_ONE,
      gridTicks: null,
      layers: net.arch.layers.map((l, i) => {
        if (l.kind !== 'conv' && l.kind !== 'dense') return null;
        const weights = net.weights[i]!;
        const b = layerBias(net, i);
        return lazyTerms(weights, ACC_ONE, b === null ? null : termsOf(b, ACC_ONE), neuron);
      }),
    };
  }
  const G = steps ?? 2 ** lv.tickBits;
  return {
    tauScale: G,
    gridTicks: steps === null ? G : null,
    layers: lv.layers.map((l) =>
      l === null
        ? null
        : lazyTerms(
            l.weights,
            G,
            l.bias === null ? null : termsOf(l.bias, G),
            new LevelNeuron(l.scale, G, steps),
          ),
    ),
  };
}

/** `tau` rounded down to a multiple of `1 / ticks` in place (null: unchanged). */
export function onGrid(tau: Float64Array, ticks: number | null): Float64Array {
  if (ticks === null) return tau;
  for (let i = 0; i < tau.length; i++) tau[i] = Math.floor(tau[i]! * ticks) / ticks;
  return tau;
}
