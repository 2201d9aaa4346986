import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, relative, resolve } from 'node:path';
import type { Dataset } from '../data/dataset.js';
import { type HardwareConfig, loadHardwareConfig } from '../hardware/config.js';
import { checkNocMemory } from '../hardware/memory.js';
import { mapNetwork } from '../mapping/map.js';
import type { Mapping } from '../mapping/types.js';
import { type LoadedModel, loadModel } from '../model/load.js';
import { type Network, paperNeuronCount } from '../snn/network.js';
import { UserError } from '../util/errors.js';
import { PROJECT_ROOT, VERSION } from '../util/version.js';
import { defaultCacheDir } from './calibrationCache.js';
import { resolveFrameData } from './frameData.js';
import type { FrameRange } from './frames.js';
import { checkOptions } from './optionChecks.js';
import { DEFAULT_HARDWARE, DEFAULT_MODEL, type SimulateOptions } from './options.js';
import { resolveOutDir, resolveTraceFile } from './outputPaths.js';
import { runNetwork } from './runNetwork.js';

/**
 * Everything a run needs, resolved and validated before anything is simulated or written: the
 * hardware config with its overrides, the model and its weights, the frames of the data set, the
 * mapping onto the mesh, the hashes of the inputs and the run's id and output folder. Every
 * problem with the inputs surfaces here as one `UserError`.
 */
export interface ResolvedRun {
  run: string;
  /** Absolute results folder (null when nothing is written). */
  outDir: string | null;
  traceFile: string | null;
  config: HardwareConfig;
  hardwareSha256: string;
  model: LoadedModel;
  modelSha256: string;
  /** The network as loaded or generated (float weights; engines quantize to `weightBits`). */
  network: Network;
  neurons: number;
  dataset: Dataset;
  /** What `--data` resolved to: `mnist`, `cifar10` or a folder. */
  dataSpec: string;
  inputSha256: string;
  range: FrameRange;
  /** The frames' input values in double where they are not exact in float32 (data/values.ts). */
  images: Float32Array | Float64Array;
  labels: Uint8Array;
  mapping: Mapping;
  noc: 'ideal' | 'detailed';
  /** Steps per window of the neurons; null: exact continuous time. */
  stepsPerWindow: number | null;
  weightBits: number | null;
  seed: number;
  framesInFlight: number | null;
  notes: string[];
}

function sha256(...parts: (string | Uint8Array)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

/** A path shown relative to the project root when inside it (stable across machines). */
export function shownPath(abs: string): string {
  const rel = relative(PROJECT_ROOT, abs);
  return rel.startsWith('..') || rel === '' ? abs : rel;
}

/** The hardware config with the run's overrides, its hash, and the neuron mode it sets. */
function resolveHardware(opts: SimulateOptions, overrides: string[]) {
  const config = loadHardwareConfig(opts.hw ?? DEFAULT_HARDWARE, overrides);
  const weightBits = config.chip.weightBits;
  if (weightBits !== null && weightBits > 16) {
    throw new UserError(
      `chip.weightBits ${weightBits}: quantization supports 2 to 16 bits; use null (--weight-bits float) for float weights`,
    );
  }
  const stepsPerWindow = opts.stepsPerWindow === 'exact' ? null : config.timing.stepsPerWindow;
  return { config, hardwareSha256: sha256(JSON.stringify(config)), weightBits, stepsPerWindow };
}

/** The model and the hash of its manifest and weights files. */
function resolveModel(opts: SimulateOptions) {
  const model = loadModel(opts.model ?? DEFAULT_MODEL);
  const modelSha256 = sha256(
    readFileSync(model.manifestPath),
    model.weightsPath !== null ? readFileSync(model.weightsPath) : '',
  );
  return { model, modelSha256 };
}

/**
 * Resolves and validates every input of a run; nothing is written. In order: the options that
 * need no file, the hardware, the model, its mapping onto the mesh (it must fit, and so must the
 * network's memory), the frames, the network's weights, then the run's id and output paths.
 */
export function resolveRun(opts: SimulateOptions): ResolvedRun {
  const { seed, framesInFlight, noc, overrides } = checkOptions(opts);
  const { config, hardwareSha256, weightBits, stepsPerWindow } = resolveHardware(opts, overrides);
  const { model, modelSha256 } = resolveModel(opts);
  const mapping = mapNetwork(model.arch, config, { model: model.manifest.name });
  checkNocMemory(config, mapping.meshWidth, mapping.meshHeight, noc);
  const data = resolveFrameData(opts, model);
  const cacheDir = opts.cacheDir === undefined ? defaultCacheDir(opts.env) : opts.cacheDir;
  const { network, note } = runNetwork(model, data.dataset, seed, stepsPerWindow, cacheDir);
  const notes = note === null ? data.notes : [...data.notes, note];
  const { range, inputSha256 } = data;
  const key = JSON.stringify({
    version: VERSION,
    hardwareSha256,
    modelSha256,
    inputSha256,
    noc,
    stepsPerWindow,
    weightBits,
    seed,
    range,
    ...(framesInFlight !== null ? { framesInFlight } : {}),
  });
  const run = `${model.manifest.name}-${config.name}-${sha256(key).slice(0, 8)}`;
  const outDir = resolveOutDir(opts, run);
  const traceFile = resolveTraceFile(opts);
  const dataSpec = data.dataSpec;
  return {
    run: opts.out !== undefined ? basename(outDir ?? opts.out) : run,
    outDir,
    traceFile,
    config,
    hardwareSha256,
    model,
    modelSha256,
    network,
    neurons: paperNeuronCount(model.arch),
    dataset: data.dataset,
    dataSpec:
      dataSpec === 'mnist' || dataSpec === 'cifar10' ? dataSpec : shownPath(resolve(dataSpec)),
    inputSha256,
    range,
    images: data.images,
    labels: data.labels,
    mapping,
    noc,
    stepsPerWindow,
    weightBits,
    seed,
    framesInFlight,
    notes,
  };
}
