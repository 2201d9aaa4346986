import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CIFAR10_SAMPLE_DIR, CIFAR10_SAMPLE_IMAGES, loadDataset } from '../../src/data/dataset.js';
import { tempDir, ttfsim } from '../run/helpers.js';

const tmp = tempDir('ttfsim-cifar-sample-');
afterAll(tmp.cleanup);

describe('the bundled CIFAR-10 test sample', () => {
  it('holds the first 500 test records, byte for byte as documented', () => {
    const bytes = readFileSync(join(CIFAR10_SAMPLE_DIR, 'test_batch.bin'));
    expect(bytes.length).toBe(CIFAR10_SAMPLE_IMAGES * 3073);
    const sha = createHash('sha256').update(bytes).digest('hex');
    expect(sha).toBe('07de282dc9df713a84ed634b6f9295cd45f960619c8a4a3f5c65a85851d5bc24');
    const readme = readFileSync(join(CIFAR10_SAMPLE_DIR, 'README.md'), 'utf8');
    expect(readme).toContain(sha);
  });

  it('is what `cifar10` means for the test split when no folder is given, with a note', () => {
    const d = loadDataset('cifar10', 'test', { env: {} });
    expect(d.count).toBe(CIFAR10_SAMPLE_IMAGES);
    expect(d.note).toMatch(/bundled sample/);
    const counts = new Array(10).fill(0);
    for (const l of d.labels) counts[l]++;
    expect(counts).toEqual([46, 40, 44, 66, 51, 47, 52, 43, 50, 61]);
    // a folder or the environment still wins, and training data is never the sample
    expect(() => loadDataset('cifar10', 'train', { env: {} })).toThrow(/not bundled/);
  });

  it('runs the headline command on a fresh checkout: exit 0 and a note saying so', async () => {
    const out = join(tmp.dir, 'run');
    const r = await ttfsim(
      [
        'simulate',
        '--hw',
        'mesh22nm.json',
        '--model',
        'vgg16.json',
        '--frames',
        '1',
        '--noc',
        'ideal',
        '--out',
        out,
      ],
      { TTFSIM_CIFAR10_DIR: '' },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/bundled sample, the first 500 test images/);
    expect(r.stdout).toMatch(/sparsity\s+0\.\d+/);
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(run.frames).toHaveLength(1);
    expect(run.frames[0].label).toBe(3); // the first test record is a cat
    expect(run.notes.some((n: string) => n.includes('bundled sample'))).toBe(true);
  }, 240_000);
});
