import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel, resolveModelPath } from '../../src/model/load.js';
import { type ModelManifestInput, parseManifest } from '../../src/model/manifest.js';
import { encodeSafetensors } from '../../src/model/safetensors.js';
import { saveModel } from '../../src/model/save.js';
import { foldBatchNorm } from '../../src/snn/batchnorm.js';
import { paperNeuronCount, stages, windowCount } from '../../src/snn/network.js';
import { UserError } from '../../src/util/errors.js';
import { rawSafetensors, tempDir } from './helpers.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

/** 1x6x6 -> conv 2k3 (2x4x4) -> pool (2x2x2) -> flatten (8) -> dense 3. */
const manifest: ModelManifestInput = {
  name: 'tiny',
  input: { channels: 1, height: 6, width: 6 },
  encoding: { kind: 'pixel', maxValue: 255 },
  layers: [
    { type: 'conv', outChannels: 2, kernel: 3 },
    { type: 'pool' },
    { type: 'flatten' },
    { type: 'dense', units: 3 },
  ],
  classes: ['a', 'b', 'c'],
  dataset: 'mnist',
  weights: { file: 'tiny.safetensors', trained: true },
};
const goodTensors = (): Record<string, { shape: number[]; data: number[] }> => ({
  'conv1.weight': { shape: [2, 1, 3, 3], data: Array.from({ length: 18 }, (_, i) => i / 10 - 0.9) },
  'fc1.weight': { shape: [3, 8], data: Array.from({ length: 24 }, (_, i) => (i % 5) / 4) },
});

let counter = 0;
/** Writes a manifest (and weights bytes, if given) to a fresh sub-name; returns the manifest path. */
function write(m: unknown, weights?: Uint8Array): string {
  const name = `case${counter++}`;
  const mm = structuredClone(m) as { weights?: { file: string } | null };
  if (mm.weights) mm.weights.file = `${name}.safetensors`;
  if (weights) writeFileSync(join(dir, `${name}.safetensors`), weights);
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(mm));
  return path;
}

function errorOf(path: string): string {
  try {
    loadModel(path);
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    const msg = (err as Error).message;
    expect(msg).not.toContain('\n');
    return msg;
  }
  throw new Error('expected a UserError');
}

