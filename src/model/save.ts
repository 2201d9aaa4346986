/**
 * Saving a model: the weights (`<name>.safetensors`) first, then the manifest (`<name>.json`),
 * each written atomically, so a reader never sees a manifest that points at missing weights.
 *
 * Models are saved folded: the manifest has no batch-norm layer (the layer before one gets
 * `"bias": true`, its weights and bias are the folded ones the network holds), and every layer
 * with a bias gets `"bias": true` and a `<name>.bias` tensor (zeros where the manifest says bias
 * and the network has none: a zero bias is exactly no bias).
 */
import { join } from 'node:path';
import { layerBias, type Network, stages, weightShape } from '../snn/network.js';
import { writeFileAtomic } from '../util/atomicWrite.js';
import { UserError } from '../util/errors.js';
import { VERSION } from '../util/version.js';
import {
  type ModelManifest,
  type ModelManifestInput,
  manifestToArchitecture,
  parseManifest,
} from './manifest.js';
import { type TensorToWrite, writeSafetensors } from './safetensors.js';
import { biasTensorName, weightTensorName } from './tensors.js';

/**
 * The manifest as saved: batch-norm layers removed (the layer before each gets `"bias": true`),
 * and `"bias": true` on every layer the network holds a bias for.
 */
function foldManifestLayers(m: ModelManifest, network: Network | null): void {
  const layers: ModelManifest['layers'] = [];
  for (const l of m.layers) {
    if (l.type !== 'batchnorm') {
      layers.push(l);
      continue;
    }
    const prev = layers[layers.length - 1];
    if (prev?.type === 'conv' || prev?.type === 'dense') prev.bias = true;
  }
  if (network !== null) {
    let k = 0;
    for (const l of layers) {
      if ((l.type === 'conv' || l.type === 'dense') && layerBias(network, k) !== null)
        l.bias = true;
      k++;
    }
  }
  m.layers = layers;
}

export interface SaveModelOptions {
  /** Storage dtype of the weights. Default F32 (exact); F16 halves the file. */
  dtype?: 'F32' | 'F16';
  /**
   * Whether these weights came out of training. Default: the manifest's `weights.trained`, or
   * false when the manifest has no weights entry (never call random weights trained).
   */
  trained?: boolean;
}

export interface SavedModel {
  manifestPath: string;
  weightsPath: string | null;
  manifest: ModelManifest;
}

/**
 * Writes `<dir>/<name>.safetensors` (when `network` is given) and `<dir>/<name>.json`. The
 * manifest's `weights` entry is set to the new file (or null without a network). Throws a
 * `UserError` if the network does not match the manifest's architecture or holds NaN/Infinity.
 */
export function saveModel(
  dir: string,
  name: string,
  manifest: ModelManifest | ModelManifestInput,
  network: Network | null,
  opts: SaveModelOptions = {},
): SavedModel {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name)) {
    throw new UserError(`model name "${name}": use letters, digits, "_", "." and "-" only`);
  }
  const m = parseManifest(structuredClone(manifest), `${name}.json`);
  // `$schema` is a path relative to the bundled models; it would point nowhere from `dir`.
  delete m.$schema;
  const arch = manifestToArchitecture(m);
  foldManifestLayers(m, network);
  const manifestPath = join(dir, `${name}.json`);
  let weightsPath: string | null = null;
  if (network === null) {
    m.weights = null;
  } else {
    const st = stages(arch);
    if (network.arch.layers.length !== arch.layers.length) {
      throw new UserError(
        `${name}: the network has ${network.arch.layers.length} layers but the manifest ${arch.layers.length}`,
      );
    }
    const tensors = new Map<string, TensorToWrite>();
    const check = (data: Float32Array, layer: string, what: string) => {
      for (let k = 0; k < data.length; k++) {
        if (!Number.isFinite(data[k]!)) {
          throw new UserError(
            `${name}: layer ${layer} ${what} ${k} is ${data[k]}; refusing to save non-finite weights`,
          );
        }
        if (opts.dtype === 'F16' && Math.abs(data[k]!) > 65504) {
          throw new UserError(
            `${name}: layer ${layer} ${what} ${k} = ${data[k]} does not fit F16; save as F32`,
          );
        }
      }
    };
    arch.layers.forEach((layer, i) => {
      const shape = weightShape(layer, st[i]!.shape);
      if (shape === null) return;
      const data = network.weights[i];
      const size = shape.reduce((a, d) => a * d, 1);
      if (data === undefined || data.length !== size) {
        throw new UserError(
          `${name}: layer ${layer.name} needs ${size} weights ([${shape.join(', ')}]) but the network has ${data?.length ?? 0}`,
        );
      }
      check(data, layer.name, 'weight');
      tensors.set(weightTensorName(layer.name), { shape, data, dtype: opts.dtype ?? 'F32' });
      const own = layerBias(network, i);
      if (own === null && !(layer.kind === 'conv' || layer.kind === 'dense' ? layer.bias : false)) {
        return;
      }
      const bias = own ?? new Float32Array(shape[0]!);
      if (bias.length !== shape[0]) {
        throw new UserError(
          `${name}: layer ${layer.name} needs ${shape[0]} biases but the network has ${bias.length}`,
        );
      }
      check(bias, layer.name, 'bias');
      tensors.set(biasTensorName(layer.name), {
        shape: [shape[0]!],
        data: bias,
        dtype: opts.dtype ?? 'F32',
      });
    });
    const file = `${name}.safetensors`;
    weightsPath = join(dir, file);
    const trained = opts.trained ?? m.weights?.trained ?? false;
    writeSafetensors(weightsPath, tensors, {
      format: 'pt',
      producer: `ttfsim ${VERSION}`,
      model: m.name,
    });
    m.weights = { file, trained };
  }
  writeFileAtomic(manifestPath, `${JSON.stringify(m, null, 2)}\n`);
  return { manifestPath, weightsPath, manifest: m };
}
