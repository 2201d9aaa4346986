/**
 * The architecture of a DFT spiking network: an input encoding followed by conv, pool, flatten
 * and dense layers, and where each layer sits in time (its window).
 *
 * Conventions used everywhere in ttfsim:
 * - Feature maps are CHW (channel, row, column), flattened row-major as PyTorch does for NCHW.
 * - Conv weights are `[outChannels, inChannels, kernel, kernel]` (PyTorch OIHW), dense weights
 *   `[units, inFeatures]` (PyTorch `nn.Linear`). A conv or dense layer may have a per-neuron
 *   bias (`bias: true`, one value per output channel or unit): in a DFT network it is one more
 *   input, a spike at the earliest time of the input window (`tau = 1`) with weight `b`, so it
 *   adds `b` to both `A` and `W` (SPEC section 3). Batch norm never reaches this type: it is
 *   folded into weights and biases when a model is loaded.
 * - Stage 0 is the input encoding; stage `i` (i >= 1) is the output of `layers[i - 1]`.
 * - Each weighted layer (conv, dense) fires in its own window; pool and flatten take none and
 *   keep the window of the stage before them. The encoding fires in window 0. With `direct`
 *   encoding the first layer (a conv) is computed in analog form by the host and its clamped
 *   output is what window 0 encodes (SPEC section 3).
 */

export interface Shape3 {
  c: number;
  h: number;
  w: number;
}

export type InputEncoding =
  /** Eq. 1: pixel value `a` in `[0, maxValue]` spikes at `tau = a / maxValue`; 0 is silent. */
  | { kind: 'pixel'; maxValue: number }
  /** The first conv runs on the host in analog form; `clamp(x, 0, 1)` is encoded as `tau`. */
  | { kind: 'direct' };

export type LayerSpec =
  | {
      kind: 'conv';
      name: string;
      outChannels: number;
      kernel: number;
      stride: number;
      padding: number;
      /** Per-output-channel bias (a spike at `tau = 1` of the input window); absent: none. */
      bias?: boolean;
    }
  | { kind: 'pool'; name: string; size: number; stride: number }
  | { kind: 'flatten'; name: string }
  | {
      kind: 'dense';
      name: string;
      units: number;
      /** Per-unit bias (a spike at `tau = 1` of the input window); absent: none. */
      bias?: boolean;
    };

/** How the class is read from the output layer (SPEC section 3). */
export type Readout = 'first-spike' | 'membrane';

export interface Architecture {
  input: Shape3;
  encoding: InputEncoding;
  layers: LayerSpec[];
  readout: Readout;
}

/** An architecture plus one weight tensor per weighted layer (same order as `layers`). */
export interface Network {
  arch: Architecture;
  /** `weights[i]` belongs to `arch.layers[i]`; empty for pool and flatten. */
  weights: Float32Array[];
  /**
   * `biases[i]` (one value per output channel or unit) belongs to `arch.layers[i]` when that
   * layer has `bias: true`, else null. Absent: no layer has a bias.
   */
  biases?: (Float32Array | null)[];
  /**
   * Present when the network is quantized to `levels.bits`-bit weights (quantize.ts): the
   * neurons then compute on these integer levels and one scale per layer, with exact arithmetic
   * (levels.ts), as integer-weight hardware does. `weights` and `biases` hold `level x scale`
   * rounded to float32 for whatever reads real values (the host conv of a `direct` encoding,
   * reports).
   */
  levels?: NetworkLevels;
}

/** One quantized layer as integer-weight hardware holds it (quantize.ts). */
export interface LayerLevels {
  /** The per-layer scale `s > 0` (0 only when every level is 0): level `q` stands for `q s`. */
  scale: number;
  /** Integer weight levels, in the layout of the layer's weights. */
  weights: Float32Array;
  /** Integer bias levels on the same scale (2x-wide register), or null without a bias. */
  bias: Float32Array | null;
}

/** The integer levels of a quantized network, per layer (null for pool and flatten). */
export interface NetworkLevels {
  bits: number;
  /**
   * Exact time with integer levels puts every spike time on a grid of `2^-tickBits` window
   * (`tau` rounded down to it: the time rounded up to the next tick), so that the products
   * `level x tau` are exact integers: 32, or fewer when a layer's largest sum of level
   * magnitudes needs more headroom below 2^53 (quantize.ts, `tickBitsFor`).
   */
  tickBits: number;
  layers: (LayerLevels | null)[];
}

/** The bias of layer `i`, or null when it has none. */
export function layerBias(net: Network, i: number): Float32Array | null {
  return net.biases?.[i] ?? null;
}

