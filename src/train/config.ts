/**
 * The configuration of a training run (stored in its checkpoint) and its progress through the
 * phases; see run.ts.
 */
import type { Readout } from '../snn/network.js';
import type { EpochRecord, TrainConfig } from './loop.js';
import type { NormalizeOptions } from './normalize.js';
import type { OptimizerConfig } from './optimizer.js';
import type { NetMode } from './plan.js';

/** The ANN phase (`init: 'ann'`). */
export interface AnnConfig {
  /** `relu1` (bias-free, BN-free unless asked: the paper's) or `relu` (normalized afterwards). */
  activation: 'relu1' | 'relu';
  batchNorm: boolean;
  bias: boolean;
  /** `wPenalty * mean(W^2)` per layer in the loss (plan.ts); 0 or absent: none. */
  wPenalty?: number;
  /** Epochs, optimizer, schedule, augmentation of the ANN phase (seed and batch: the run's). */
  train: TrainConfig;
}

/** One option changed on `--resume`. */
export interface ConfigChange {
  phase: NetMode;
  /** Completed epochs of that phase when the change took effect. */
  epoch: number;
  option: string;
  from: unknown;
  to: unknown;
}

/** Everything that determines the run's result (stored in the checkpoint). */
export interface RunConfig {
  /** Output model name (`<out>/<name>.json`). */
  name: string;
  /** `mnist`, `cifar10` or a dataset folder. */
  data: string;
  trainLimit: number | null;
  testLimit: number | null;
  readout: Readout;
  /** `kaiming`, `ann` (train an ANN first) or a path to a model / safetensors file. */
  init: string;
  initScale: number;
  /** Epochs of the ANN phase (kept for older checkpoints; `ann.train.epochs` when set). */
  annEpochs: number;
  ann?: AnnConfig;
  /** ReLU -> ReLU1 normalization before the SNN phase; null: none. */
  normalize?: NormalizeOptions | null;
  /** Biases on every layer of the SNN (they are there anyway when the initial network has them). */
  bias?: boolean;
  /**
   * Batch norm in the SNN phase (batch statistics of `A`, applied to `A` and `W`), started as the
   * identity from the transferred network (bnInit.ts) and folded into weights and biases at the
   * end.
   */
  snnBatchNorm?: boolean;
  /** The SNN phase. */
  train: TrainConfig;
  changes?: ConfigChange[];
}

/** What the checkpoint's run state holds besides the config. */
export interface Progress {
  phase: NetMode;
  /** Per-epoch records of the ANN phase (kept once the SNN phase starts). */
  annHistory: EpochRecord[];
  /** Test accuracy of the network right after the transfer (before any SNN epoch). */
  transfer?: { testAccuracy: number | null; testSparsity: number | null; scales?: number[] };
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

/** The ANN phase's config: `config.ann`, or the one older runs implied (ReLU1, run's recipe). */
export function annConfig(config: RunConfig): AnnConfig {
  return (
    config.ann ?? {
      activation: 'relu1',
      batchNorm: false,
      bias: false,
      train: { ...config.train, epochs: config.annEpochs, logitScale: 1 },
    }
  );
}
