import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import type { Command } from 'commander';
import type { EpochRecord } from '../../train/loop.js';
import { defaultOptimizerConfig, type OptimizerKind } from '../../train/optimizer.js';
import { defaultRunConfig, runTraining } from '../../train/run.js';
import { UserError } from '../../util/errors.js';
import { lockOutputFolder } from '../../util/lock.js';

interface TrainCliOptions {
  model: string;
  data?: string;
  epochs: string;
  batch: string;
  lr: string;
  optimizer: string;
  weightDecay?: string;
  milestones?: string;
  gamma: string;
  seed: string;
  out: string;
  resume?: boolean;
  readout?: string;
  logitScale?: string;
  init: string;
  initScale: string;
  annEpochs: string;
  augmentShift: string;
  workers?: string;
  shards: string;
  skipEasy: string;
  trainLimit?: string;
  testLimit?: string;
  name?: string;
  schedule: string;
  momentum: string;
  nesterov?: boolean;
  augmentFlip?: boolean;
  clipNorm: string;
  dftGradFloor: string;
  bias?: boolean;
  snnBatchNorm?: boolean;
  annActivation: string;
  batchNorm?: boolean;
  wPenalty: string;
  annOptimizer?: string;
  annLr?: string;
  annWeightDecay?: string;
  annSchedule?: string;
  annMilestones?: string;
  normalize?: string;
  normalizeImages: string;
  force?: boolean;
}

/** Where each option lands in the run configuration (for --resume: what was given again). */
const OPTION_PATHS: Record<string, string[]> = {
  data: ['data'],
  epochs: ['train.epochs'],
  batch: ['train.batchSize', 'ann.train.batchSize'],
  lr: ['train.optimizer.lr'],
  optimizer: ['train.optimizer.kind'],
  weightDecay: ['train.optimizer.weightDecay'],
  milestones: ['train.optimizer.milestones'],
  gamma: ['train.optimizer.gamma'],
  schedule: ['train.optimizer.schedule'],
  momentum: ['train.optimizer.momentum'],
  nesterov: ['train.optimizer.nesterov'],
  seed: ['train.seed'],
  readout: ['readout'],
  logitScale: ['train.logitScale'],
  init: ['init'],
  initScale: ['initScale'],
  annEpochs: ['ann.train.epochs'],
  augmentShift: ['train.augmentShift', 'ann.train.augmentShift'],
  augmentFlip: ['train.augmentFlip', 'ann.train.augmentFlip'],
  shards: ['train.shards'],
  skipEasy: ['train.skipLoss'],
  clipNorm: ['train.clipNorm'],
  dftGradFloor: ['train.dftGradFloor'],
  trainLimit: ['trainLimit'],
  testLimit: ['testLimit'],
  bias: ['bias'],
  snnBatchNorm: ['snnBatchNorm'],
  annActivation: ['ann.activation'],
  batchNorm: ['ann.batchNorm'],
  wPenalty: ['ann.wPenalty'],
  annOptimizer: ['ann.train.optimizer.kind'],
  annLr: ['ann.train.optimizer.lr'],
  annWeightDecay: ['ann.train.optimizer.weightDecay'],
  annSchedule: ['ann.train.optimizer.schedule'],
  annMilestones: ['ann.train.optimizer.milestones'],
  normalize: ['normalize'],
  normalizeImages: ['normalize'],
};

function optimizerKind(flag: string, v: string): OptimizerKind {
  if (v !== 'adam' && v !== 'adamw' && v !== 'sgd') {
    throw new UserError(`${flag} "${v}": expected adam, adamw or sgd`);
  }
  return v;
}

function scheduleKind(flag: string, v: string): 'step' | 'cosine' {
  if (v !== 'step' && v !== 'cosine')
    throw new UserError(`${flag} "${v}": expected step or cosine`);
  return v;
}

function num(flag: string, v: string, check: (x: number) => boolean, what: string): number {
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x) || !check(x)) {
    throw new UserError(`${flag} ${JSON.stringify(v)}: expected ${what}`);
  }
  return x;
}
const posInt = (f: string, v: string) =>
  num(f, v, (x) => Number.isInteger(x) && x > 0, 'a positive integer');
const nonNegInt = (f: string, v: string) =>
  num(f, v, (x) => Number.isInteger(x) && x >= 0, 'a non-negative integer');
const posReal = (f: string, v: string) => num(f, v, (x) => x > 0, 'a positive number');

