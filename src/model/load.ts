/**
 * Loading a model: manifest (JSON) plus optional weights (safetensors). See docs/model-format.md.
 *
 * Tensor names: per weighted layer `<layerName>.weight` in PyTorch layout (conv
 * `[outChannels, inChannels, kernel, kernel]`, dense `[units, inFeatures]` with the input
 * flattened in CHW order), `<layerName>.bias` for a layer with `"bias": true`, and the tensors
 * of each batch-norm layer, which is folded into the layer before it here, in double precision
 * (tensors.ts, src/snn/batchnorm.ts): the `Architecture` and `Network` the rest of ttfsim sees
 * have no batch norm, and the folded layer has a bias. Extra or missing tensors are errors.
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { type Architecture, type Network, stages } from '../snn/network.js';
import { inFile } from '../util/errors.js';
import { parseJsonStrict } from '../util/json.js';
import { PROJECT_ROOT } from '../util/version.js';
import {
  type ModelManifest,
  manifestTensorLayout,
  manifestToArchitecture,
  parseManifest,
} from './manifest.js';
import { checkModelMemory } from './memory.js';
import { readSafetensors } from './safetensors.js';
import { networkFromSafetensors } from './tensors.js';

export {
  biasTensorName,
  type NetworkTensorOptions,
  networkFromSafetensors,
  weightTensorName,
} from './tensors.js';

/** The bundled models folder. */
export const MODELS_DIR = join(PROJECT_ROOT, 'models');

export interface LoadedModel {
  /** Absolute path of the manifest. */
  manifestPath: string;
  /** Absolute path of the weights file, or null when the manifest has none. */
  weightsPath: string | null;
  manifest: ModelManifest;
  arch: Architecture;
  /** The weights, or null when the manifest references none. */
  network: Network | null;
  /** True only when weights are present and the manifest says they are trained. */
  trained: boolean;
  classes: string[];
}

export interface LoadModelOptions {
  /** Skip reading the weights file (architecture only). Default false. */
  skipWeights?: boolean;
}

/** A path as shown in messages: relative to the working directory when it lies below it. */
export function displayPath(abs: string): string {
  const rel = relative(process.cwd(), abs);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : abs;
}

/**
 * Where a model argument points. A bare name (`vgg16` or `vgg16.json`, no slash) is looked up
 * in the bundled `models/` folder first, then as a path; anything else is a path.
 */
export function resolveModelPath(pathOrName: string): string {
  const bare = !pathOrName.includes('/') && !pathOrName.includes('\\');
  if (bare) {
    const file = pathOrName.endsWith('.json') ? pathOrName : `${pathOrName}.json`;
    const bundled = join(MODELS_DIR, file);
    if (existsSync(bundled)) return bundled;
  }
  const abs = resolve(pathOrName);
  if (existsSync(abs) && statSync(abs).isFile()) return abs;
  if (existsSync(abs)) throw inFile(pathOrName, 'is a folder; expected a model manifest (.json)');
  const hint = bare
    ? ` (not a bundled model either; bundled: ${bundledModelNames().join(', ') || 'none'})`
    : '';
  throw inFile(pathOrName, `model not found${hint}`);
}

/** Names of the bundled models (manifest files in `models/`). */
export function bundledModelNames(): string[] {
  try {
    return readdirSync(MODELS_DIR)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5))
      .sort();
  } catch {
    return [];
  }
}

/** Reads, validates and converts a manifest file (no weights). */
export function loadManifest(manifestPath: string): {
  manifest: ModelManifest;
  arch: Architecture;
} {
  const shown = displayPath(manifestPath);
  let text: string;
  try {
    text = readFileSync(manifestPath, 'utf8');
  } catch (err) {
    throw inFile(shown, `cannot read: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = parseJsonStrict(text);
  } catch (err) {
    throw inFile(shown, `not valid JSON: ${(err as Error).message}`);
  }
  const manifest = parseManifest(json, shown);
  const arch = manifestToArchitecture(manifest);
  checkArchitecture(arch, manifest, shown);
  return { manifest, arch };
}

/** Checks that the layers fit together and that the output matches the classes. */
function checkArchitecture(arch: Architecture, m: ModelManifest, file: string): void {
  let st: ReturnType<typeof stages>;
  try {
    st = stages(arch);
  } catch (err) {
    const msg = (err as Error).message;
    // Manifest indices (batch-norm layers are not in `arch.layers`).
    const idx = m.layers.findIndex((l) => msg.startsWith(`layer ${l.name}:`));
    throw inFile(file, `${idx >= 0 ? `layers[${idx}]` : 'layers'}: ${msg}`);
  }
  checkModelMemory(arch, file, (i) => m.layers.findIndex((l) => l.name === arch.layers[i]!.name));
  if (arch.encoding.kind === 'direct' && arch.layers[0]!.kind !== 'conv') {
    throw inFile(
      file,
      'layers[0]: direct encoding needs a conv as the first layer (it runs on the host)',
    );
  }
  const lastLayer = arch.layers[arch.layers.length - 1]!;
  if (lastLayer.kind !== 'dense' && lastLayer.kind !== 'conv') {
    const last = m.layers.findIndex((l) => l.name === lastLayer.name);
    throw inFile(
      file,
      `layers[${last}]: the output layer must be dense or conv, not ${lastLayer.kind}`,
    );
  }
  const out = st[st.length - 1]!.size;
  if (out !== m.classes.length) {
    throw inFile(
      file,
      `classes: ${m.classes.length} class names but the output layer has ${out} neurons`,
    );
  }
}

/** True when `path` is `dir` itself or lies below it. */
function isBelow(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/**
 * The weights file a manifest names, which must lie below the manifest's folder, also after
 * resolving symbolic links: a model file (perhaps downloaded) must not make ttfsim read, hash or
 * quote files elsewhere (`../../etc/passwd`, `/home/x/.ssh/id_rsa`).
 */
export function resolveWeightsPath(manifestPath: string, file: string): string {
  const shown = displayPath(manifestPath);
  const dir = dirname(manifestPath);
  const path = resolve(dir, file);
  const outside = () =>
    inFile(
      shown,
      `weights.file: "${file}" is outside the model's folder ${displayPath(dir)}; the weights must lie in that folder or below it`,
    );
  if (!isBelow(dir, path)) throw outside();
  if (!existsSync(path)) {
    throw inFile(shown, `weights.file: "${file}" not found (looked for ${displayPath(path)})`);
  }
  if (!isBelow(realpathSync(dir), realpathSync(path))) throw outside();
  return path;
}

/**
 * Loads a model by bundled name (`vgg16`, `vgg16.json`) or path. Throws a `UserError` naming the
 * file and the problem for anything wrong with the manifest or the weights.
 */
export function loadModel(pathOrName: string, opts: LoadModelOptions = {}): LoadedModel {
  const manifestPath = resolveModelPath(pathOrName);
  const { manifest, arch } = loadManifest(manifestPath);
  let network: Network | null = null;
  let weightsPath: string | null = null;
  if (manifest.weights !== null) {
    weightsPath = resolveWeightsPath(manifestPath, manifest.weights.file);
    if (!opts.skipWeights) {
      const wShown = displayPath(weightsPath);
      network = networkFromSafetensors(arch, readSafetensors(weightsPath, wShown), wShown, {
        layout: manifestTensorLayout(manifest),
      });
    }
  }
  return {
    manifestPath,
    weightsPath,
    manifest,
    arch,
    network,
    trained: network !== null && manifest.weights?.trained === true,
    classes: manifest.classes,
  };
}
