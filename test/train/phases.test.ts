import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/kernel/rng.js';
import { loadManifest } from '../../src/model/load.js';
import { layerBias, type Network } from '../../src/snn/network.js';
import { batchNormInit } from '../../src/train/bnInit.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { createEngine } from '../../src/train/engine.js';
import {
  flattenNetwork,
  initialStats,
  kaimingInit,
  networkFromParams,
} from '../../src/train/init.js';
import { initialState, type TrainConfig, trainLoop } from '../../src/train/loop.js';
import { normalizeRelu, percentile } from '../../src/train/normalize.js';
import { defaultOptimizerConfig } from '../../src/train/optimizer.js';
import { buildPlan, type PlanOptions } from '../../src/train/plan.js';
import { defaultRunConfig, type RunConfig, runTraining } from '../../src/train/run.js';
import { Workspace } from '../../src/train/workspace.js';
import { tinyImages, writeTinySet } from './tinyData.js';

const COUNT = 128;
const tiny = writeTinySet(COUNT, 32);
const { arch } = loadManifest(tiny.manifest);
const annBn: PlanOptions = { batchNorm: true, annActivation: 'relu' };

function cfg(over: Partial<TrainConfig> = {}): TrainConfig {
  return {
    epochs: 2,
    batchSize: 16,
    seed: 3,
    optimizer: { ...defaultOptimizerConfig('sgd'), lr: 0.05, schedule: 'cosine' },
    logitScale: 1,
    augmentShift: 1,
    augmentFlip: true,
    shards: 3,
    ...over,
  };
}

async function trainAnn(workers: number, c: TrainConfig) {
  const { images, labels } = tinyImages(COUNT, 1);
  const engine = createEngine({
    arch,
    mode: 'ann',
    planOptions: annBn,
    workers,
    shards: c.shards,
    maxBatch: c.batchSize,
    train: { images, labels, count: COUNT },
    test: null,
  });
  try {
    const plan = engine.plan;
    const state = initialState(kaimingInit(plan, c.seed, 1), c.seed, 'x', initialStats(plan));
    await trainLoop(engine, c, state, { train: COUNT, test: 0 });
    return { params: state.params.slice(), stats: state.stats.slice(), history: state.history };
  } finally {
    await engine.close();
  }
}

const same = (a: Float32Array, b: Float32Array) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );

describe('ANN phase with batch norm', () => {
  it('is bit-identical for 1 and 2 worker threads (weights and running statistics)', async () => {
    const one = await trainAnn(1, cfg());
    const two = await trainAnn(2, cfg());
    expect(same(one.params, two.params)).toBe(true);
    expect(same(one.stats, two.stats)).toBe(true);
    // the running statistics moved away from their start (mean 0, variance 1)
    expect(one.stats.some((v, i) => v !== initialStats(buildPlan(arch, 'ann', annBn))[i])).toBe(
      true,
    );
    expect(one.history[1]!.trainLoss).toBeLessThan(one.history[0]!.trainLoss);
  });

  it('draws crops and flips from the seed: the same seed repeats, another differs', async () => {
    const a = await trainAnn(1, cfg({ epochs: 1 }));
    const b = await trainAnn(1, cfg({ epochs: 1 }));
    const noFlip = await trainAnn(1, cfg({ epochs: 1, augmentFlip: false }));
    const seed = await trainAnn(1, cfg({ epochs: 1, seed: 4 }));
    expect(same(a.params, b.params)).toBe(true);
    expect(same(a.params, noFlip.params)).toBe(false);
    expect(same(a.params, seed.params)).toBe(false);
  });

  it('folds into weights and biases: the folded network computes what batch norm in evaluation does', async () => {
    const t = await trainAnn(1, cfg({ epochs: 1 }));
    const plan = buildPlan(arch, 'ann', annBn);
    const net = networkFromParams(plan, t.params, t.stats);
    expect(net.arch.layers.filter((l) => 'bias' in l && l.bias).length).toBe(3);
    const folded = buildPlan(net.arch, 'ann', { annActivation: 'relu' });
    const { images, labels } = tinyImages(8, 7);
    const src = { images, labels };
    const a = new Workspace(plan, 8);
    a.load(src, null, 0, 8);
    a.forward(t.params, t.stats, false);
    const b = new Workspace(folded, 8);
    b.load(src, null, 0, 8);
    b.forward(flattenNetwork(folded, net), new Float32Array(0), false);
    for (let k = 0; k < a.logits.length; k++) {
      expect(Math.abs(a.logits[k]! - b.logits[k]!)).toBeLessThan(
        1e-4 * (1 + Math.abs(a.logits[k]!)),
      );
    }
  });
});

