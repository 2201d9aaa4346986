import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRng } from '../../src/kernel/rng.js';
import { loadModel } from '../../src/model/load.js';
import type { ModelManifestInput } from '../../src/model/manifest.js';
import { type TensorToWrite, writeSafetensors } from '../../src/model/safetensors.js';
import type { RunResult } from '../../src/report/runResult.js';
import { referenceEngine } from '../../src/run/referenceEngine.js';
import { runSimulation } from '../../src/run/simulate.js';
import { foldBatchNorm } from '../../src/snn/batchnorm.js';
import { quantizeNetwork } from '../../src/snn/quantize.js';
import { prepareNetwork, referenceForward } from '../../src/snn/reference.js';
import { tempDir, ttfsim, writeTinyMnist } from './helpers.js';

/**
 * A PyTorch-style export with batch norm, as `torch.save(model.state_dict())` of
 *
 *     nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
 *                   nn.Flatten(), nn.Linear(36, 12), nn.BatchNorm1d(12), nn.ReLU(),
 *                   nn.Linear(12, 10))
 *
 * converted to safetensors (written here with the project's writer), loads, folds and runs.
 */
const tmp = tempDir('ttfsim-bias-');
afterAll(tmp.cleanup);
const dataDir = join(tmp.dir, 'data');
writeTinyMnist(dataDir, 6);

const rng = createRng(19);
const normal = (n: number, mean: number, std: number) =>
  Array.from({ length: n }, () => mean + std * rng.normal());
const uniform = (n: number, lo: number, hi: number) =>
  Array.from({ length: n }, () => lo + (hi - lo) * rng.next());
const bnTensors = (name: string, c: number): Record<string, TensorToWrite> => ({
  [`${name}.weight`]: { shape: [c], data: uniform(c, 0.5, 1.5) },
  [`${name}.bias`]: { shape: [c], data: uniform(c, 0.05, 0.3) },
  [`${name}.running_mean`]: { shape: [c], data: normal(c, 0.1, 0.1) },
  [`${name}.running_var`]: { shape: [c], data: uniform(c, 0.5, 2) },
  [`${name}.num_batches_tracked`]: { shape: [], data: [1000] },
});
const tensors: Record<string, TensorToWrite> = {
  '0.weight': { shape: [4, 1, 3, 3], data: normal(36, 0.15, 0.3) },
  '0.bias': { shape: [4], data: normal(4, 0, 0.1) },
  ...bnTensors('1', 4),
  '5.weight': { shape: [12, 36], data: normal(432, 0.05, 0.2) },
  '5.bias': { shape: [12], data: normal(12, 0, 0.1) },
  ...bnTensors('6', 12),
  '8.weight': { shape: [10, 12], data: normal(120, 0.1, 0.3) },
  '8.bias': { shape: [10], data: normal(10, 0, 0.1) },
};
const classes = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
const bnManifest: ModelManifestInput = {
  name: 'seq-bn',
  input: { channels: 1, height: 8, width: 8 },
  encoding: { kind: 'pixel', maxValue: 255 },
  layers: [
    { type: 'conv', name: '0', outChannels: 4, kernel: 3, bias: true },
    { type: 'batchnorm', name: '1' },
    { type: 'pool', name: '3', size: 2 },
    { type: 'flatten', name: '4' },
    { type: 'dense', name: '5', units: 12, bias: true },
    { type: 'batchnorm', name: '6' },
    { type: 'dense', name: '8', units: 10, bias: true },
  ],
  classes,
  dataset: dataDir,
  weights: { file: 'seq-bn.safetensors', trained: true },
};
writeSafetensors(join(tmp.dir, 'seq-bn.safetensors'), tensors);
const bnPath = join(tmp.dir, 'seq-bn.json');
writeFileSync(bnPath, JSON.stringify(bnManifest));
const base = { hw: 'mesh22nm', set: ['chip.neuronsPerCore=40'], frames: 'all', write: false };

/** The parts of a run that depend on what was simulated (not on model files or the mapping). */
function figures(r: RunResult) {
  return {
    summary: r.summary,
    frames: r.frames,
    layers: r.layers,
    cores: r.cores,
    noc: r.noc,
    energy: r.energy,
  };
}