function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return '--';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${s.toFixed(0)}s`;
}

function pct(x: number | null): string {
  return x === null ? '-' : `${(100 * x).toFixed(2)}%`;
}

function epochLine(r: EpochRecord, epochs: number): string {
  return `${r.phase === 'ann' ? 'ann ' : ''}epoch ${r.epoch}/${r.epochs ?? epochs}  lr ${r.lr.toExponential(1)}  loss ${r.trainLoss.toFixed(4)}  train ${pct(r.trainAccuracy)}  test ${pct(r.testAccuracy)} (loss ${r.testLoss?.toFixed(4) ?? '-'})  sparsity ${r.testSparsity?.toFixed(4) ?? r.trainSparsity.toFixed(4)}  ${r.seconds === null ? '' : fmtTime(r.seconds)}`;
}

/** `ttfsim train`: argument parsing, progress bar and log lines; the work is in src/train. */
export function registerTrain(program: Command): void {
  program
    .command('train')
    .description(
      'Train a DFT (DTA-TTFS) network through its closed form with analytic gradients (Eq. 9-10); writes a checkpoint every epoch and a model manifest + safetensors at the end',
    )
    .requiredOption('--model <manifest>', 'model manifest (path or bundled name, e.g. mnist-cnn)')
    .option('--data <data>', 'mnist, cifar10 or a dataset folder (default: the manifest’s dataset)')
    .option('--epochs <n>', 'epochs to train (with --resume: extends the run)', '10')
    .option('--batch <b>', 'mini-batch size', '64')
    .option('--lr <rate>', 'initial learning rate', '1e-3')
    .option('--optimizer <kind>', 'adam, adamw or sgd (momentum)', 'adam')
    .option('--weight-decay <wd>', 'weight decay (default 0 for adam, 1e-2 adamw, 5e-4 sgd)')
    .option('--schedule <kind>', 'learning-rate schedule: step (milestones) or cosine', 'step')
    .option('--momentum <m>', 'SGD momentum', '0.9')
    .option('--nesterov', 'Nesterov momentum for SGD (default with --optimizer sgd)')
    .option('--no-nesterov', 'plain momentum for SGD')
    .option(
      '--milestones <list>',
      'epochs at which the learning rate is multiplied by --gamma, e.g. 10,15',
    )
    .option('--gamma <g>', 'learning-rate factor at each milestone', '0.1')
    .option('--seed <n>', 'seed of initialization, shuffling and augmentation', '1')
    .option('--out <dir>', 'output folder (checkpoint and final model)', 'checkpoints/train')
    .option('--resume', 'continue from <out>/checkpoint.json (same configuration)')
    .option('--readout <kind>', 'membrane or first-spike (recorded in the model file)', 'membrane')
    .option(
      '--logit-scale <s>',
      'logit scale of the cross-entropy (default 1 membrane, 10 first-spike)',
    )
    .option(
      '--init <how>',
      'kaiming, ann (train a ReLU1 ANN first), or a model/safetensors file',
      'kaiming',
    )
    .option('--init-scale <s>', 'factor on the Kaiming-normal standard deviation', '0.5')
    .option('--ann-epochs <n>', 'epochs of ANN training for --init ann', '5')
    .option('--ann-activation <kind>', 'ANN hidden activation: relu1 (the paper) or relu', 'relu1')
    .option('--batch-norm', 'batch norm after every hidden layer of the ANN (folded afterwards)')
    .option(
      '--w-penalty <l>',
      'ANN phase: add l * mean(W^2) per layer to the loss (W = sum of the weights of the nonzero inputs + bias; the DFT neuron equals ReLU1 when W = 0)',
      '0',
    )
    .option('--ann-optimizer <kind>', 'optimizer of the ANN phase (default: --optimizer)')
    .option('--ann-lr <rate>', 'learning rate of the ANN phase (default: --lr)')
    .option('--ann-weight-decay <wd>', 'weight decay of the ANN phase')
    .option('--ann-schedule <kind>', 'schedule of the ANN phase (default: --schedule)')
    .option('--ann-milestones <list>', 'milestones of the ANN phase (default: --milestones)')
    .option(
      '--normalize <percentile>',
      'ReLU -> ReLU1 normalization before the SNN phase at this activation percentile (default 99.9 with --ann-activation relu; also for --init FILE)',
    )
    .option('--normalize-images <n>', 'training images the percentiles are measured on', '2048')
    .option('--bias', 'biases on every layer of the SNN (there anyway after batch norm)')
    .option(
      '--snn-batch-norm',
      'batch norm in the SNN phase too (started as the identity, folded at the end)',
    )
    .option('--augment-shift <px>', 'random shifts of up to this many pixels (0: none)', '0')
    .option('--augment-flip', 'random horizontal flips (CIFAR-10, not MNIST)')
    .option('--clip-norm <n>', 'clip the gradient to this global L2 norm (0: none)', '0')
    .option(
      '--dft-grad-floor <d>',
      'SNN phase: the DFT gradients divide by max(1 + W, d) instead of 1 + W, bounding them where W nears -1; the forward pass stays exact (0: the exact gradient)',
      '0',
    )
    .option('--force', 'start over in an --out folder that holds a checkpoint (deletes it)')
    .option(
      '--workers <n>',
      'threads (1: in this thread)',
      String(Math.min(2, availableParallelism())),
    )
    .option('--shards <n>', 'shards per batch (fixes the gradient summation order)', '2')
    .option(
      '--skip-easy <loss>',
      'frames with a loss below this skip the backward pass (0: exact gradient of every frame)',
      '0',
    )
    .option('--train-limit <n>', 'use only the first n training images')
    .option('--test-limit <n>', 'evaluate on the first n test images (0: no test evaluation)')
    .option('--name <name>', 'output model name (default: the manifest’s file name)')
    .action(async (o: TrainCliOptions, cmd: Command) => {
      if (o.readout !== 'membrane' && o.readout !== 'first-spike') {
        throw new UserError(`--readout "${o.readout}": expected membrane or first-spike`);
      }
      const optimizer = defaultOptimizerConfig(optimizerKind('--optimizer', o.optimizer));
      optimizer.lr = posReal('--lr', o.lr);
      optimizer.schedule = scheduleKind('--schedule', o.schedule);
      optimizer.momentum = num(
        '--momentum',
        o.momentum,
        (x) => x >= 0 && x < 1,
        'a number in [0, 1)',
      );
      if (o.nesterov !== undefined) optimizer.nesterov = o.nesterov;
      optimizer.gamma = posReal('--gamma', o.gamma);
      if (o.weightDecay !== undefined) {
        optimizer.weightDecay = num(
          '--weight-decay',
          o.weightDecay,
          (x) => x >= 0,
          'a number >= 0',
        );
      }
      if (o.milestones !== undefined && o.milestones.trim() !== '') {
        optimizer.milestones = o.milestones.split(',').map((m) => posInt('--milestones', m));
      }
      const config = defaultRunConfig(optimizer);
      const readout = o.readout as 'membrane' | 'first-spike';
      config.name = o.name ?? basename(o.model).replace(/\.json$/, '');
      config.data = o.data ?? 'mnist';
      config.readout = readout;
      config.init = o.init;
      config.initScale = posReal('--init-scale', o.initScale);
      config.annEpochs = posInt('--ann-epochs', o.annEpochs);
      config.trainLimit = o.trainLimit === undefined ? null : posInt('--train-limit', o.trainLimit);
      config.testLimit = o.testLimit === undefined ? null : nonNegInt('--test-limit', o.testLimit);
      const t = config.train;
      t.epochs = posInt('--epochs', o.epochs);
      t.batchSize = posInt('--batch', o.batch);
      t.seed = num('--seed', o.seed, Number.isInteger, 'an integer');
      t.logitScale =
        o.logitScale === undefined
          ? readout === 'membrane'
            ? 1
            : 10
          : posReal('--logit-scale', o.logitScale);
      t.augmentShift = nonNegInt('--augment-shift', o.augmentShift);
      t.shards = posInt('--shards', o.shards);
      t.skipLoss = num('--skip-easy', o.skipEasy, (x) => x >= 0, 'a number >= 0');
      t.augmentFlip = o.augmentFlip === true;
      t.clipNorm = num('--clip-norm', o.clipNorm, (x) => x >= 0, 'a number >= 0');
      t.dftGradFloor = num(
        '--dft-grad-floor',
        o.dftGradFloor,
        (x) => x >= 0 && x <= 1,
        'a number in [0, 1]',
      );
      config.bias = o.bias === true;
      config.snnBatchNorm = o.snnBatchNorm === true;
      if (o.annActivation !== 'relu1' && o.annActivation !== 'relu') {
        throw new UserError(`--ann-activation "${o.annActivation}": expected relu1 or relu`);
      }
      if (config.init === 'ann') {
        const annOpt = defaultOptimizerConfig(
          optimizerKind('--ann-optimizer', o.annOptimizer ?? o.optimizer),
        );
        annOpt.lr = o.annLr === undefined ? optimizer.lr : posReal('--ann-lr', o.annLr);
        annOpt.schedule = scheduleKind('--ann-schedule', o.annSchedule ?? o.schedule);
        annOpt.momentum = optimizer.momentum;
        if (o.nesterov !== undefined) annOpt.nesterov = o.nesterov;
        annOpt.gamma = optimizer.gamma;
        annOpt.milestones =
          o.annMilestones !== undefined
            ? o.annMilestones.split(',').map((m) => posInt('--ann-milestones', m))
            : optimizer.milestones;
        if (o.annWeightDecay !== undefined) {
          annOpt.weightDecay = num(
            '--ann-weight-decay',
            o.annWeightDecay,
            (x) => x >= 0,
            'a number >= 0',
          );
        }
        config.ann = {
          activation: o.annActivation,
          batchNorm: o.batchNorm === true,
          bias: false,
          wPenalty: num('--w-penalty', o.wPenalty, (x) => x >= 0, 'a number >= 0'),
          train: { ...t, epochs: config.annEpochs, logitScale: 1, optimizer: annOpt, skipLoss: 0 },
        };
      }
      const defaultNormalize =
        config.init === 'ann' && o.annActivation === 'relu' ? '99.9' : undefined;
      const norm = o.normalize ?? defaultNormalize;
      config.normalize =
        norm === undefined
          ? null
          : {
              percentile: num(
                '--normalize',
                norm,
                (x) => x > 0 && x <= 100,
                'a percentile in (0, 100]',
              ),
              images: posInt('--normalize-images', o.normalizeImages),
            };
      const workers = o.workers === undefined ? 2 : posInt('--workers', o.workers);
      const explicit = Object.keys(OPTION_PATHS)
        .filter((k) => cmd.getOptionValueSource(k) === 'cli')
        .flatMap((k) => OPTION_PATHS[k]!);
      if (o.data === undefined && !o.resume) {
        const { loadManifest, resolveModelPath } = await import('../../model/load.js');
        config.data = loadManifest(resolveModelPath(o.model)).manifest.dataset;
      }

      const tty = process.stderr.isTTY === true;
      let epochStart = performance.now();
      let lastLogged = -1;
      // One run at a time in --out (a second one fails at once); released however this ends.
      const lock = lockOutputFolder(o.out, `--out ${o.out}`, 'train');
      const result = await runTraining(
        {
          model: o.model,
          out: o.out,
          resume: o.resume === true,
          workers,
          config,
          explicit,
          refuseExisting: o.force !== true,
        },
        {
          now: () => performance.now(),
          date: new Date().toISOString(),
          log: (line) => process.stderr.write(`${line}\n`),
          onBatch: (p) => {
            if (p.framesDone <= t.batchSize) {
              epochStart = performance.now();
              lastLogged = -1;
              return;
            }
            const sec = (performance.now() - epochStart) / 1000;
            const rate = (p.framesDone - t.batchSize) / Math.max(sec, 1e-9);
            const eta = (p.framesTotal - p.framesDone) / rate;
            const frac = p.framesDone / p.framesTotal;
            const text = `epoch ${p.epoch + 1}/${p.epochs} ${p.framesDone}/${p.framesTotal} ${rate.toFixed(0)} img/s ETA ${fmtTime(eta)} loss ${p.loss.toFixed(4)} acc ${pct(p.accuracy)}`;
            if (tty) {
              const width = 24;
              const fill = Math.round(frac * width);
              process.stderr.write(
                `\r[${'#'.repeat(fill)}${'-'.repeat(width - fill)}] ${text}\x1b[K`,
              );
            } else {
              const decile = Math.floor(frac * 10);
              if (decile !== lastLogged && decile < 10) {
                lastLogged = decile;
                process.stderr.write(`${text}\n`);
              }
            }
          },
          onEpoch: (r) => {
            process.stderr.write(`${tty ? '\r\x1b[K' : ''}${epochLine(r, t.epochs)}\n`);
          },
        },
      ).finally(() => lock.release());
      if (result.manifestPath !== null) {
        process.stdout.write(`wrote ${result.manifestPath}\n`);
      } else {
        process.stdout.write(`stopped after epoch ${result.state.epoch}; resume with --resume\n`);
      }
    });
}
