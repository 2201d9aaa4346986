/**
 * Saving a model: the weights (`<name>.safetensors`) first, then the manifest (`<name>.json`),
 * each written atomically, so a reader never sees a manifest that points at missing weights.
 */
import { join } from 'node:path';
import { type Network, stages, weightShape } from '../snn/network.js';
import { writeFileAtomic } from '../util/atomicWrite.js';
import { UserError } from '../util/errors.js';
import { VERSION } from '../util/version.js';
import { weightTensorName } from './load.js';
import {
  type ModelManifest,
  type ModelManifestInput,
  manifestToArchitecture,
  parseManifest,
} from './manifest.js';
import { type TensorToWrite, writeSafetensors } from './safetensors.js';

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
      for (let k = 0; k < data.length; k++) {
        if (!Number.isFinite(data[k]!)) {
          throw new UserError(
            `${name}: layer ${layer.name} weight ${k} is ${data[k]}; refusing to save non-finite weights`,
          );
        }
        if (opts.dtype === 'F16' && Math.abs(data[k]!) > 65504) {
          throw new UserError(
            `${name}: layer ${layer.name} weight ${k} = ${data[k]} does not fit F16; save as F32`,
          );
        }
      }
      tensors.set(weightTensorName(layer.name), { shape, data, dtype: opts.dtype ?? 'F32' });
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