describe('ReLU -> ReLU1 normalization', () => {
  it('percentile interpolates like numpy (linear)', () => {
    expect(percentile(Float32Array.from([4, 1, 3, 2]), 50)).toBe(2.5);
    expect(percentile(Float32Array.from([0, 10]), 99)).toBeCloseTo(9.9, 5);
    expect(percentile(Float32Array.from([7]), 100)).toBe(7);
  });

  it('at the 100th percentile the ReLU1 network computes the ReLU network exactly (positive homogeneity)', () => {
    const plan = buildPlan(arch, 'ann', { bias: true, annActivation: 'relu' });
    const rng = createRng(11);
    const p = kaimingInit(plan, 5, 1.5);
    for (const s of plan.steps) {
      if (s.biasOffset >= 0)
        for (let c = 0; c < s.channels; c++) p[s.biasOffset + c] = rng.normal() * 0.2;
    }
    const net: Network = networkFromParams(plan, p, new Float32Array(0));
    const { images, labels } = tinyImages(64, 9);
    const src = { images, labels };
    const r = normalizeRelu(net, src, 64, { percentile: 100, images: 64 });
    // hidden layers scaled, the output layer not
    expect(r.scales[0]).toBeGreaterThan(1);
    expect(r.scales[r.scales.length - 1]).toBe(1);
    expect(layerBias(r.net, 0)![0]).toBeCloseTo(layerBias(net, 0)![0]! / r.scales[0]!, 6);
    const relu = new Workspace(buildPlan(net.arch, 'ann', { annActivation: 'relu' }), 64);
    relu.load(src, null, 0, 64);
    relu.forward(
      flattenNetwork(buildPlan(net.arch, 'ann', { annActivation: 'relu' }), net),
      new Float32Array(0),
      false,
    );
    const plan1 = buildPlan(r.net.arch, 'ann', { annActivation: 'relu1' });
    const relu1 = new Workspace(plan1, 64);
    relu1.load(src, null, 0, 64);
    relu1.forward(flattenNetwork(plan1, r.net), new Float32Array(0), false);
    for (let k = 0; k < relu.logits.length; k++) {
      expect(Math.abs(relu.logits[k]! - relu1.logits[k]!)).toBeLessThan(
        1e-4 * (1 + Math.abs(relu.logits[k]!)),
      );
    }
  });
});

describe('batch norm put back into a DFT network (--snn-batch-norm)', () => {
  it('starts as the identity: in evaluation the network computes what it did without', () => {
    const plan = buildPlan(arch, 'snn', { bias: true });
    const rng = createRng(12);
    const p = kaimingInit(plan, 6, 1);
    for (const s of plan.steps) {
      if (s.biasOffset >= 0)
        for (let c = 0; c < s.channels; c++) p[s.biasOffset + c] = 0.3 * rng.normal();
    }
    const net = networkFromParams(plan, p, new Float32Array(0));
    const { images, labels } = tinyImages(64, 13);
    const src = { images, labels };
    const bnPlan = buildPlan(net.arch, 'snn', { bias: true, batchNorm: true });
    const bn = batchNormInit(bnPlan, net, src, 64, 64);
    const a = new Workspace(plan, 64);
    a.load(src, null, 0, 64);
    const spikesA = a.forward(p, new Float32Array(0), false);
    const b = new Workspace(bnPlan, 64);
    b.load(src, null, 0, 64);
    const spikesB = b.forward(bn.params, bn.stats, false);
    expect(Math.abs(spikesA - spikesB)).toBeLessThanOrEqual(2);
    for (let k = 0; k < a.logits.length; k++) {
      expect(Math.abs(a.logits[k]! - b.logits[k]!)).toBeLessThan(
        1e-3 * (1 + Math.abs(a.logits[k]!)),
      );
    }
    // and folding it back gives the network again
    const back = networkFromParams(bnPlan, bn.params, bn.stats);
    const w0 = back.weights[0]!;
    for (let k = 0; k < w0.length; k++) expect(w0[k]).toBeCloseTo(net.weights[0]![k]!, 5);
  });
});

