/**
 * A whole training run, as `ttfsim train` performs it: model and data, initial weights
 * (Kaiming, a ReLU1 ANN trained first, or a file), the training loop with a checkpoint after
 * every epoch, `--resume`, and the final model (manifest + safetensors with provenance).
 */
import { join } from 'node:path';
import { loadDataset } from '../data/dataset.js';
import { loadManifest, resolveModelPath } from '../model/load.js';
import { type ModelManifest, manifestToArchitecture } from '../model/manifest.js';
import { saveModel } from '../model/save.js';
import type { Readout } from '../snn/network.js';
import { UserError } from '../util/errors.js';
import { VERSION } from '../util/version.js';
import { hasCheckpoint, loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { createEngine, type LabeledData } from './engine.js';
import { flattenWeights, kaimingInit, loadInitWeights, unflattenWeights } from './init.js';
import {
  initialState,
  type TrainConfig,
  type TrainHooks,
  type TrainState,
  trainLoop,
} from './loop.js';
import type { OptimizerConfig } from './optimizer.js';
import { buildPlan } from './plan.js';

/** Everything that determines the run's result (stored in the checkpoint). */
export interface RunConfig {
  /** Output model name (`<out>/<name>.json`). */
  name: string;
  /** `mnist`, `cifar10` or a dataset folder. */
  data: string;
  trainLimit: number | null;
  testLimit: number | null;
  readout: Readout;
  /** `kaiming`, `ann` (train a ReLU1 ANN first) or a path to a model / safetensors file. */
  init: string;
  initScale: number;
  annEpochs: number;
  train: TrainConfig;
}

export interface RunOptions {
  /** Model manifest (path or bundled name); ignored when resuming. */
  model: string;
  out: string;
  resume: boolean;
  workers: number;
  /** The run's configuration; when resuming only `train.epochs` is taken (to extend a run). */
  config: RunConfig;
  /**
   * When resuming: a new learning-rate schedule for the remaining epochs (given explicitly on
   * the command line). Changes the run, so it no longer equals an uninterrupted one.
   */
  schedule?: { milestones?: number[]; gamma?: number };
}

export interface RunHooks extends TrainHooks {
  log?: (line: string) => void;
  /** ISO date for the provenance (the CLI passes the wall clock). */
  date?: string;
}

export interface RunResult {
  state: TrainState;
  config: RunConfig;
  /** Path of the final manifest, or null when the run stopped before its last epoch. */
  manifestPath: string | null;
  manifest: ModelManifest;
}

function toLabeled(d: { images: Float32Array; labels: Uint8Array; count: number }): LabeledData {
  return { images: d.images, labels: d.labels, count: d.count };
}

export function defaultRunConfig(optimizer: OptimizerConfig): RunConfig {
  return {
    name: 'model',
    data: 'mnist',
    trainLimit: null,
    testLimit: null,
    readout: 'membrane',
    init: 'kaiming',
    initScale: 0.5,
    annEpochs: 5,
    train: {
      epochs: 10,
      batchSize: 64,
      seed: 1,
      optimizer,
      logitScale: 1,
      augmentShift: 0,
      shards: 2,
    },
  };
}

export async function runTraining(opts: RunOptions, hooks: RunHooks = {}): Promise<RunResult> {
  const log = hooks.log ?? (() => {});
  let config: RunConfig;
  let manifest: ModelManifest;
  let state: TrainState | null = null;
  if (opts.resume && hasCheckpoint(opts.out)) {
    const cp = loadCheckpoint<RunConfig>(opts.out);
    config = cp.file.config;
    config.train.epochs = Math.max(config.train.epochs, opts.config.train.epochs);
    const o = config.train.optimizer;
    if (opts.schedule?.milestones !== undefined) o.milestones = opts.schedule.milestones;
    if (opts.schedule?.gamma !== undefined) o.gamma = opts.schedule.gamma;
    if (opts.schedule !== undefined) {
      log(
        `schedule for the remaining epochs: milestones [${o.milestones.join(', ')}], gamma ${o.gamma}`,
      );
    }
    manifest = cp.file.manifest;
    state = cp.state;
    log(`resuming ${join(opts.out, 'checkpoint.json')} after epoch ${state.epoch}`);
  } else {
    if (opts.resume) log(`no checkpoint in ${opts.out}: starting from the beginning`);
    config = opts.config;
    manifest = structuredClone(loadManifest(resolveModelPath(opts.model)).manifest);
    manifest.readout = config.readout;
  }
  const arch = manifestToArchitecture(manifest);
  const lim = (n: number | null) => (n === null ? {} : { limit: n });
  const train = loadDataset(config.data, 'train', lim(config.trainLimit));
  const test =
    config.testLimit === 0 ? null : loadDataset(config.data, 'test', lim(config.testLimit));
  const inShape = arch.input;
  if (train.shape.c !== inShape.c || train.shape.h !== inShape.h || train.shape.w !== inShape.w) {
    throw new UserError(
      `data ${config.data}: images are ${train.shape.c}x${train.shape.h}x${train.shape.w}, the model expects ${inShape.c}x${inShape.h}x${inShape.w}`,
    );
  }
  const plan = buildPlan(arch, 'snn');
  const counts = { train: train.count, test: test?.count ?? 0 };
  const engineFor = (mode: 'snn' | 'ann') =>
    createEngine({
      arch,
      mode,
      workers: opts.workers,
      shards: config.train.shards,
      maxBatch: config.train.batchSize,
      train: toLabeled(train),
      test: test === null ? null : toLabeled(test),
    });

  if (state === null) {
    let params: Float32Array;
    if (config.init === 'kaiming') {
      params = kaimingInit(plan, config.train.seed, config.initScale);
    } else if (config.init === 'ann') {
      log(`training the ReLU1 ANN twin for ${config.annEpochs} epochs (initialization)`);
      const ann = engineFor('ann');
      try {
        const annState = initialState(
          kaimingInit(plan, config.train.seed, 1),
          config.train.seed,
          'ann-shuffle',
        );
        const annCfg = { ...config.train, epochs: config.annEpochs, logitScale: 1 };
        await trainLoop(ann, annCfg, annState, counts, {
          onBatch: hooks.onBatch,
          now: hooks.now,
          onEpoch: (r) =>
            log(
              `ann epoch ${r.epoch}: loss ${r.trainLoss.toFixed(4)} train ${(100 * r.trainAccuracy).toFixed(2)}% test ${r.testAccuracy === null ? '-' : (100 * r.testAccuracy).toFixed(2)}%`,
            ),
        });
        params = annState.params.slice();
      } finally {
        await ann.close();
      }
    } else {
      params = flattenWeights(plan, loadInitWeights(arch, config.init));
    }
    state = initialState(params, config.train.seed);
  }

  const engine = engineFor('snn');
  try {
    await trainLoop(engine, config.train, state, counts, {
      ...hooks,
      onEpoch: async (rec, s) => {
        saveCheckpoint(opts.out, s, config, manifest);
        await hooks.onEpoch?.(rec, s);
      },
    });
  } finally {
    await engine.close();
  }
  if (state.epoch < config.train.epochs) {
    return { state, config, manifestPath: null, manifest };
  }
  const last = state.history[state.history.length - 1];
  const t = config.train;
  const out = structuredClone(manifest);
  out.name = config.name;
  out.provenance = {
    trainer: `ttfsim ${VERSION} (ttfsim train)`,
    data: `${config.data} train (${train.count.toLocaleString('en-US')} images)`,
    epochs: state.epoch,
    seed: t.seed,
    ...(last?.testAccuracy != null ? { testAccuracy: last.testAccuracy } : {}),
    ...(test !== null ? { testSamples: test.count } : {}),
    ...(last?.testSparsity != null ? { sparsity: last.testSparsity } : {}),
    ...(hooks.date !== undefined ? { date: hooks.date } : {}),
    hyperparameters: {
      readout: config.readout,
      optimizer: t.optimizer.kind,
      lr: t.optimizer.lr,
      milestones: t.optimizer.milestones.join(','),
      gamma: t.optimizer.gamma,
      weightDecay: t.optimizer.weightDecay,
      batchSize: t.batchSize,
      logitScale: t.logitScale,
      init: config.init,
      initScale: config.initScale,
      augmentShift: t.augmentShift,
      shards: t.shards,
      skipLoss: t.skipLoss ?? 0,
    },
    notes:
      'testAccuracy and sparsity: the trainer’s forward pass (real-valued closed form) on the test images after the last epoch',
  };
  const saved = saveModel(
    opts.out,
    config.name,
    out,
    { arch, weights: unflattenWeights(plan, state.params) },
    { trained: true },
  );
  return { state, config, manifestPath: saved.manifestPath, manifest: saved.manifest };
}
