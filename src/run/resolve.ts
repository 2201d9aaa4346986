import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { type Dataset, loadDataset } from '../data/dataset.js';
import { inputValues } from '../data/values.js';
import { type HardwareConfig, loadHardwareConfig } from '../hardware/config.js';
import { checkNocMemory } from '../hardware/memory.js';
import { mapNetwork } from '../mapping/map.js';
import type { Mapping } from '../mapping/types.js';
import { type LoadedModel, loadModel } from '../model/load.js';
import { untrainedNetwork } from '../sim/untrained.js';
import { type Network, paperNeuronCount, synapseCount } from '../snn/network.js';
import { UserError } from '../util/errors.js';
import { checkOutputPath } from '../util/lock.js';
import { PROJECT_ROOT, VERSION } from '../util/version.js';
import { checkFrameRange, type FrameRange, parseFrames } from './frames.js';
import {
  DEFAULT_HARDWARE,
  DEFAULT_MAX_FRAMES,
  DEFAULT_MODEL,
  DEFAULT_NOC,
  DEFAULT_SEED,
  DEFAULT_SYNAPSE_FRAMES,
  type SimulateOptions,
} from './options.js';
import { foreignEntries } from './results.js';

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

/** Test images the weights of an untrained model are calibrated on (the first ones of the set). */
export const CALIBRATION_FRAMES = 4;

function sha256(...parts: (string | Uint8Array)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

/** A path shown relative to the project root when inside it (stable across machines). */
function shownPath(abs: string): string {
  const rel = relative(PROJECT_ROOT, abs);
  return rel.startsWith('..') || rel === '' ? abs : rel;
}

function checkInteger(name: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new UserError(`${name} ${v}: expected a whole number from ${min} to ${max}`);
  }
}

/** Overrides from the dedicated options, applied after `--set` (they win). */
function optionOverrides(opts: SimulateOptions): string[] {
  const out = [...(opts.set ?? [])];
  if (opts.stepsPerWindow !== undefined && opts.stepsPerWindow !== 'exact') {
    checkInteger('--steps-per-window', opts.stepsPerWindow, 1, 1_000_000);
    out.push(`timing.stepsPerWindow=${opts.stepsPerWindow}`);
  }
  if (opts.weightBits !== undefined) {
    if (opts.weightBits === 'float') out.push('chip.weightBits=null');
    else {
      checkInteger('--weight-bits', opts.weightBits, 2, 16);
      out.push(`chip.weightBits=${opts.weightBits}`);
    }
  }
  return out;
}

/**
 * Checks, without writing, that a results folder may be written: a usable path (not empty, not
 * too long, not a file) and, when it exists, a folder holding only files ttfsim wrote (an
 * earlier run, its report), unless `force`: then ttfsim writes beside the other files and
 * replaces only its own.
 */
function checkOutDir(outDir: string, shown: string, force: boolean): void {
  checkOutputPath(outDir, `--out ${shown}`);
  if (!existsSync(outDir)) return;
  const foreign = foreignEntries(outDir);
  if (foreign.length > 0 && !force) {
    const list = foreign.slice(0, 3).map((f) => JSON.stringify(f));
    const more = foreign.length > 3 ? ` and ${foreign.length - 3} more` : '';
    throw new UserError(
      `--out ${shown}: holds files ttfsim did not write (${list.join(', ')}${more}); choose another folder, or add --force to write beside them (ttfsim replaces only its own files)`,
    );
  }
}

