/**
 * The network's tensors from a safetensors file (docs/model-format.md), every one checked: dtype,
 * shape, finite values, nothing missing, nothing left over.
 *
 * Per weighted layer `<name>` (PyTorch layout: conv `[outChannels, inChannels, kernel, kernel]`,
 * dense `[units, inFeatures]` with the input flattened in CHW order):
 * - `<name>.weight`;
 * - `<name>.bias` `[outChannels]` / `[units]` when the layer has its own bias;
 * - for a batch norm `<bn>` folded into the layer: `<bn>.weight` (gamma) and `<bn>.bias` (beta)
 *   (both or neither: `affine=False` is gamma 1, beta 0), `<bn>.running_mean`,
 *   `<bn>.running_var`, each `[channels]`; `<bn>.num_batches_tracked` is accepted and ignored.
 *
 * Batch norm is folded in double precision (`foldBatchNorm`, src/snn/batchnorm.ts) from the
 * file's values (F64 files keep their precision until the one rounding to float32).
 */
import { foldBatchNorm } from '../snn/batchnorm.js';
import { type Architecture, type Network, stages, weightShape } from '../snn/network.js';
import { inFile } from '../util/errors.js';
import type { BatchNormSpec, TensorLayout } from './manifest.js';
import {
  FLOAT_DTYPES,
  type SafetensorsFile,
  type SafetensorsTensor,
  tensorToFloat32,
  tensorToFloat64,
} from './safetensors.js';

/** The tensor name of a weighted layer's weights. */
export function weightTensorName(layerName: string): string {
  return `${layerName}.weight`;
}

/** The tensor name of a weighted layer's own bias. */
export function biasTensorName(layerName: string): string {
  return `${layerName}.bias`;
}

export interface NetworkTensorOptions {
  /**
   * Which layers have their own bias tensor and which batch norms are folded into which layer.
   * Default: a bias tensor for every layer with `bias: true`, no batch norm.
   */
  layout?: TensorLayout;
  /** A missing own bias reads as zeros instead of an error (initial weights). Default false. */
  zeroMissingBias?: boolean;
}

const BN_PATTERN =
  /(^|\.)(bn\d*|batchnorm\w*|batch_norm\w*|norm\d*)(\.|$)|running_mean|running_var|num_batches_tracked/i;

/** Looks a tensor up and checks that it is a float tensor of `shape`. */
function floatTensor(
  st: SafetensorsFile,
  name: string,
  shape: number[],
  file: string,
  what: string,
  hint: string,
): SafetensorsTensor | undefined {
  const t = st.tensors.get(name);
  if (t === undefined) return undefined;
  if (!FLOAT_DTYPES.includes(t.dtype)) {
    throw inFile(
      file,
      `tensor "${name}" has dtype ${t.dtype}; ${what} must be ${FLOAT_DTYPES.join(', ')}`,
    );
  }
  if (t.shape.length !== shape.length || t.shape.some((d, k) => d !== shape[k])) {
    throw inFile(
      file,
      `tensor "${name}" has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}] ${hint}`,
    );
  }
  return t;
}

function checkFinite(data: ArrayLike<number>, name: string, file: string): void {
  let bad = 0;
  let first = -1;
  for (let k = 0; k < data.length; k++) {
    if (!Number.isFinite(data[k]!)) {
      if (first < 0) first = k;
      bad++;
    }
  }
  if (bad > 0) {
    throw inFile(
      file,
      `tensor "${name}" has ${bad} non-finite value${bad > 1 ? 's' : ''} (first: ${data[first]} at flat index ${first}); NaN and Infinity are not allowed`,
    );
  }
}

/** Reads a batch norm's tensors (checked) into the parameters of `foldBatchNorm`. */
function readBatchNorm(
  st: SafetensorsFile,
  bn: BatchNormSpec,
  channels: number,
  layerName: string,
  file: string,
  expected: Set<string>,
) {
  const shape = [channels];
  const get = (suffix: string, required: boolean): Float64Array | null => {
    const name = `${bn.name}.${suffix}`;
    const t = floatTensor(
      st,
      name,
      shape,
      file,
      'batch-norm parameters',
      `([channels]) for batch norm ${bn.name} after layer ${layerName}`,
    );
    if (t === undefined) {
      if (!required) return null;
      throw inFile(
        file,
        `missing tensor "${name}" of batch norm ${bn.name} (after layer ${layerName}, shape [${channels}])`,
      );
    }
    expected.add(name);
    const data = tensorToFloat64(t, file);
    checkFinite(data, name, file);
    return data;
  };
  const gamma = get('weight', false);
  const beta = get('bias', false);
  if ((gamma === null) !== (beta === null)) {
    throw inFile(
      file,
      `batch norm ${bn.name}: "${bn.name}.${gamma === null ? 'weight' : 'bias'}" is missing (an affine batch norm has both weight and bias, affine=False neither)`,
    );
  }
  const mean = get('running_mean', true)!;
  const variance = get('running_var', true)!;
  if (st.tensors.has(`${bn.name}.num_batches_tracked`))
    expected.add(`${bn.name}.num_batches_tracked`);
  for (let c = 0; c < channels; c++) {
    if (!(variance[c]! + bn.eps > 0)) {
      throw inFile(
        file,
        `tensor "${bn.name}.running_var": channel ${c} has variance ${variance[c]}, and var + eps (${bn.eps}) must be positive`,
      );
    }
  }
  return {
    gamma: gamma ?? new Float64Array(channels).fill(1),
    beta: beta ?? new Float64Array(channels),
    mean,
    variance,
    eps: bn.eps,
  };
}

