import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadManifest } from '../../src/model/load.js';
import { writeSafetensors } from '../../src/model/safetensors.js';
import type { Architecture } from '../../src/snn/network.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { createEngine } from '../../src/train/engine.js';
import { flattenWeights, kaimingInit, loadInitWeights } from '../../src/train/init.js';
import { initialState, type TrainConfig, trainLoop } from '../../src/train/loop.js';
import { defaultOptimizerConfig } from '../../src/train/optimizer.js';
import { buildPlan, layerViews } from '../../src/train/plan.js';
import { defaultRunConfig, type RunConfig, runTraining } from '../../src/train/run.js';
import { tinyImages, writeTinySet } from './tinyData.js';

const COUNT = 192;

function config(readout: 'membrane' | 'first-spike'): TrainConfig {
  return {
    epochs: 3,
    batchSize: 16,
    seed: 5,
    optimizer: { ...defaultOptimizerConfig('adam'), lr: 3e-3, milestones: [2], gamma: 0.5 },
    logitScale: readout === 'membrane' ? 1 : 4,
    augmentShift: readout === 'membrane' ? 0 : 1,
    shards: 2,
  };
}

async function train(arch: Architecture, workers: number, cfg: TrainConfig) {
  const { images, labels } = tinyImages(COUNT, 1);
  const engine = createEngine({
    arch,
    mode: 'snn',
    workers,
    shards: cfg.shards,
    maxBatch: cfg.batchSize,
    train: { images, labels, count: COUNT },
    test: null,
  });
  try {
    const params = kaimingInit(engine.plan, cfg.seed, 0.5);
    engine.params.set(params);
    const loss = { logitScale: cfg.logitScale };
    const before = await engine.evaluate('train', COUNT, loss);
    const state = initialState(params, cfg.seed);
    await trainLoop(engine, cfg, state, { train: COUNT, test: 0 });
    const after = await engine.evaluate('train', COUNT, loss);
    return { before, after, params: state.params.slice(), history: state.history };
  } finally {
    await engine.close();
  }
}