/** Where one stage sits: its shape and the window its spikes fall in. */
export interface StageInfo {
  /** 0 for the encoding, else 1 + index of the layer that produces it. */
  stage: number;
  /** The producing layer, or null for the encoding. */
  layer: LayerSpec | null;
  shape: Shape3;
  /** Neurons in the stage: `c * h * w`. */
  size: number;
  /** Window index `l`: spikes of this stage fall in `[l, l + 1)`. */
  window: number;
  /** True for conv and dense stages (and the encoding counts as window 0 but is not weighted). */
  weighted: boolean;
}

function convOut(n: number, k: number, stride: number, padding: number): number {
  return Math.floor((n + 2 * padding - k) / stride) + 1;
}

/**
 * Shapes and windows of every stage. Throws an Error with a readable message if a layer does
 * not fit its input (kernel larger than the padded input, dense after a 3D map without flatten
 * is allowed and flattens implicitly in CHW order).
 */
export function stages(arch: Architecture): StageInfo[] {
  const out: StageInfo[] = [];
  let shape = { ...arch.input };
  let window = 0;
  out.push({
    stage: 0,
    layer: null,
    shape,
    size: shape.c * shape.h * shape.w,
    window,
    weighted: false,
  });
  arch.layers.forEach((layer, i) => {
    let next: Shape3;
    let weighted = false;
    switch (layer.kind) {
      case 'conv': {
        const h = convOut(shape.h, layer.kernel, layer.stride, layer.padding);
        const w = convOut(shape.w, layer.kernel, layer.stride, layer.padding);
        if (h < 1 || w < 1) {
          throw new Error(
            `layer ${layer.name}: a ${layer.kernel}x${layer.kernel} kernel does not fit a ${shape.h}x${shape.w} input with padding ${layer.padding}`,
          );
        }
        next = { c: layer.outChannels, h, w };
        weighted = true;
        break;
      }
      case 'pool': {
        const h = Math.floor((shape.h - layer.size) / layer.stride) + 1;
        const w = Math.floor((shape.w - layer.size) / layer.stride) + 1;
        if (h < 1 || w < 1) {
          throw new Error(
            `layer ${layer.name}: a ${layer.size}x${layer.size} pool does not fit a ${shape.h}x${shape.w} input`,
          );
        }
        next = { c: shape.c, h, w };
        break;
      }
      case 'flatten':
        next = { c: shape.c * shape.h * shape.w, h: 1, w: 1 };
        break;
      case 'dense':
        next = { c: layer.units, h: 1, w: 1 };
        weighted = true;
        break;
    }
    // With direct encoding the first layer is the host-side conv whose output is window 0.
    const isDirectFirst = i === 0 && arch.encoding.kind === 'direct';
    if (weighted && !isDirectFirst) window++;
    shape = next;
    out.push({ stage: i + 1, layer, shape, size: next.c * next.h * next.w, window, weighted });
  });
  return out;
}

/** Number of weights the layer needs given its input shape (0 for pool and flatten). */
export function weightCount(layer: LayerSpec, input: Shape3): number {
  switch (layer.kind) {
    case 'conv':
      return layer.outChannels * input.c * layer.kernel * layer.kernel;
    case 'dense':
      return layer.units * input.c * input.h * input.w;
    default:
      return 0;
  }
}

/** The weight tensor shape in PyTorch layout, or null for layers without weights. */
export function weightShape(layer: LayerSpec, input: Shape3): number[] | null {
  switch (layer.kind) {
    case 'conv':
      return [layer.outChannels, input.c, layer.kernel, layer.kernel];
    case 'dense':
      return [layer.units, input.c * input.h * input.w];
    default:
      return null;
  }
}

/**
 * Neurons by the paper's count: every weighted layer's neurons including the output layer,
 * excluding the input encoding and pooling (SPEC section 3). 12,202 for the MNIST CNN,
 * 284,682 for VGG16 (CIFAR). With `direct` encoding the host-side first conv still counts: its
 * neurons are the ones that spike in window 0.
 */
export function paperNeuronCount(arch: Architecture): number {
  return stages(arch)
    .filter((s) => s.weighted)
    .reduce((n, s) => n + s.size, 0);
}

/** Number of windows a frame spans: the output layer's window + 1. */
export function windowCount(arch: Architecture): number {
  const st = stages(arch);
  return st[st.length - 1]!.window + 1;
}

/**
 * Synapses of the whole network (every connection of every conv and dense neuron, the host-side
 * first conv of `direct` encoding included): the dense-equivalent work of one frame.
 */
export function synapseCount(arch: Architecture): number {
  const st = stages(arch);
  let n = 0;
  arch.layers.forEach((layer, i) => {
    if (layer.kind === 'conv') n += st[i + 1]!.size * st[i]!.shape.c * layer.kernel * layer.kernel;
    else if (layer.kind === 'dense') n += st[i + 1]!.size * st[i]!.size;
  });
  return n;
}
