/**
 * Turns a training checkpoint into a shipped model: measures it on the whole test set with the
 * reference forward pass (`referenceBatch`, the oracle) in three modes (float weights and exact
 * time; 4-bit weights as integer levels with exact arithmetic, biases on the weights' scale,
 * exact time; 10 steps per window) on the inputs in double (`inputValues`) and writes the
 * manifest and the safetensors weights and biases (folded, `saveModel`) with the measured
 * numbers in the provenance.
 *
 *     node --import tsx -e "import('./src/train/ship.ts').then((m) => m.shipCli())" -- \
 *       checkpoints/mnist-cnn models/mnist-cnn.json "<training command>" "$(date -u +%FT%TZ)"
 */
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { loadDataset } from '../data/dataset.js';
import { inputValues } from '../data/values.js';
import { loadManifest } from '../model/load.js';
import { manifestToArchitecture } from '../model/manifest.js';
import { saveModel } from '../model/save.js';
import { quantizeNetwork } from '../snn/quantize.js';
import { prepareNetwork, referenceBatch } from '../snn/reference.js';
import { writeFileAtomic } from '../util/atomicWrite.js';
import { VERSION } from '../util/version.js';
import { loadCheckpoint } from './checkpoint.js';
import { networkFromParams } from './init.js';
import type { Measured } from './measure.js';
import { buildPlan } from './plan.js';
import type { RunConfig } from './run.js';

export interface ShipReport {
  epochs: number;
  float: Measured;
  bits4: Measured;
  steps10: Measured;
  manifestPath: string;
}

export async function shipModel(opts: {
  checkpointDir: string;
  /** The model manifest to update (its architecture is kept). */
  target: string;
  command: string;
  date: string;
  /** Measure on the first `testLimit` test images only (smoke tests); default all. */
  testLimit?: number;
  log?: (s: string) => void;
}): Promise<ShipReport> {
  const log = opts.log ?? (() => {});
  const cp = loadCheckpoint<RunConfig>(opts.checkpointDir);
  const raw = JSON.parse(readFileSync(opts.target, 'utf8')) as Record<string, unknown>;
  const { manifest: target } = loadManifest(opts.target);
  const m = structuredClone(target);
  m.readout = cp.file.manifest.readout;
  // The layers the SNN phase gave biases to (its manifest says which), as `ttfsim train` does.
  m.layers = m.layers.map((l, i) => {
    const t = cp.file.manifest.layers[i];
    const biased = (t?.type === 'conv' || t?.type === 'dense') && t.bias;
    return (l.type === 'conv' || l.type === 'dense') && biased ? { ...l, bias: true } : l;
  });
  const arch = manifestToArchitecture(m);
  const plan = buildPlan(arch, 'snn', { bias: cp.file.config.bias === true });
  // Weights and biases (batch norm, if any, folded in with its running statistics).
  const net = networkFromParams(plan, cp.state.params, cp.state.stats);
  const test = loadDataset(
    m.dataset,
    'test',
    opts.testLimit === undefined ? {} : { limit: opts.testLimit },
  );
  const values = inputValues(test, 0, test.images.length);
  const measure = async (what: string, n: typeof net, steps: number | null) => {
    const b = referenceBatch(prepareNetwork(n), values, test.labels, test.count, {
      stepsPerWindow: steps,
    });
    const r: Measured = {
      frames: b.frames,
      correct: b.correct,
      accuracy: b.accuracy,
      sparsity: b.sparsity,
    };
    log(`${what}: accuracy ${(100 * r.accuracy).toFixed(2)}%, sparsity ${r.sparsity.toFixed(4)}`);
    return r;
  };
  const float = await measure('float weights, exact time', net, null);
  const bits4 = await measure('4-bit weights (integer levels)', quantizeNetwork(net, 4), null);
  const steps10 = await measure('10 steps per window', net, 10);
  const c = cp.file.config;
  const t = c.train;
  const last = cp.state.history[cp.state.history.length - 1];
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  m.provenance = {
    trainer: `ttfsim ${VERSION} (ttfsim train)`,
    data: `MNIST train (60,000 images); measured on MNIST test (${test.count.toLocaleString('en-US')})`,
    epochs: cp.state.epoch,
    seed: t.seed,
    testAccuracy: float.accuracy,
    testSamples: float.frames,
    sparsity: float.sparsity,
    date: opts.date,
    hyperparameters: {
      readout: c.readout,
      optimizer: t.optimizer.kind,
      lr: t.optimizer.lr,
      milestones: t.optimizer.milestones.join(','),
      gamma: t.optimizer.gamma,
      weightDecay: t.optimizer.weightDecay,
      batchSize: t.batchSize,
      logitScale: t.logitScale,
      init: c.init,
      initScale: c.initScale,
      ...(c.init === 'ann' ? { annEpochs: c.annEpochs } : {}),
      augmentShift: t.augmentShift,
      skipEasyLoss: t.skipLoss ?? 0,
      shards: t.shards,
    },
    notes: [
      `Trained by: ${opts.command}.`,
      `Measured with the reference forward pass (referenceBatch) on all ${test.count} test images:`,
      `float weights ${pct(float.accuracy)} (sparsity ${float.sparsity.toFixed(4)}),`,
      `4-bit weights ${pct(bits4.accuracy)} (sparsity ${bits4.sparsity.toFixed(4)}),`,
      `10 steps per window ${pct(steps10.accuracy)} (sparsity ${steps10.sparsity.toFixed(4)}).`,
      last?.testAccuracy != null
        ? `Trainer's own evaluation after epoch ${last.epoch}: ${pct(last.testAccuracy)}.`
        : '',
      'Paper (Table 1): 99.4%, sparsity 0.3913 after 150 epochs.',
    ]
      .filter((x) => x !== '')
      .join(' '),
  };
  const trainedBy = `Weights trained by ttfsim train (${c.init === 'ann' ? `ReLU1 ANN initialization, ${c.annEpochs} ANN epochs, then ` : ''}${cp.state.epoch} epochs, ${c.readout} readout): ${pct(float.accuracy)} on the MNIST test set.`;
  m.description = m.description
    .replace(/Architecture only: untrained, no weights yet \(training is pending\)\./, trainedBy)
    .replace(
      /Weights trained by ttfsim train \([^)]*\)[^.]*\.\d+% on the MNIST test set\./,
      trainedBy,
    );
  const name = basename(opts.target).replace(/\.json$/, '');
  const saved = saveModel(dirname(opts.target), name, m, net, { trained: true });
  // keep the manifest as its author wrote it (layout, defaults left implicit, $schema): only
  // the fields the trainer owns change
  for (const key of ['description', 'readout', 'weights', 'provenance'] as const) {
    raw[key] = saved.manifest[key];
  }
  writeFileAtomic(saved.manifestPath, `${JSON.stringify(raw, null, 2)}\n`);
  loadManifest(saved.manifestPath);
  return { epochs: cp.state.epoch, float, bits4, steps10, manifestPath: saved.manifestPath };
}

/** Command-line wrapper (see the module comment); the date comes from the command line. */
export async function shipCli(): Promise<void> {
  const [checkpointDir, target, command, date] = process.argv.slice(-4);
  if (!checkpointDir || !target || !command || !date) {
    throw new Error('usage: -- <checkpointDir> <manifest> <training command> <ISO date>');
  }
  const r = await shipModel({
    checkpointDir,
    target,
    command,
    date,
    log: (s) => process.stderr.write(`${s}\n`),
  });
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
}
