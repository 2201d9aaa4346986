import { createHash } from 'node:crypto';
import { type Dataset, loadDataset } from '../data/dataset.js';
import { inputValues } from '../data/values.js';
import type { LoadedModel } from '../model/load.js';
import { synapseCount } from '../snn/network.js';
import { UserError } from '../util/errors.js';
import { checkFrameRange, type FrameRange, parseFrames } from './frames.js';
import { DEFAULT_MAX_FRAMES, DEFAULT_SYNAPSE_FRAMES, type SimulateOptions } from './options.js';
import { CALIBRATION_FRAMES } from './runNetwork.js';

/** The frames a run simulates, from the data set that `--data` (or the model) names. */
export interface FrameData {
  dataset: Dataset;
  /** What `--data` resolved to, as given: `mnist`, `cifar10` or a folder. */
  dataSpec: string;
  range: FrameRange;
  /** The frames' input values (data/values.ts: in double where float32 is not exact). */
  images: Float32Array | Float64Array;
  labels: Uint8Array;
  /** sha256 of the frames' stored values and labels. */
  inputSha256: string;
  notes: string[];
}

/**
 * Loads the test frames of the run (`--frames`, else the default count of
 * {@link DEFAULT_SYNAPSE_FRAMES}; at least {@link CALIBRATION_FRAMES} are read for the
 * calibration of untrained weights) and checks them against the model: image shape, class count,
 * and the encoding's value range (a note).
 */
export function resolveFrameData(opts: SimulateOptions, model: LoadedModel): FrameData {
  const notes: string[] = [];
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
  const name = model.manifest.name;
  if (ds.c !== c || ds.h !== h || ds.w !== w) {
    throw new UserError(
      `data ${dataSpec}: images are ${ds.c}x${ds.h}x${ds.w} but model ${name} expects ${c}x${h}x${w}`,
    );
  }
  if (dataset.classes.length !== model.classes.length) {
    throw new UserError(
      `data ${dataSpec}: ${dataset.classes.length} classes but model ${name} has ${model.classes.length} outputs`,
    );
  }
  const enc = model.arch.encoding;
  if (enc.kind === 'pixel' && enc.maxValue !== dataset.maxValue) {
    notes.push(
      `model ${name} encodes inputs up to ${enc.maxValue} but ${dataset.name} values go up to ${dataset.maxValue}`,
    );
  }
  const size = c * h * w;
  const stored = dataset.images.subarray(range.start * size, range.end * size);
  const labels = dataset.labels.subarray(range.start, range.end);
  const inputSha256 = createHash('sha256')
    .update(new Uint8Array(stored.buffer, stored.byteOffset, stored.byteLength))
    .update(labels)
    .digest('hex');
  const images = inputValues(dataset, range.start * size, range.end * size);
  return { dataset, dataSpec, range, images, labels, inputSha256, notes };
}
