import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importNetwork } from '../../src/model/import.js';
import { encodeSafetensors, type TensorToWrite } from '../../src/model/safetensors.js';
import { foldBatchNorm } from '../../src/snn/batchnorm.js';
import type { Architecture } from '../../src/snn/network.js';
import { loadInitNetwork, loadInitWeights } from '../../src/train/init.js';
import { UserError } from '../../src/util/errors.js';
import { tempDir } from './helpers.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

/** 1x6x6 -> conv 2C3 (+bias) -> pool -> flatten (8) -> dense 3 (+bias). */
const arch: Architecture = {
  input: { c: 1, h: 6, w: 6 },
  encoding: { kind: 'pixel', maxValue: 255 },
  layers: [
    { kind: 'conv', name: 'conv1', outChannels: 2, kernel: 3, stride: 1, padding: 0, bias: true },
    { kind: 'pool', name: 'pool1', size: 2, stride: 2 },
    { kind: 'flatten', name: 'flatten1' },
    { kind: 'dense', name: 'fc1', units: 3, bias: true },
  ],
  readout: 'first-spike',
};
const noBias: Architecture = {
  ...arch,
  layers: arch.layers.map((l) => {
    if (l.kind !== 'conv' && l.kind !== 'dense') return l;
    const { bias: _, ...rest } = l;
    return rest;
  }),
};

const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));
const convW = seq(18, (i) => i / 10 - 0.9);
const convB = [0.25, -0.5];
const bn = { gamma: [1.5, -0.75], beta: [0.1, 0.2], mean: [0.3, -0.4], variance: [4, 0.25] };
const fcW = seq(24, (i) => (i % 5) / 4 - 0.3);
const fcB = [0.1, 0, -0.2];

let n = 0;
function file(tensors: Record<string, TensorToWrite>): string {
  const path = join(dir, `init${n++}.safetensors`);
  writeFileSync(path, encodeSafetensors(tensors));
  return path;
}

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as Error).message;
  }
  throw new Error('expected a UserError');
}

describe('importNetwork (initial weights from a PyTorch export)', () => {
  it('matches an nn.Sequential export with biases and batch norm by order, folded in double', () => {
    // conv (0), BatchNorm2d (1), ReLU (2), pool (3), flatten (4), ... Linear at 10: "10" sorts
    // before "2" as text, and the natural order puts it last.
    const path = file({
      '0.weight': { shape: [2, 1, 3, 3], data: convW },
      '0.bias': { shape: [2], data: convB },
      '1.weight': { shape: [2], data: bn.gamma },
      '1.bias': { shape: [2], data: bn.beta },
      '1.running_mean': { shape: [2], data: bn.mean },
      '1.running_var': { shape: [2], data: bn.variance },
      '10.weight': { shape: [3, 8], data: fcW },
      '10.bias': { shape: [3], data: fcB },
    });
    const net = loadInitNetwork(arch, path);
    const f32 = (a: number[]) => a.map(Math.fround);
    const folded = foldBatchNorm(f32(convW), f32(convB), 2, {
      gamma: f32(bn.gamma),
      beta: f32(bn.beta),
      mean: f32(bn.mean),
      variance: f32(bn.variance),
      eps: 1e-5,
    });
    expect(net.weights[0]).toEqual(folded.weights);
    expect(net.biases![0]).toEqual(folded.bias);
    expect([...net.weights[3]!]).toEqual(f32(fcW));
    expect([...net.biases![3]!]).toEqual(f32(fcB));
    expect(net.biases![1]).toBeNull();
    expect(loadInitWeights(arch, path)).toEqual(net.weights);
    // The same file for an architecture without those biases: the error says what to add.
    expect(messageOf(() => importNetwork(noBias, path))).toMatch(
      /init\d+\.safetensors: module "0" and its batch norm "1" of layer conv1 give it a bias, but the model being trained has none there; give layer conv1 "bias": true/,
    );
  });

  it('matches by name, and gives a layer with bias: true and no bias in the file zero biases', () => {
    const path = file({
      'conv1.weight': { shape: [2, 1, 3, 3], data: convW },
      'conv1.bias': { shape: [2], data: convB },
      'fc1.weight': { shape: [3, 8], data: fcW },
    });
    const net = importNetwork(arch, path);
    expect([...net.biases![0]!]).toEqual(convB);
    expect([...net.biases![3]!]).toEqual([0, 0, 0]);
  });

  it('keeps reading a bias-free export by order, as before', () => {
    const path = file({
      '0.weight': { shape: [2, 1, 3, 3], data: convW },
      '3.weight': { shape: [3, 8], data: fcW },
    });
    const net = importNetwork(noBias, path);
    expect(net.biases).toBeUndefined();
    expect([...net.weights[3]!]).toEqual(fcW.map(Math.fround));
    // Shapes that do not fit in any order: the by-name error.
    const wrong = file({
      '0.weight': { shape: [2, 1, 3, 3], data: convW },
      '3.weight': { shape: [8, 3], data: fcW },
    });
    expect(messageOf(() => importNetwork(noBias, wrong))).toMatch(/missing tensor "conv1\.weight"/);
  });

  it('tries the top-level blocks in every order (torchvision: features.*, classifier.*)', () => {
    const path = file({
      'classifier.0.weight': { shape: [3, 8], data: fcW },
      'features.0.weight': { shape: [2, 1, 3, 3], data: convW },
      'features.1.weight': { shape: [2], data: bn.gamma },
      'features.1.bias': { shape: [2], data: bn.beta },
      'features.1.running_mean': { shape: [2], data: bn.mean },
      'features.1.running_var': { shape: [2], data: bn.variance },
    });
    const net = importNetwork(arch, path);
    expect(net.biases![0]!.length).toBe(2);
    expect([...net.biases![3]!]).toEqual([0, 0, 0]);
    // Impossible values are reported under the file's own names.
    const bad = file({
      '0.weight': { shape: [2, 1, 3, 3], data: convW },
      '1.weight': { shape: [2], data: bn.gamma },
      '1.bias': { shape: [2], data: bn.beta },
      '1.running_mean': { shape: [2], data: bn.mean },
      '1.running_var': { shape: [2], data: [1, -2] },
      '4.weight': { shape: [3, 8], data: fcW },
    });
    expect(messageOf(() => importNetwork(arch, bad))).toMatch(
      /tensor "1\.running_var": channel 1 has variance -2/,
    );
  });
});