describe('loadModel', () => {
  it('loads a manifest with weights', () => {
    const path = write(manifest, encodeSafetensors(goodTensors()));
    const m = loadModel(path);
    expect(m.manifestPath).toBe(path);
    expect(m.trained).toBe(true);
    expect(m.classes).toEqual(['a', 'b', 'c']);
    expect(m.network!.weights.map((w) => w.length)).toEqual([18, 0, 0, 24]);
    expect([...m.network!.weights[0]!]).toEqual(
      goodTensors()['conv1.weight']!.data.map(Math.fround),
    );
    expect(paperNeuronCount(m.arch)).toBe(2 * 4 * 4 + 3);
  });

  it('round-trips through saveModel (F32 exact, F16 to half precision), trained only when said', () => {
    fc.assert(
      fc.property(
        fc.float32Array({
          minLength: 18,
          maxLength: 18,
          noNaN: true,
          noDefaultInfinity: true,
          min: -4,
          max: 4,
        }),
        fc.float32Array({
          minLength: 24,
          maxLength: 24,
          noNaN: true,
          noDefaultInfinity: true,
          min: -4,
          max: 4,
        }),
        (w0, w3) => {
          const arch = loadModel(write({ ...manifest, weights: null })).arch;
          const net = { arch, weights: [w0, new Float32Array(0), new Float32Array(0), w3] };
          const saved = saveModel(dir, 'rt', { ...manifest, weights: null }, net);
          const back = loadModel(saved.manifestPath);
          expect(back.trained).toBe(false); // the manifest did not say these are trained
          expect(back.network!.weights[0]).toEqual(w0);
          expect(back.network!.weights[3]).toEqual(w3);
          const half = saveModel(dir, 'rt16', manifest, net, { dtype: 'F16' });
          const b16 = loadModel(half.manifestPath);
          expect(b16.trained).toBe(true);
          b16.network!.weights[3]!.forEach((v, i) => {
            expect(Math.abs(v - w3[i]!)).toBeLessThanOrEqual(
              Math.abs(w3[i]!) * 2 ** -11 + 2 ** -25,
            );
          });
        },
      ),
      { seed: 3, numRuns: 20 },
    );
  });

  it('saves an architecture without weights as weights: null', () => {
    const saved = saveModel(dir, 'arch-only', manifest, null);
    const m = loadModel(saved.manifestPath);
    expect(m.manifest.weights).toBeNull();
    expect(m.network).toBeNull();
    expect(m.trained).toBe(false);
  });

  it('refuses to save non-finite weights or a network of another shape', () => {
    const arch = loadModel(write({ ...manifest, weights: null })).arch;
    const w = [
      new Float32Array(18),
      new Float32Array(0),
      new Float32Array(0),
      new Float32Array(24),
    ];
    w[3]![5] = Number.NaN;
    expect(() => saveModel(dir, 'bad', manifest, { arch, weights: w })).toThrow(
      /fc1 weight 5 is NaN/,
    );
    w[3] = new Float32Array(23);
    expect(() => saveModel(dir, 'bad', manifest, { arch, weights: w })).toThrow(
      /fc1 needs 24 weights/,
    );
  });

  it('rejects a truncated or corrupted weights file', () => {
    const bytes = encodeSafetensors(goodTensors());
    const p = write(manifest, bytes.subarray(0, bytes.length - 10));
    expect(errorOf(p)).toMatch(/case\d+\.safetensors: tensor "fc1\.weight".*run past.*truncated/);
    const bad = bytes.slice();
    bad[9] = 0; // inside the JSON header
    expect(errorOf(write(manifest, bad))).toMatch(
      /case\d+\.safetensors: header is not valid (JSON|UTF-8)/,
    );
  });

  it('rejects a tensor with the wrong shape', () => {
    const t = goodTensors();
    t['conv1.weight'] = { shape: [2, 1, 5, 5], data: new Array(50).fill(0) };
    expect(errorOf(write(manifest, encodeSafetensors(t)))).toMatch(
      /case\d+\.safetensors: tensor "conv1\.weight" has shape \[2, 1, 5, 5\], expected \[2, 1, 3, 3\]/,
    );
  });

  it('rejects a tensor with a non-float dtype', () => {
    const t = goodTensors();
    const header = {
      'conv1.weight': { dtype: 'I32', shape: [2, 1, 3, 3], data_offsets: [0, 72] },
      'fc1.weight': { dtype: 'F32', shape: [3, 8], data_offsets: [72, 168] },
    };
    const f32 = new Uint8Array(new Float32Array(t['fc1.weight']!.data).buffer);
    const bytes = rawSafetensors(header, [...new Array(72).fill(0), ...f32]);
    expect(errorOf(write(manifest, bytes))).toMatch(
      /case\d+\.safetensors: tensor "conv1\.weight" has dtype I32; weights must be F32, F16, BF16, F64/,
    );
  });

  it('rejects NaN and Infinity weights', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      const t = goodTensors();
      const data = [...t['fc1.weight']!.data];
      data[7] = bad;
      t['fc1.weight'] = { shape: [3, 8], data };
      expect(errorOf(write(manifest, encodeSafetensors(t)))).toMatch(
        new RegExp(
          `case\\d+\\.safetensors: tensor "fc1\\.weight" has 1 non-finite value \\(first: ${bad} at flat index 7\\)`,
        ),
      );
    }
  });

  it('rejects an unknown layer type with a readable path', () => {
    const m = structuredClone(manifest) as { layers: unknown[] };
    m.layers[2] = { type: 'lstm' };
    expect(errorOf(write(m))).toMatch(
      /case\d+\.json: layers\[2\]\.type: unknown layer type "lstm"/,
    );
  });

  it('rejects a manifest whose weights file is missing', () => {
    expect(errorOf(write(manifest))).toMatch(
      /case\d+\.json: weights\.file: "case\d+\.safetensors" not found/,
    );
  });

  it('rejects bias and batch-norm tensors the manifest does not declare, saying what to add', () => {
    const withBias = { ...goodTensors(), 'conv1.bias': { shape: [2], data: [0, 0] } };
    expect(errorOf(write(manifest, encodeSafetensors(withBias)))).toMatch(
      /case\d+\.safetensors: tensor "conv1\.bias": layer conv1 has no bias in the manifest; set "bias": true on layer conv1/,
    );
    for (const bn of [
      'bn1.running_mean',
      'conv1.bn.weight',
      'features.1.running_var',
      'bn2.num_batches_tracked',
    ]) {
      const withBn = { ...goodTensors(), [bn]: { shape: [2], data: [0, 1] } };
      const prefix = bn.slice(0, bn.lastIndexOf('.')).replace(/\./g, '\\.');
      expect(errorOf(write(manifest, encodeSafetensors(withBn)))).toMatch(
        new RegExp(
          `case\\d+\\.safetensors: tensor "${bn.replace(/\./g, '\\.')}" looks like batch norm; add \\{"type": "batchnorm", "name": "${prefix}"\\}`,
        ),
      );
    }
  });

  it('loads biases ("bias": true, tensor <name>.bias) and checks them', () => {
    const m = structuredClone(manifest) as { layers: Record<string, unknown>[] };
    m.layers[0]!.bias = true;
    m.layers[3]!.bias = true;
    const t = {
      ...goodTensors(),
      'conv1.bias': { shape: [2], data: [0.25, -0.5] },
      'fc1.bias': { shape: [3], data: [0, 0.1, -1e-3] },
    };
    const loaded = loadModel(write(m, encodeSafetensors(t)));
    expect(loaded.arch.layers[0]).toMatchObject({ kind: 'conv', bias: true });
    expect(loaded.network!.biases!.map((b) => (b === null ? null : [...b]))).toEqual([
      [0.25, -0.5],
      null,
      null,
      [0, 0.1, -1e-3].map(Math.fround),
    ]);
    const missing = { ...t } as Record<string, unknown>;
    delete missing['fc1.bias'];
    expect(errorOf(write(m, encodeSafetensors(missing as typeof t)))).toMatch(
      /case\d+\.safetensors: missing tensor "fc1\.bias" for layer fc1 \(it has "bias": true; shape \[3\]\)/,
    );
    const wrong = { ...t, 'conv1.bias': { shape: [3], data: [0, 0, 0] } };
    expect(errorOf(write(m, encodeSafetensors(wrong)))).toMatch(
      /tensor "conv1\.bias" has shape \[3\], expected \[2\] \(\[outChannels\]\) for layer conv1/,
    );
    const nan = { ...t, 'fc1.bias': { shape: [3], data: [0, Number.NaN, 0] } };
    expect(errorOf(write(m, encodeSafetensors(nan)))).toMatch(
      /tensor "fc1\.bias" has 1 non-finite value/,
    );
  });

  it('folds batch norm at load time (double precision) and saves the model folded', () => {
    const m = structuredClone(manifest) as { layers: Record<string, unknown>[] };
    m.layers.splice(1, 0, { type: 'batchnorm', name: 'bn1', eps: 1e-3 });
    const bn = {
      'bn1.weight': { shape: [2], data: [1.5, -0.75] },
      'bn1.bias': { shape: [2], data: [0.1, 0.2] },
      'bn1.running_mean': { shape: [2], data: [0.3, -0.4] },
      'bn1.running_var': { shape: [2], data: [4, 0.25] },
    };
    const t = { ...goodTensors(), ...bn };
    const path = write(m, encodeSafetensors(t));
    const loaded = loadModel(path);
    expect(loaded.arch.layers.map((l) => l.kind)).toEqual(['conv', 'pool', 'flatten', 'dense']);
    expect(loaded.arch.layers[0]).toMatchObject({ bias: true });
    const expected = foldBatchNorm(goodTensors()['conv1.weight']!.data.map(Math.fround), null, 2, {
      gamma: bn['bn1.weight'].data.map(Math.fround),
      beta: bn['bn1.bias'].data.map(Math.fround),
      mean: bn['bn1.running_mean'].data.map(Math.fround),
      variance: bn['bn1.running_var'].data.map(Math.fround),
      eps: 1e-3,
    });
    expect(loaded.network!.weights[0]).toEqual(expected.weights);
    expect(loaded.network!.biases![0]).toEqual(expected.bias);
    expect(loaded.network!.biases![3]).toBeNull();
    // num_batches_tracked (I64 in PyTorch) is accepted and ignored; affine=False has no weight/bias.
    const header: Record<string, unknown> = {};
    const body: number[] = [];
    const add = (name: string, dtype: string, shape: number[], bytes: Uint8Array) => {
      header[name] = { dtype, shape, data_offsets: [body.length, body.length + bytes.length] };
      body.push(...bytes);
    };
    add('bn1.num_batches_tracked', 'I64', [], new Uint8Array(8));
    for (const [name, v] of Object.entries({ ...goodTensors(), ...bn })) {
      if (name === 'bn1.weight' || name === 'bn1.bias') continue;
      add(name, 'F32', v.shape, new Uint8Array(new Float32Array(v.data).buffer));
    }
    const plain = loadModel(write(m, rawSafetensors(header, body)));
    expect(plain.network!.biases![0]![1]).toBe(Math.fround((0 + 0.4) / Math.sqrt(0.25 + 1e-3)));
    // Saved folded: no batch-norm layer, "bias": true, the folded tensors.
    const saved = saveModel(dir, 'folded', loadModel(path).manifest, loaded.network);
    expect(saved.manifest.layers.map((l) => l.type)).toEqual(['conv', 'pool', 'flatten', 'dense']);
    expect(saved.manifest.layers[0]).toMatchObject({ bias: true });
    const back = loadModel(saved.manifestPath);
    expect(back.network!.weights[0]).toEqual(expected.weights);
    expect(back.network!.biases![0]).toEqual(expected.bias);
    expect(back.arch).toEqual(loaded.arch);
  });

  it('rejects incomplete or impossible batch-norm tensors', () => {
    const m = structuredClone(manifest) as { layers: Record<string, unknown>[] };
    m.layers.splice(1, 0, { type: 'batchnorm' });
    const bn = {
      'bn1.weight': { shape: [2], data: [1, 1] },
      'bn1.bias': { shape: [2], data: [0, 0] },
      'bn1.running_mean': { shape: [2], data: [0, 0] },
      'bn1.running_var': { shape: [2], data: [1, 1] },
    };
    const without = (k: keyof typeof bn) => {
      const t: Record<string, { shape: number[]; data: number[] }> = { ...goodTensors(), ...bn };
      delete t[k];
      return errorOf(write(m, encodeSafetensors(t)));
    };
    expect(without('bn1.running_var')).toMatch(
      /case\d+\.safetensors: missing tensor "bn1\.running_var" of batch norm bn1 \(after layer conv1, shape \[2\]\)/,
    );
    expect(without('bn1.bias')).toMatch(/batch norm bn1: "bn1\.bias" is missing/);
    const negative = {
      ...goodTensors(),
      ...bn,
      'bn1.running_var': { shape: [2], data: [1, -1] },
    };
    expect(errorOf(write(m, encodeSafetensors(negative)))).toMatch(
      /tensor "bn1\.running_var": channel 1 has variance -1, and var \+ eps \(0\.00001\) must be positive/,
    );
    const shape = { ...goodTensors(), ...bn, 'bn1.running_mean': { shape: [3], data: [0, 0, 0] } };
    expect(errorOf(write(m, encodeSafetensors(shape)))).toMatch(
      /tensor "bn1\.running_mean" has shape \[3\], expected \[2\] \(\[channels\]\) for batch norm bn1 after layer conv1/,
    );
  });

  it('rejects extra and missing tensors', () => {
    const extra = { ...goodTensors(), 'fc9.weight': { shape: [1], data: [0] } };
    expect(errorOf(write(manifest, encodeSafetensors(extra)))).toMatch(
      /case\d+\.safetensors: unexpected tensor "fc9\.weight"; expected only "conv1\.weight", "fc1\.weight"/,
    );
    const t = goodTensors();
    delete t['fc1.weight'];
    expect(errorOf(write(manifest, encodeSafetensors(t)))).toMatch(
      /case\d+\.safetensors: missing tensor "fc1\.weight" for layer fc1 \(dense, shape \[3, 8\]\)/,
    );
  });

  it('rejects a layer that does not fit its input and a class count that does not match', () => {
    const m = structuredClone(manifest) as unknown as {
      layers: Record<string, unknown>[];
      weights: null;
    };
    m.layers[0]!.kernel = 7;
    m.weights = null;
    expect(errorOf(write(m))).toMatch(
      /case\d+\.json: layers\[0\]: layer conv1: a 7x7 kernel does not fit a 6x6 input/,
    );
    expect(errorOf(write({ ...manifest, classes: ['a', 'b'], weights: null }))).toMatch(
      /case\d+\.json: classes: 2 class names but the output layer has 3 neurons/,
    );
  });

  it('rejects invalid JSON and a model that does not exist', () => {
    const p = join(dir, 'broken.json');
    writeFileSync(p, '{"name": ');
    expect(errorOf(p)).toMatch(/broken\.json: not valid JSON/);
    expect(() => resolveModelPath('no-such-model')).toThrow(
      /no-such-model: model not found \(not a bundled model either; bundled: .*vgg16/,
    );
  });
});