/** Resolves and validates every input of a run; nothing is written. */
export function resolveRun(opts: SimulateOptions): ResolvedRun {
  const notes: string[] = [];
  const seed = opts.seed ?? DEFAULT_SEED;
  checkInteger('--seed', seed, 0, 2 ** 31 - 1);
  const framesInFlight = opts.framesInFlight ?? null;
  if (framesInFlight !== null) checkInteger('--frames-in-flight', framesInFlight, 1, 1_000_000);
  const noc = opts.noc ?? DEFAULT_NOC;
  if (noc !== 'ideal' && noc !== 'detailed') {
    throw new UserError(`--noc ${String(noc)}: expected ideal or detailed`);
  }

  // Hardware (validated after merging the overrides).
  const config = loadHardwareConfig(opts.hw ?? DEFAULT_HARDWARE, optionOverrides(opts));
  const hardwareSha256 = sha256(JSON.stringify(config));
  const weightBits = config.chip.weightBits;
  if (weightBits !== null && weightBits > 16) {
    throw new UserError(
      `chip.weightBits ${weightBits}: quantization supports 2 to 16 bits; use null (--weight-bits float) for float weights`,
    );
  }
  const stepsPerWindow = opts.stepsPerWindow === 'exact' ? null : config.timing.stepsPerWindow;

  // Model and weights.
  const model = loadModel(opts.model ?? DEFAULT_MODEL);
  const modelSha256 = sha256(
    readFileSync(model.manifestPath),
    model.weightsPath !== null ? readFileSync(model.weightsPath) : '',
  );
  const neurons = paperNeuronCount(model.arch);

  // Mapping (throws when the model does not fit the mesh).
  const mapping = mapNetwork(model.arch, config, { model: model.manifest.name });
  checkNocMemory(config, mapping.meshWidth, mapping.meshHeight, noc);

  // Frames and data.
  const framesGiven = opts.frames !== undefined;
  const parsed = framesGiven ? parseFrames(opts.frames!) : { start: 0, end: null };
  let limit = parsed.end ?? undefined;
  const defaultCount = Math.min(
    DEFAULT_MAX_FRAMES,
    Math.max(1, Math.floor(DEFAULT_SYNAPSE_FRAMES / synapseCount(model.arch))),
  );
  if (!framesGiven) limit = defaultCount;
  const dataSpec = opts.data ?? model.manifest.dataset;
  const dataset = loadDataset(dataSpec, 'test', {
    limit: limit === undefined ? undefined : Math.max(limit, CALIBRATION_FRAMES),
    env: opts.env,
  });
  if (dataset.note !== undefined) notes.push(dataset.note);
  let range: FrameRange;
  if (framesGiven) {
    // Loaded with `limit = end`: fewer frames than `end` means the set holds exactly `count`.
    range = checkFrameRange(parsed, dataset.count, dataset.name, opts.frames!);
  } else {
    range = { start: 0, end: Math.min(defaultCount, dataset.count) };
    if (dataset.count >= defaultCount) {
      notes.push(
        `ran the first ${range.end} test frames of ${dataset.name} (a quick default); --frames all runs the whole test set, --frames N the first N`,
      );
    }
  }
  const { c, h, w } = model.arch.input;
  const ds = dataset.shape;
  if (ds.c !== c || ds.h !== h || ds.w !== w) {
    throw new UserError(
      `data ${dataSpec}: images are ${ds.c}x${ds.h}x${ds.w} but model ${model.manifest.name} expects ${c}x${h}x${w}`,
    );
  }
  if (dataset.classes.length !== model.classes.length) {
    throw new UserError(
      `data ${dataSpec}: ${dataset.classes.length} classes but model ${model.manifest.name} has ${model.classes.length} outputs`,
    );
  }
  const enc = model.arch.encoding;
  if (enc.kind === 'pixel' && enc.maxValue !== dataset.maxValue) {
    notes.push(
      `model ${model.manifest.name} encodes inputs up to ${enc.maxValue} but ${dataset.name} values go up to ${dataset.maxValue}`,
    );
  }
  const size = c * h * w;
  let network = model.network;
  if (network === null) {
    const cal = Math.min(CALIBRATION_FRAMES, dataset.count);
    const calibrationInputs = Array.from({ length: cal }, (_, i) =>
      inputValues(dataset, i * size, (i + 1) * size),
    );
    const u = untrainedNetwork(model.arch, { seed, calibrationInputs, stepsPerWindow });
    network = u.network;
    notes.push(
      `model ${model.manifest.name} has no trained weights: ran with seeded random weights (seed ${seed}) scaled so that each layer fires about ${Math.round(100 * u.targetFiringFraction)}% of its neurons on the first ${cal} test images; accuracy is meaningless and not reported, spikes, traffic and energy are indicative`,
    );
  } else if (!model.trained) {
    notes.push(
      `model ${model.manifest.name}: its weights are marked untrained; accuracy is not reported`,
    );
  }
  const images = dataset.images.subarray(range.start * size, range.end * size);
  const labels = dataset.labels.subarray(range.start, range.end);
  const inputSha256 = sha256(
    new Uint8Array(images.buffer, images.byteOffset, images.byteLength),
    labels,
  );

  // Run id and output.
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
  let outDir: string | null = null;
  if (opts.write !== false) {
    if (opts.out !== undefined && opts.out.trim() === '') {
      throw new UserError('--out: empty path; give a folder name');
    }
    outDir = resolve(opts.out ?? join(opts.resultsRoot ?? 'results', run));
    checkOutDir(outDir, opts.out ?? outDir, opts.force === true);
  }
  let traceFile: string | null = null;
  if (opts.traceSpikes !== undefined) {
    const label = `--trace-spikes ${opts.traceSpikes}`;
    if (opts.traceSpikes.trim() === '')
      throw new UserError('--trace-spikes: empty path; give a file name');
    traceFile = checkOutputPath(opts.traceSpikes, label, 'file');
    const parent = dirname(traceFile);
    if (!existsSync(parent) || !statSync(parent).isDirectory()) {
      throw new UserError(`${label}: folder ${parent} does not exist`);
    }
    try {
      accessSync(parent, constants.W_OK | constants.X_OK);
    } catch {
      throw new UserError(`${label}: no permission to write in ${parent}`);
    }
  }
  return {
    run: opts.out !== undefined ? basename(outDir ?? opts.out) : run,
    outDir,
    traceFile,
    config,
    hardwareSha256,
    model,
    modelSha256,
    network,
    neurons,
    dataset,
    dataSpec:
      dataSpec === 'mnist' || dataSpec === 'cifar10' ? dataSpec : shownPath(resolve(dataSpec)),
    inputSha256,
    range,
    images: inputValues(dataset, range.start * size, range.end * size),
    labels,
    mapping,
    noc,
    stepsPerWindow,
    weightBits,
    seed,
    framesInFlight,
    notes,
  };
}

export { shownPath };