/** One line for tensors nobody asked for, with what to do about the usual ones. */
function leftoverError(arch: Architecture, extra: string[], expected: Set<string>, file: string) {
  const weighted = new Set(
    arch.layers.filter((l) => l.kind === 'conv' || l.kind === 'dense').map((l) => l.name),
  );
  const bias = extra.find((n) => n.endsWith('.bias') && weighted.has(n.slice(0, -5)));
  if (bias !== undefined) {
    const layer = bias.slice(0, -5);
    return inFile(
      file,
      `tensor "${bias}": layer ${layer} has no bias in the manifest; set "bias": true on layer ${layer} (or drop the tensor)`,
    );
  }
  const bn = extra.find((n) => BN_PATTERN.test(n));
  if (bn !== undefined) {
    const prefix = bn.slice(0, bn.lastIndexOf('.'));
    return inFile(
      file,
      `tensor "${bn}" looks like batch norm; add {"type": "batchnorm", "name": "${prefix}"} to the manifest's layers right after the conv or dense layer it normalizes (it is folded into that layer's weights and bias)`,
    );
  }
  const list = extra
    .slice(0, 5)
    .map((n) => `"${n}"`)
    .join(', ');
  return inFile(
    file,
    `unexpected tensor${extra.length > 1 ? 's' : ''} ${list}${extra.length > 5 ? ` and ${extra.length - 5} more` : ''}; expected only ${[...expected].map((n) => `"${n}"`).join(', ')}`,
  );
}

/**
 * Builds the network from a parsed safetensors file, checking every tensor (see the file
 * comment). Layers with a bias (their own, or folded from batch norm) get `biases[i]`; a network
 * without any bias has no `biases` at all, exactly as before biases existed.
 */
export function networkFromSafetensors(
  arch: Architecture,
  st: SafetensorsFile,
  file: string,
  opts: NetworkTensorOptions = {},
): Network {
  const layout: TensorLayout = opts.layout ?? {
    ownBias: arch.layers.map((l) => (l.kind === 'conv' || l.kind === 'dense') && !!l.bias),
    batchNorms: [],
  };
  const bnAfter = new Map(layout.batchNorms.map((b) => [b.after, b]));
  const stageList = stages(arch);
  const expected = new Set<string>();
  const weights: Float32Array[] = [];
  const biases: (Float32Array | null)[] = [];
  arch.layers.forEach((layer, i) => {
    const shape = weightShape(layer, stageList[i]!.shape);
    if (shape === null) {
      weights.push(new Float32Array(0));
      biases.push(null);
      return;
    }
    const channels = shape[0]!;
    const name = weightTensorName(layer.name);
    expected.add(name);
    const layoutText =
      layer.kind === 'conv' ? 'outChannels, inChannels, kernel, kernel' : 'units, inFeatures';
    const t = floatTensor(
      st,
      name,
      shape,
      file,
      'weights',
      `([${layoutText}]) for layer ${layer.name}`,
    );
    if (t === undefined) {
      throw inFile(
        file,
        `missing tensor "${name}" for layer ${layer.name} (${layer.kind}, shape [${shape.join(', ')}])`,
      );
    }
    const bn = bnAfter.get(i);
    let ownBias: Float32Array | Float64Array | null = null;
    if (layout.ownBias[i]) {
      const bName = biasTensorName(layer.name);
      const what = layer.kind === 'conv' ? 'outChannels' : 'units';
      const tb = floatTensor(
        st,
        bName,
        [channels],
        file,
        'biases',
        `([${what}]) for layer ${layer.name}`,
      );
      if (tb !== undefined) {
        expected.add(bName);
        ownBias = bn ? tensorToFloat64(tb, file) : tensorToFloat32(tb, file);
        checkFinite(ownBias, bName, file);
      } else if (opts.zeroMissingBias) {
        ownBias = new Float32Array(channels);
      } else {
        throw inFile(
          file,
          `missing tensor "${bName}" for layer ${layer.name} (it has "bias": true; shape [${channels}])`,
        );
      }
    }
    if (bn === undefined) {
      const data = tensorToFloat32(t, file);
      checkFinite(data, name, file);
      weights.push(data);
      biases.push(ownBias === null ? null : Float32Array.from(ownBias));
      return;
    }
    const data = tensorToFloat64(t, file);
    checkFinite(data, name, file);
    const params = readBatchNorm(st, bn, channels, layer.name, file, expected);
    let folded: { weights: Float32Array; bias: Float32Array };
    try {
      folded = foldBatchNorm(data, ownBias, channels, params);
    } catch (err) {
      throw inFile(file, `batch norm ${bn.name}: ${(err as Error).message}`);
    }
    checkFinite(folded.weights, `${name} (folded with ${bn.name})`, file);
    weights.push(folded.weights);
    biases.push(folded.bias);
  });
  const extra = [...st.tensors.keys()].filter((n) => !expected.has(n));
  if (extra.length > 0) throw leftoverError(arch, extra, expected, file);
  const net: Network = { arch, weights };
  if (biases.some((b) => b !== null)) net.biases = biases;
  return net;
}