describe('a PyTorch-style export with batch norm', () => {
  it('loads folded: biases on the conv and dense layers, no batch-norm layer', () => {
    const m = loadModel(bnPath);
    expect(m.arch.layers.map((l) => [l.kind, 'bias' in l ? l.bias : undefined])).toEqual([
      ['conv', true],
      ['pool', undefined],
      ['flatten', undefined],
      ['dense', true],
      ['dense', true],
    ]);
    const f32 = (a: ArrayLike<number>) => Array.from(a, Math.fround);
    const fold = (w: string, b: string, bn: string, c: number) =>
      foldBatchNorm(f32(tensors[w]!.data), f32(tensors[b]!.data), c, {
        gamma: f32(tensors[`${bn}.weight`]!.data),
        beta: f32(tensors[`${bn}.bias`]!.data),
        mean: f32(tensors[`${bn}.running_mean`]!.data),
        variance: f32(tensors[`${bn}.running_var`]!.data),
        eps: 1e-5,
      });
    const c0 = fold('0.weight', '0.bias', '1', 4);
    const d5 = fold('5.weight', '5.bias', '6', 12);
    expect(m.network!.weights[0]).toEqual(c0.weights);
    expect(m.network!.biases![0]).toEqual(c0.bias);
    expect(m.network!.weights[3]).toEqual(d5.weights);
    expect(m.network!.biases![3]).toEqual(d5.bias);
    expect([...m.network!.biases![4]!]).toEqual(f32(tensors['8.bias']!.data));
  });

  it('runs through ttfsim simulate: the reference spike for spike, bias SOPs counted and costed', async () => {
    const m = loadModel(bnPath);
    for (const weightBits of [null, 4]) {
      const set = [...base.set, `chip.weightBits=${weightBits}`];
      const ref = await runSimulation({ ...base, model: bnPath, set, engine: referenceEngine });
      const net = quantizeNetwork(m.network!, weightBits);
      const prep = prepareNetwork(net);
      // One bias SOP per on-chip neuron whose (quantized) bias is not zero.
      const nonZero = (i: number) => net.biases![i]!.filter((b) => b !== 0).length;
      const perLayer = [0, 36 * nonZero(0), 0, 0, nonZero(3), nonZero(4)];
      const biasSops = perLayer.reduce((a, b) => a + b, 0);
      if (weightBits === null) expect(biasSops).toBe(4 * 6 * 6 + 12 + 10);
      const images = readFileSync(join(dataDir, 't10k-images-idx3-ubyte')).subarray(16);
      for (const noc of ['ideal', 'detailed'] as const) {
        const sim = await runSimulation({ ...base, model: bnPath, set, noc });
        sim.frames.forEach((f, i) => {
          const r = referenceForward(prep, images.subarray(i * 64, (i + 1) * 64), {
            stepsPerWindow: 10,
          });
          expect([f.decision, f.spikes]).toEqual([r.decision, r.weightedSpikes]);
          const g = ref.frames[i]!;
          expect([f.sops, f.biasSops, f.packets, f.hops]).toEqual([
            g.sops,
            g.biasSops,
            g.packets,
            g.hops,
          ]);
          expect(f.biasSops).toBe(biasSops);
        });
        expect(sim.cores.map((c) => c.sops)).toEqual(ref.cores.map((c) => c.sops));
        expect(sim.summary.biasSops).toBe(biasSops);
        expect(sim.layers.map((l) => l.biasSops)).toEqual(perLayer);
        const e = sim.energy!.perFrame;
        expect(e.biasSop!.count).toBe(biasSops);
        expect(e.biasSop!.joules).toBeCloseTo(biasSops * 20e-12, 20);
        expect(e.sop.count).toBe(sim.summary.sops);
        expect(sim.mapping!.biasParams).toBe(4 + 12 + 10);
        expect(sim.mapping!.biasBits).toBe(weightBits === null ? 32 : 8);
      }
    }
  });

  it('shows in ttfsim inspect and ttfsim simulate', async () => {
    const inspect = await ttfsim(['inspect', bnPath]);
    expect(inspect.code, inspect.stderr).toBe(0);
    expect(inspect.stdout).toMatch(/params\s+biases/);
    expect(inspect.stdout).toMatch(/batch norm folded at load: 1 into 0, 6 into 5/);
    const json = JSON.parse((await ttfsim(['inspect', bnPath, '--json'])).stdout);
    expect(json.totals.biasParams).toBe(26);
    expect(json.totals.params).toBe(36 + 432 + 120 + 26);
    const out = join(tmp.dir, 'out');
    const run = await ttfsim([
      'simulate',
      '--model',
      bnPath,
      '--weight-bits',
      'float',
      ...base.set.flatMap((s) => ['--set', s]),
      '--out',
      out,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/SOPs\s+[\d,.]+ per frame \(166 of them bias SOPs, no packets\)/);
    expect(readFileSync(join(out, 'frames.csv'), 'utf8').split('\n')[0]).toContain(
      ',sops,biasSops,',
    );
  });
});

describe('biases that are all zero', () => {
  it('give the same run as no biases at all: spikes, SOPs, hops, latency, energy', async () => {
    const plain: Record<string, TensorToWrite> = {
      'conv1.weight': tensors['0.weight']!,
      'fc1.weight': tensors['5.weight']!,
      'fc2.weight': tensors['8.weight']!,
    };
    const manifest = (bias: boolean, file: string): ModelManifestInput => ({
      ...bnManifest,
      name: file,
      layers: [
        { type: 'conv', name: 'conv1', outChannels: 4, kernel: 3, bias },
        { type: 'pool', size: 2 },
        { type: 'flatten' },
        { type: 'dense', name: 'fc1', units: 12, bias },
        { type: 'dense', name: 'fc2', units: 10, bias },
      ],
      weights: { file: `${file}.safetensors`, trained: true },
    });
    writeSafetensors(join(tmp.dir, 'plain.safetensors'), plain);
    writeFileSync(join(tmp.dir, 'plain.json'), JSON.stringify(manifest(false, 'plain')));
    writeSafetensors(join(tmp.dir, 'zero.safetensors'), {
      ...plain,
      'conv1.bias': { shape: [4], data: [0, 0, 0, 0] },
      'fc1.bias': { shape: [12], data: new Array(12).fill(0) },
      'fc2.bias': { shape: [10], data: new Array(10).fill(0) },
    });
    writeFileSync(join(tmp.dir, 'zero.json'), JSON.stringify(manifest(true, 'zero')));
    for (const noc of ['ideal', 'detailed'] as const) {
      const a = await runSimulation({ ...base, model: join(tmp.dir, 'zero.json'), noc });
      const b = await runSimulation({ ...base, model: join(tmp.dir, 'plain.json'), noc });
      expect(a.summary.biasSops).toBe(0);
      expect(figures(a)).toEqual(figures(b));
      // Only the mapping knows the difference: the zero biases still take SRAM.
      expect(a.mapping!.biasParams).toBe(26);
      expect(b.mapping!.biasParams).toBeUndefined();
    }
  });
});