describe('bundled models', () => {
  it('mnist-cnn is 784-16C5-P2-32C5-P2-800-128-10 with 12,202 neurons', () => {
    const m = loadModel('mnist-cnn');
    expect(m.manifestPath).toMatch(/models\/mnist-cnn\.json$/);
    expect(stages(m.arch).map((s) => s.size)).toEqual([
      784, 9216, 2304, 2048, 512, 512, 800, 128, 10,
    ]);
    expect(paperNeuronCount(m.arch)).toBe(12202);
    expect(m.arch.encoding).toEqual({ kind: 'pixel', maxValue: 255 });
  });

  it('vgg16 (also as vgg16.json) has 284,682 neurons and 16 windows', () => {
    for (const name of ['vgg16', 'vgg16.json']) {
      const m = loadModel(name);
      expect(paperNeuronCount(m.arch)).toBe(284682);
      expect(windowCount(m.arch)).toBe(16);
      expect(m.arch.encoding).toEqual({ kind: 'direct' });
      expect(m.arch.layers.filter((l) => l.kind === 'conv')).toHaveLength(13);
    }
  });

  it('vgg11 has 8 convs in the 64,P,128,P,256,256,P,512,512,P,512,512,P pattern', () => {
    const m = loadModel('vgg11');
    const pattern = m.arch.layers.map((l) =>
      l.kind === 'conv'
        ? l.outChannels
        : l.kind === 'pool'
          ? 'P'
          : l.kind === 'dense'
            ? `fc${l.units}`
            : 'F',
    );
    expect(pattern).toEqual([
      64,
      'P',
      128,
      'P',
      256,
      256,
      'P',
      512,
      512,
      'P',
      512,
      512,
      'P',
      'F',
      'fc4096',
      'fc4096',
      'fc10',
    ]);
  });

  it('MNIST CNN ships trained weights with provenance; the VGGs are untrained and say so', () => {
    const mnist = loadModel('mnist-cnn');
    expect(mnist.trained).toBe(true);
    expect(mnist.network?.weights.filter((w) => w.length > 0)).toHaveLength(5);
    expect(mnist.manifest.provenance.testAccuracy).toBeGreaterThan(0.9);
    expect(parseManifest(mnist.manifest)).toEqual(mnist.manifest);
    for (const name of ['vgg11', 'vgg16']) {
      const m = loadModel(name);
      expect(m.trained).toBe(false);
      expect(m.network).toBeNull();
      expect(m.manifest.description).toMatch(/untrained/);
      expect(m.manifest.provenance.notes).toMatch(/no weights/i);
      expect(parseManifest(m.manifest)).toEqual(m.manifest); // normalized output is a fixed point
    }
    expect(loadModel('vgg16').classes).toEqual([
      'airplane',
      'automobile',
      'bird',
      'cat',
      'deer',
      'dog',
      'frog',
      'horse',
      'ship',
      'truck',
    ]);
  });
});