describe('training', () => {
  const tiny = writeTinySet(COUNT, 64);
  const { arch: baseArch } = loadManifest(tiny.manifest);

  for (const readout of ['membrane', 'first-spike'] as const) {
    it(`a short run lowers the loss, the same way every time (${readout})`, async () => {
      const arch = { ...baseArch, readout };
      const cfg = config(readout);
      const a = await train(arch, 1, cfg);
      expect(a.after.lossSum / COUNT).toBeLessThan(0.8 * (a.before.lossSum / COUNT));
      // (first-spike: the tiny net silences outputs while the loss falls; accuracy comes later)
      if (readout === 'membrane') expect(a.after.correct).toBeGreaterThan(a.before.correct);
      expect(a.history[2]!.trainLoss).toBeLessThan(a.history[0]!.trainLoss);
      const b = await train(arch, 1, cfg);
      expect(Buffer.from(b.params.buffer).equals(Buffer.from(a.params.buffer))).toBe(true);
    });
  }

  it('two worker threads give the same weights as one thread, bit for bit', async () => {
    const arch = { ...baseArch, readout: 'first-spike' as const };
    const cfg = { ...config('first-spike'), epochs: 1, shards: 3 };
    const one = await train(arch, 1, cfg);
    const two = await train(arch, 2, cfg);
    expect(Buffer.from(two.params.buffer).equals(Buffer.from(one.params.buffer))).toBe(true);
    expect(two.history[0]!.trainLoss).toBe(one.history[0]!.trainLoss);
  });

  it('--skip-easy: frames below the loss threshold pass no gradient', async () => {
    const arch = { ...baseArch, readout: 'membrane' as const };
    const cfg = { ...config('membrane'), epochs: 1 };
    const all = await train(arch, 1, { ...cfg, skipLoss: 1e9 });
    const init = kaimingInit(buildPlan(arch, 'snn'), cfg.seed, 0.5);
    expect(Array.from(all.params)).toEqual(Array.from(init));
    const some = await train(arch, 1, { ...cfg, epochs: 3, skipLoss: 0.9 });
    const exact = await train(arch, 1, { ...cfg, epochs: 3 });
    expect(Array.from(some.params)).not.toEqual(Array.from(exact.params));
    expect(some.after.lossSum).toBeLessThan(some.before.lossSum);
  });

  it('resuming from an epoch checkpoint ends bit-identical to an uninterrupted run', async () => {
    const runConfig = (epochs: number): RunConfig => {
      const c = defaultRunConfig({ ...defaultOptimizerConfig('adamw'), milestones: [1] });
      c.name = 'tiny';
      c.data = tiny.dataDir;
      c.testLimit = 32;
      c.train = { ...c.train, epochs, batchSize: 16, seed: 9, augmentShift: 1 };
      return c;
    };
    const base = { model: tiny.manifest, workers: 1 };
    const whole = join(tiny.dir, 'whole');
    const parts = join(tiny.dir, 'parts');
    const a = await runTraining({ ...base, out: whole, resume: false, config: runConfig(2) });
    const first = await runTraining({ ...base, out: parts, resume: false, config: runConfig(1) });
    expect(first.state.epoch).toBe(1);
    // a fresh process: everything comes back from the checkpoint on disk
    expect(loadCheckpoint(parts).state.epoch).toBe(1);
    const b = await runTraining({
      ...base,
      out: parts,
      resume: true,
      config: runConfig(2),
      explicit: ['train.epochs'],
    });
    expect(b.state.epoch).toBe(2);
    expect(a.manifestPath).not.toBeNull();
    const wa = readFileSync(join(whole, 'tiny.safetensors'));
    const wb = readFileSync(join(parts, 'tiny.safetensors'));
    expect(wb.equals(wa)).toBe(true);
    const ma = JSON.parse(readFileSync(join(whole, 'tiny.json'), 'utf8'));
    expect(ma.readout).toBe('membrane');
    expect(ma.weights).toEqual({ file: 'tiny.safetensors', trained: true });
    expect(ma.provenance.epochs).toBe(2);
    expect(ma.provenance.testAccuracy).toBeGreaterThanOrEqual(0);
  });
});

describe('initialization', () => {
  const tiny = writeTinySet(96, 32);
  const { arch } = loadManifest(tiny.manifest);

  it('loads a PyTorch nn.Sequential export (0.weight, 3.weight, ...) by order and shape', () => {
    const plan = buildPlan(arch, 'snn');
    const flat = kaimingInit(plan, 4, 1);
    const views = layerViews(plan, flat);
    const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
    plan.steps.forEach((s, i) => {
      if (s.paramOffset < 0) return;
      const shape =
        s.layer.kind === 'conv'
          ? [s.outShape.c, s.inShape.c, s.layer.kernel, s.layer.kernel]
          : [s.outSize, s.inSize];
      tensors[`${i}.weight`] = { shape, data: views[i]! };
    });
    const path = join(tiny.dir, 'ann.safetensors');
    writeSafetensors(path, tensors);
    const loaded = flattenWeights(plan, loadInitWeights(arch, path));
    expect(Array.from(loaded)).toEqual(Array.from(flat));
  });

  it('--init ann trains the ReLU1 twin first and fine-tunes the SNN from its weights', async () => {
    const c = defaultRunConfig(defaultOptimizerConfig('adam'));
    c.name = 'tiny';
    c.data = tiny.dataDir;
    c.init = 'ann';
    c.annEpochs = 1;
    c.train = { ...c.train, epochs: 1, batchSize: 16, seed: 2 };
    const phases: string[] = [];
    const out = join(tiny.dir, 'ann');
    const r = await runTraining(
      { model: tiny.manifest, out, resume: false, workers: 1, config: c },
      { onEpoch: (rec) => void phases.push(`${rec.phase} ${rec.epoch}`) },
    );
    expect(phases).toEqual(['ann 1', 'snn 1']);
    expect(r.manifestPath).not.toBeNull();
    const m = JSON.parse(readFileSync(join(out, 'tiny.json'), 'utf8'));
    expect(m.provenance.hyperparameters.init).toBe('ann');
  });
});