describe('a two-phase run (ANN with batch norm, normalization, SNN)', () => {
  const config = (annEpochs: number, epochs: number): RunConfig => {
    const c = defaultRunConfig({ ...defaultOptimizerConfig('adam'), lr: 1e-3 });
    c.name = 'tiny';
    c.data = tiny.dataDir;
    c.testLimit = 32;
    c.init = 'ann';
    c.normalize = { percentile: 99.9, images: 64 };
    c.train = { ...c.train, epochs, batchSize: 16, seed: 8, augmentShift: 1 };
    c.ann = {
      activation: 'relu',
      batchNorm: true,
      bias: false,
      train: { ...cfg(), epochs: annEpochs },
    };
    return c;
  };

  it('stopped inside the ANN phase and resumed, ends bit-identical; the provenance tells both phases', async () => {
    const base = { model: tiny.manifest, workers: 1 };
    const whole = join(tiny.dir, 'phases-whole');
    const parts = join(tiny.dir, 'phases-parts');
    await runTraining({ ...base, out: whole, resume: false, config: config(2, 2) });
    let epochs = 0;
    const first = await runTraining(
      { ...base, out: parts, resume: false, config: config(2, 2) },
      { onEpoch: () => void epochs++, stop: () => epochs >= 1 },
    );
    expect(first.manifestPath).toBeNull();
    expect(loadCheckpoint(parts).state.epoch).toBe(1);
    const b = await runTraining({ ...base, out: parts, resume: true, config: config(2, 2) });
    expect(b.manifestPath).not.toBeNull();
    const wa = readFileSync(join(whole, 'tiny.safetensors'));
    const wb = readFileSync(join(parts, 'tiny.safetensors'));
    expect(wb.equals(wa)).toBe(true);
    const m = JSON.parse(readFileSync(join(parts, 'tiny.json'), 'utf8'));
    expect(m.layers.filter((l: { bias?: boolean }) => l.bias).length).toBe(3);
    expect(m.provenance.hyperparameters.annBatchNorm).toBe(true);
    expect(m.provenance.hyperparameters.normalizePercentile).toBe(99.9);
    expect(m.provenance.notes).toMatch(/ANN test accuracy per epoch: 1:\S+ 2:\S+/);
    expect(m.provenance.notes).toMatch(/after the transfer to the DFT network/);
    // the ANN twin is kept as a model of its own (folded, biases, marked untrained)
    const ann = JSON.parse(readFileSync(join(parts, 'tiny-ann.json'), 'utf8'));
    expect(ann.weights).toEqual({ file: 'tiny-ann.safetensors', trained: false });
    expect(ann.layers.filter((l: { bias?: boolean }) => l.bias).length).toBe(3);
    // an option given again on --resume is applied from there on and recorded
    const logs: string[] = [];
    const more = config(2, 3);
    more.train.optimizer.lr = 5e-4;
    await runTraining(
      {
        ...base,
        out: parts,
        resume: true,
        config: more,
        explicit: ['train.epochs', 'train.optimizer.lr'],
      },
      { log: (l) => logs.push(l) },
    );
    expect(logs.some((l) => l.includes('train.optimizer.lr 0.001 -> 0.0005'))).toBe(true);
    const m3 = JSON.parse(readFileSync(join(parts, 'tiny.json'), 'utf8'));
    expect(m3.provenance.epochs).toBe(3);
    expect(m3.provenance.notes).toMatch(
      /changed on --resume after snn epoch 2: train.optimizer.lr 0.001 -> 0.0005/,
    );
  });

  it('refuses a folder with a checkpoint unless resuming, and options that cannot change mid-run', async () => {
    const out = join(tiny.dir, 'phases-refuse');
    const base = { model: tiny.manifest, workers: 1, out };
    await runTraining({ ...base, resume: false, config: config(1, 1), refuseExisting: true });
    await expect(
      runTraining({ ...base, resume: false, config: config(1, 1), refuseExisting: true }),
    ).rejects.toThrow(/--resume.*--force/);
    const changed = config(1, 2);
    changed.train.seed = 99;
    await expect(
      runTraining({ ...base, resume: true, config: changed, explicit: ['train.seed'] }),
    ).rejects.toThrow(/train.seed .* cannot change mid-run/);
  });
});
