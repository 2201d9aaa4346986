import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCifar10 } from '../../src/data/cifar10.js';
import { loadDataset } from '../../src/data/dataset.js';
import { UserError } from '../../src/util/errors.js';
import { cifarRecord, tempDir } from './helpers.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

const pix = (k: number) => (c: number, y: number, x: number) =>
  (k * 31 + c * 100 + y * 7 + x) % 256;

function folder(name: string, files: Record<string, number[]>): string {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  for (const [f, bytes] of Object.entries(files)) writeFileSync(join(d, f), new Uint8Array(bytes));
  return d;
}

function err(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    const msg = (e as Error).message;
    expect(msg).not.toContain('\n');
    return msg;
  }
  throw new Error('expected a UserError');
}

describe('CIFAR-10 binary batches', () => {
  it('reads records as label + CHW planes, scaled to [0, 1]', () => {
    const d = folder('test', {
      'test_batch.bin': [...cifarRecord(3, pix(0)), ...cifarRecord(9, pix(1))],
    });
    const c = loadCifar10('test', d);
    expect(c.count).toBe(2);
    expect([...c.labels]).toEqual([3, 9]);
    expect(c.shape).toEqual({ c: 3, h: 32, w: 32 });
    for (const [k, ch, y, x] of [
      [0, 0, 0, 0],
      [0, 2, 31, 31],
      [1, 1, 5, 17],
    ] as const) {
      expect(c.images[k * 3072 + ch * 1024 + y * 32 + x]).toBe(Math.fround(pix(k)(ch, y, x) / 255));
    }
    const ds = loadDataset(d, 'test');
    expect(ds.name).toBe('cifar10');
    expect(ds.maxValue).toBe(1);
    expect(ds.classes[0]).toBe('airplane');
    expect(ds.classes[9]).toBe('truck');
  });

  it('reads the five training batches in order, honouring limit across them', () => {
    const files: Record<string, number[]> = {};
    for (let b = 1; b <= 5; b++)
      files[`data_batch_${b}.bin`] = [...cifarRecord(b, pix(b)), ...cifarRecord(0, pix(0))];
    const d = folder('train', files);
    expect([...loadCifar10('train', d).labels]).toEqual([1, 0, 2, 0, 3, 0, 4, 0, 5, 0]);
    const lim = loadCifar10('train', d, { limit: 3 });
    expect([...lim.labels]).toEqual([1, 0, 2]);
    expect(lim.images.length).toBe(3 * 3072);
    expect(lim.files).toHaveLength(2);
  });

  it('rejects a missing folder, a missing batch, bad sizes and bad labels', () => {
    expect(err(() => loadCifar10('test', join(dir, 'nope')))).toMatch(
      /nope: CIFAR-10 folder not found/,
    );
    const d = folder('partial', { 'data_batch_1.bin': cifarRecord(0, pix(0)) });
    expect(err(() => loadCifar10('train', d))).toMatch(
      /data_batch_2\.bin: CIFAR-10 train file not found/,
    );
    const short = folder('short', { 'test_batch.bin': cifarRecord(0, pix(0)).slice(0, 3000) });
    expect(err(() => loadCifar10('test', short))).toMatch(
      /test_batch\.bin: size 3000 bytes is not a positive multiple of 3073/,
    );
    const bad = folder('label', {
      'test_batch.bin': [...cifarRecord(0, pix(0)), ...cifarRecord(10, pix(1))],
    });
    expect(err(() => loadCifar10('test', bad))).toMatch(
      /test_batch\.bin: record 1: label 10 is not in 0\.\.9/,
    );
  });

  it('finds the folder through --data or TTFSIM_CIFAR10_DIR, and says how when neither is set for training', () => {
    const d = folder('env', { 'test_batch.bin': cifarRecord(4, pix(2)) });
    expect([...loadDataset('cifar10', 'test', { env: { TTFSIM_CIFAR10_DIR: d } }).labels]).toEqual([
      4,
    ]);
    expect([...loadDataset('cifar10', 'test', { dataDir: d, env: {} }).labels]).toEqual([4]);
    // the test split falls back to the bundled sample (test/data/cifar10Sample.test.ts)
    expect(err(() => loadDataset('cifar10', 'train', { env: {} }))).toMatch(
      /--data DIR or set TTFSIM_CIFAR10_DIR/,
    );
    expect(err(() => loadDataset(folder('empty', {}), 'test'))).toMatch(/no dataset files found/);
    expect(err(() => loadDataset(join(dir, 'missing'), 'test'))).toMatch(/dataset not found/);
  });
});
