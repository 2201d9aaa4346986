import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/kernel/rng.js';
import { loadManifest } from '../../src/model/load.js';
import { encodeSafetensors, type TensorToWrite } from '../../src/model/safetensors.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { flattenNetwork, loadInitNetwork, withBiases } from '../../src/train/init.js';
import { normalizeRelu } from '../../src/train/normalize.js';
import { defaultOptimizerConfig } from '../../src/train/optimizer.js';
import { buildPlan } from '../../src/train/plan.js';
import { defaultRunConfig, type RunConfig, runTraining } from '../../src/train/run.js';
import { tinyImages, writeTinySet } from './tinyData.js';

/**
 * Weights trained elsewhere (docs/training.md, "Weights trained elsewhere"): a PyTorch
 * `nn.Sequential` export with batch norm, `Conv2d(1,4,3) BatchNorm2d ReLU MaxPool2d Flatten
 * Linear(36,16) BatchNorm1d ReLU Linear(16,3)`, started with `ttfsim train --init FILE
 * --normalize 99.9`: batch norm folded into biases, normalized to ReLU1, then DTA-TTFS epochs.
 */
const COUNT = 96;
const tiny = writeTinySet(COUNT, 32);
const { arch } = loadManifest(tiny.manifest);

function exportFile(): string {
  const rng = createRng(41);
  const t = (shape: number[], f: () => number): TensorToWrite => ({
    shape,
    data: Array.from({ length: shape.reduce((a, b) => a * b, 1) }, f),
  });
  const kaiming = (fanIn: number) => () => rng.normal() * Math.sqrt(2 / fanIn);
  const bn = (c: number, prefix: string): Record<string, TensorToWrite> => ({
    [`${prefix}.weight`]: t([c], () => 0.5 + rng.next()),
    [`${prefix}.bias`]: t([c], () => 0.2 * rng.normal()),
    [`${prefix}.running_mean`]: t([c], () => 0.3 * rng.normal()),
    [`${prefix}.running_var`]: t([c], () => 0.5 + rng.next()),
  });
  const path = join(tiny.dir, 'torch-export.safetensors');
  const bytes = encodeSafetensors({
    '0.weight': t([4, 1, 3, 3], kaiming(9)),
    '0.bias': t([4], () => 0.1 * rng.normal()),
    ...bn(4, '1'),
    '5.weight': t([16, 36], kaiming(36)),
    '5.bias': t([16], () => 0.1 * rng.normal()),
    ...bn(16, '6'),
    '8.weight': t([3, 16], kaiming(16)),
    '8.bias': t([3], () => 0.1 * rng.normal()),
  });
  writeFileSync(path, bytes);
  return path;
}

function config(init: string, epochs: number): RunConfig {
  const c = defaultRunConfig({ ...defaultOptimizerConfig('adam'), lr: 1e-3 });
  c.name = 'from-torch';
  c.data = tiny.dataDir;
  c.testLimit = 32;
  c.init = init;
  c.normalize = { percentile: 99.9, images: 64 };
  c.bias = true; // --bias: the SNN takes the biases batch norm gives
  c.train = { ...c.train, epochs, batchSize: 16, seed: 5, dftGradFloor: 0.05 };
  return c;
}

describe('train --init <PyTorch export with batch norm> --normalize', () => {
  it('starts the SNN from the folded, normalized export and trains it', async () => {
    const path = exportFile();
    const out = join(tiny.dir, 'from-torch');
    const base = { model: tiny.manifest, out, workers: 1 };
    // stop before the first SNN epoch: the checkpoint holds the transferred network
    const first = await runTraining(
      { ...base, resume: false, config: config(path, 1) },
      { stop: () => true },
    );
    expect(first.manifestPath).toBeNull();
    const imported = loadInitNetwork(withBiases(arch), path);
    const { images, labels } = tinyImages(COUNT, 1);
    const norm = normalizeRelu(imported, { images, labels }, COUNT, {
      percentile: 99.9,
      images: 64,
    });
    const plan = buildPlan(norm.net.arch, 'snn', { bias: true });
    const want = flattenNetwork(plan, norm.net);
    const ck = loadCheckpoint(out);
    expect(ck.state.epoch).toBe(0);
    expect([...ck.state.params]).toEqual([...want]);
    // the biases the export and its batch norm gave (a bias-free manifest) are part of the SNN
    expect(norm.net.biases?.filter((b) => b?.some((v) => v !== 0)).length).toBe(3);
    expect(norm.scales.filter((s) => s !== 1).length).toBeGreaterThan(0);

    const done = await runTraining({ ...base, resume: true, config: config(path, 1) });
    expect(done.manifestPath).not.toBeNull();
    const m = JSON.parse(readFileSync(done.manifestPath!, 'utf8'));
    expect(m.layers.filter((l: { bias?: boolean }) => l.bias).length).toBe(3);
    expect(m.weights).toEqual({ file: 'from-torch.safetensors', trained: true });
    const h = m.provenance.hyperparameters;
    expect(h.init).toBe(path);
    expect(h.normalizePercentile).toBe(99.9);
    expect(h.dftGradFloor).toBe(0.05);
    expect(m.provenance.notes).toMatch(/after the transfer to the DFT network/);
    expect(Number.isFinite(done.state.history[0]!.trainLoss)).toBe(true);
    // one epoch moved the weights
    expect(done.state.params.some((v, i) => v !== want[i])).toBe(true);
  });
});
