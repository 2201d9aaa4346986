/**
 * Loading a model: manifest (JSON) plus optional weights (safetensors). See docs/model-format.md.
 *
 * Tensor names: one tensor per weighted layer, `<layerName>.weight`, in PyTorch layout
 * (conv `[outChannels, inChannels, kernel, kernel]`, dense `[units, inFeatures]` with the input
 * flattened in CHW order). Nothing else is allowed in the file: biases and batch-norm tensors are
 * rejected (ttfsim networks have neither), and so are extra or missing tensors.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { type Architecture, type Network, stages, weightShape } from '../snn/network.js';
import { inFile } from '../util/errors.js';
import { PROJECT_ROOT } from '../util/version.js';
import { type ModelManifest, manifestToArchitecture, parseManifest } from './manifest.js';
import {
  FLOAT_DTYPES,
  readSafetensors,
  type SafetensorsFile,
  tensorToFloat32,
} from './safetensors.js';

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
    json = JSON.parse(text);
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
    const idx = arch.layers.findIndex((l) => msg.startsWith(`layer ${l.name}:`));
    throw inFile(file, `${idx >= 0 ? `layers[${idx}]` : 'layers'}: ${msg}`);
  }
  if (arch.encoding.kind === 'direct' && arch.layers[0]!.kind !== 'conv') {
    throw inFile(
      file,
      'layers[0]: direct encoding needs a conv as the first layer (it runs on the host)',
    );
  }
  const last = arch.layers.length - 1;
  const lastLayer = arch.layers[last]!;
  if (lastLayer.kind !== 'dense' && lastLayer.kind !== 'conv') {
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

/** The tensor name of a weighted layer. */
export function weightTensorName(layerName: string): string {
  return `${layerName}.weight`;
}

const BN_PATTERN =
  /(^|\.)(bn\d*|batchnorm\w*|batch_norm\w*|norm\d*)(\.|$)|running_mean|running_var|num_batches_tracked/i;

/** Builds the network from a parsed safetensors file, checking every tensor. */
export function networkFromSafetensors(
  arch: Architecture,
  st: SafetensorsFile,
  file: string,
): Network {
  const names = [...st.tensors.keys()];
  const bias = names.find((n) => /(^|\.)bias$/.test(n));
  if (bias !== undefined) {
    throw inFile(
      file,
      `tensor "${bias}": ttfsim networks have no biases; train bias-free (nn.Conv2d/nn.Linear with bias=False) or fold the bias away where that is exact (it is only exact when the bias is zero)`,
    );
  }
  const bn = names.find((n) => BN_PATTERN.test(n));
  if (bn !== undefined) {
    throw inFile(
      file,
      `tensor "${bn}" looks like batch norm, which ttfsim does not have; fold it into the preceding layer (w * gamma / sqrt(var + eps)) before export — exact only when the folded bias beta - mean * gamma / sqrt(var + eps) is zero — or train without batch norm`,
    );
  }
  const stageList = stages(arch);
  const expected = new Set<string>();
  const weights: Float32Array[] = [];
  arch.layers.forEach((layer, i) => {
    const input = stageList[i]!.shape;
    const shape = weightShape(layer, input);
    if (shape === null) {
      weights.push(new Float32Array(0));
      return;
    }
    const name = weightTensorName(layer.name);
    expected.add(name);
    const t = st.tensors.get(name);
    if (t === undefined) {
      throw inFile(
        file,
        `missing tensor "${name}" for layer ${layer.name} (${layer.kind}, shape [${shape.join(', ')}])`,
      );
    }
    if (!FLOAT_DTYPES.includes(t.dtype)) {
      throw inFile(
        file,
        `tensor "${name}" has dtype ${t.dtype}; weights must be ${FLOAT_DTYPES.join(', ')}`,
      );
    }
    if (t.shape.length !== shape.length || t.shape.some((d, k) => d !== shape[k])) {
      const layout =
        layer.kind === 'conv' ? 'outChannels, inChannels, kernel, kernel' : 'units, inFeatures';
      throw inFile(
        file,
        `tensor "${name}" has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}] ([${layout}]) for layer ${layer.name}`,
      );
    }
    const data = tensorToFloat32(t, file);
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
        `tensor "${name}" has ${bad} non-finite value${bad > 1 ? 's' : ''} (first: ${data[first]} at flat index ${first}); NaN and Infinity weights are not allowed`,
      );
    }
    weights.push(data);
  });
  const extra = names.filter((n) => !expected.has(n));
  if (extra.length > 0) {
    const list = extra
      .slice(0, 5)
      .map((n) => `"${n}"`)
      .join(', ');
    throw inFile(
      file,
      `unexpected tensor${extra.length > 1 ? 's' : ''} ${list}${extra.length > 5 ? ` and ${extra.length - 5} more` : ''}; expected only ${[...expected].map((n) => `"${n}"`).join(', ')}`,
    );
  }
  return { arch, weights };
}

/**
 * Loads a model by bundled name (`vgg16`, `vgg16.json`) or path. Throws a `UserError` naming the
 * file and the problem for anything wrong with the manifest or the weights.
 */
export function loadModel(pathOrName: string, opts: LoadModelOptions = {}): LoadedModel {
  const manifestPath = resolveModelPath(pathOrName);
  const shown = displayPath(manifestPath);
  const { manifest, arch } = loadManifest(manifestPath);
  let network: Network | null = null;
  let weightsPath: string | null = null;
  if (manifest.weights !== null) {
    weightsPath = resolve(dirname(manifestPath), manifest.weights.file);
    if (!existsSync(weightsPath)) {
      throw inFile(
        shown,
        `weights.file: "${manifest.weights.file}" not found (looked for ${displayPath(weightsPath)})`,
      );
    }
    if (!opts.skipWeights) {
      const wShown = displayPath(weightsPath);
      network = networkFromSafetensors(arch, readSafetensors(weightsPath, wShown), wShown);
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
