import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CIFAR10_SAMPLE_DIR, loadDataset } from '../../src/data/dataset.js';
import { inputValues } from '../../src/data/values.js';

describe('input values in double', () => {
  it('CIFAR-10: byte / 255 computed in double, from the file bytes', () => {
    const d = loadDataset('cifar10', 'test', { limit: 2, env: {} });
    const raw = readFileSync(join(CIFAR10_SAMPLE_DIR, 'test_batch.bin'));
    const v = inputValues(d, 3072, 2 * 3072); // the second image
    expect(v).toBeInstanceOf(Float64Array);
    for (let j = 0; j < 3072; j++) expect(v[j]).toBe(raw[3073 + 1 + j]! / 255);
    // the dataset's float32 values differ from them (what the simulation used to read)
    expect(Array.from(v).some((x, j) => x !== d.images[3072 + j])).toBe(true);
  });

  it('MNIST: the raw bytes, unchanged', () => {
    const d = loadDataset('mnist', 'test', { limit: 3 });
    const v = inputValues(d, 784, 3 * 784);
    expect(Array.from(v)).toEqual(Array.from(d.images.subarray(784, 3 * 784)));
    expect(v.every((x) => Number.isInteger(x) && x >= 0 && x <= 255)).toBe(true);
  });
});
