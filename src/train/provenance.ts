/**
 * The provenance a trained model carries (manifest `provenance`): what produced it, on which
 * data, with which recipe (both phases), the per-epoch curve in short, the accuracy right after
 * the ANN-to-SNN transfer, and every option changed on `--resume`.
 */
import type { ModelManifest } from '../model/manifest.js';
import { annConfig, type Progress, type RunConfig } from './config.js';
import type { EpochRecord, TrainConfig } from './loop.js';

type Provenance = NonNullable<ModelManifest['provenance']>;
type Hyper = Record<string, string | number | boolean>;

function recipe(prefix: string, t: TrainConfig): Hyper {
  const o = t.optimizer;
  return {
    [`${prefix}epochs`]: t.epochs,
    [`${prefix}optimizer`]: o.kind,
    [`${prefix}lr`]: o.lr,
    [`${prefix}schedule`]: o.schedule ?? 'step',
    [`${prefix}milestones`]: o.milestones.join(','),
    [`${prefix}gamma`]: o.gamma,
    [`${prefix}weightDecay`]: o.weightDecay,
    ...(o.kind === 'sgd'
      ? { [`${prefix}momentum`]: o.momentum ?? 0.9, [`${prefix}nesterov`]: o.nesterov ?? false }
      : {}),
    [`${prefix}batchSize`]: t.batchSize,
    [`${prefix}augmentShift`]: t.augmentShift,
    [`${prefix}augmentFlip`]: t.augmentFlip === true,
  };
}

const pct = (x: number | null) => (x === null ? '-' : `${(100 * x).toFixed(2)}%`);

function curve(label: string, h: EpochRecord[]): string {
  return `${label}: ${h.map((r) => `${r.epoch}:${pct(r.testAccuracy)}`).join(' ')}`;
}

export function provenanceOf(
  config: RunConfig,
  history: EpochRecord[],
  progress: Progress,
  ctx: { trainCount: number; testCount: number | null; date?: string; version: string },
): Provenance {
  const last = history[history.length - 1];
  const t = config.train;
  const hyper: Hyper = {
    readout: config.readout,
    init: config.init,
    ...(config.init === 'kaiming' ? { initScale: config.initScale } : {}),
    logitScale: t.logitScale,
    shards: t.shards,
    skipLoss: t.skipLoss ?? 0,
    clipNorm: t.clipNorm ?? 0,
    dftGradFloor: t.dftGradFloor ?? 0,
    bias: config.bias === true,
    ...recipe('', t),
  };
  if (config.init === 'ann') {
    const a = annConfig(config);
    Object.assign(hyper, {
      annActivation: a.activation,
      annBatchNorm: a.batchNorm,
      annBias: a.bias,
      annWPenalty: a.wPenalty ?? 0,
      ...recipe('ann.', a.train),
    });
  }
  if (config.normalize) {
    hyper.normalizePercentile = config.normalize.percentile;
    hyper.normalizeImages = config.normalize.images;
  }
  const notes = [
    'testAccuracy and sparsity: the trainer’s forward pass (float32 closed form) on the test images after the last epoch',
  ];
  if (progress.annHistory.length > 0)
    notes.push(curve('ANN test accuracy per epoch', progress.annHistory));
  if (progress.transfer && progress.transfer.testAccuracy !== null) {
    notes.push(
      `after the transfer to the DFT network, before any SNN epoch: ${pct(progress.transfer.testAccuracy)}`,
    );
  }
  notes.push(curve('SNN test accuracy per epoch', history));
  for (const c of config.changes ?? []) {
    notes.push(
      `changed on --resume after ${c.phase} epoch ${c.epoch}: ${c.option} ${JSON.stringify(c.from)} -> ${JSON.stringify(c.to)}`,
    );
  }
  return {
    trainer: `ttfsim ${ctx.version} (ttfsim train)`,
    data: `${config.data} train (${ctx.trainCount.toLocaleString('en-US')} images)`,
    epochs: history.length,
    seed: t.seed,
    ...(last?.testAccuracy != null ? { testAccuracy: last.testAccuracy } : {}),
    ...(ctx.testCount !== null ? { testSamples: ctx.testCount } : {}),
    ...(last?.testSparsity != null ? { sparsity: last.testSparsity } : {}),
    ...(ctx.date !== undefined ? { date: ctx.date } : {}),
    hyperparameters: hyper,
    notes: notes.join('; '),
  };
}
