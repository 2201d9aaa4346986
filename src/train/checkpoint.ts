/**
 * Training checkpoints: `<out>/checkpoint.json` (epoch, optimizer step, RNG state, history, the
 * run configuration and the model manifest) and `<out>/checkpoint-e<NNNN>.safetensors` (flat
 * float32 tensors `params`, `adam_m`, `adam_v` and, with batch norm, `bn_stats`: the whole numeric
 * state, exactly).
 *
 * Writing is atomic as a whole: the weights go to a new file named after the epoch, then the
 * JSON that points at it replaces the old one (both via temp file + rename), and only then is
 * the previous weights file removed. A run killed at any moment leaves a consistent checkpoint.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelManifest } from '../model/manifest.js';
import { readSafetensors, tensorToFloat32, writeSafetensors } from '../model/safetensors.js';
import { writeFileAtomic } from '../util/atomicWrite.js';
import { inFile } from '../util/errors.js';
import type { EpochRecord, TrainState } from './loop.js';

export const CHECKPOINT_JSON = 'checkpoint.json';
const FORMAT = 'ttfsim-train-checkpoint';

export interface CheckpointFile<C> {
  format: typeof FORMAT;
  version: 1;
  /** Completed epochs. */
  epoch: number;
  optimizerStep: number;
  rng: object;
  history: EpochRecord[];
  weightsFile: string;
  config: C;
  manifest: ModelManifest;
}

function weightsName(epoch: number): string {
  return `checkpoint-e${String(epoch).padStart(4, '0')}.safetensors`;
}

/** Writes the checkpoint of `state` into `dir` (see the module comment for the order). */
export function saveCheckpoint<C>(
  dir: string,
  state: TrainState,
  config: C,
  manifest: ModelManifest,
): void {
  const file = weightsName(state.epoch);
  const P = state.params.length;
  writeSafetensors(
    join(dir, file),
    {
      params: { shape: [P], data: state.params },
      adam_m: { shape: [P], data: state.opt.m },
      adam_v: { shape: [P], data: state.opt.v },
      ...(state.stats.length > 0
        ? { bn_stats: { shape: [state.stats.length], data: state.stats } }
        : {}),
    },
    { format: FORMAT, epoch: String(state.epoch) },
  );
  const json: CheckpointFile<C> = {
    format: FORMAT,
    version: 1,
    epoch: state.epoch,
    optimizerStep: state.opt.step,
    rng: state.rng,
    history: state.history,
    weightsFile: file,
    config,
    manifest,
  };
  writeFileAtomic(join(dir, CHECKPOINT_JSON), `${JSON.stringify(json, null, 2)}\n`);
  for (const f of readdirSync(dir)) {
    if (/^checkpoint-e\d+\.safetensors$/.test(f) && f !== file)
      rmSync(join(dir, f), { force: true });
  }
}

export function hasCheckpoint(dir: string): boolean {
  return existsSync(join(dir, CHECKPOINT_JSON));
}

/** Reads a checkpoint written by {@link saveCheckpoint}. */
export function loadCheckpoint<C>(dir: string): { file: CheckpointFile<C>; state: TrainState } {
  const path = join(dir, CHECKPOINT_JSON);
  if (!existsSync(path)) {
    throw inFile(dir, `no ${CHECKPOINT_JSON} to resume from (run without --resume to start)`);
  }
  let file: CheckpointFile<C>;
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as CheckpointFile<C>;
  } catch (err) {
    throw inFile(path, `not valid JSON: ${(err as Error).message}`);
  }
  if (file.format !== FORMAT || file.version !== 1) {
    throw inFile(path, `format: expected ${FORMAT} version 1`);
  }
  const st = readSafetensors(join(dir, file.weightsFile));
  const get = (name: string): Float32Array => {
    const t = st.tensors.get(name);
    if (t === undefined) throw inFile(join(dir, file.weightsFile), `missing tensor "${name}"`);
    return tensorToFloat32(t);
  };
  const params = get('params');
  const state: TrainState = {
    epoch: file.epoch,
    params,
    stats: st.tensors.has('bn_stats') ? get('bn_stats') : new Float32Array(0),
    opt: { step: file.optimizerStep, m: get('adam_m'), v: get('adam_v') },
    rng: file.rng,
    history: file.history,
  };
  if (state.opt.m.length !== params.length || state.opt.v.length !== params.length) {
    throw inFile(join(dir, file.weightsFile), 'adam_m/adam_v do not match params in length');
  }
  return { file, state };
}
