import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '../../src/kernel/rng.js';

/** IDX file bytes (u8 data). */
function idx(dims: number[], data: Uint8Array): Uint8Array {
  const head = new Uint8Array(4 + 4 * dims.length);
  head[2] = 0x08;
  head[3] = dims.length;
  const v = new DataView(head.buffer);
  dims.forEach((d, i) => {
    v.setUint32(4 + 4 * i, d, false);
  });
  const out = new Uint8Array(head.length + data.length);
  out.set(head);
  out.set(data, head.length);
  return out;
}

/**
 * A tiny three-class image set, 8x8 u8: class 0 a horizontal bar, 1 a vertical bar, 2 a
 * diagonal, at random positions with random intensities and a few noise pixels.
 */
export function tinyImages(
  count: number,
  seed: number,
): { images: Uint8Array; labels: Uint8Array } {
  const rng = createRng(seed);
  const images = new Uint8Array(count * 64);
  const labels = new Uint8Array(count);
  for (let f = 0; f < count; f++) {
    const c = rng.int(3);
    labels[f] = c;
    const pos = 1 + rng.int(6);
    for (let i = 0; i < 8; i++) {
      const v = 120 + rng.int(136);
      const [y, x] = c === 0 ? [pos, i] : c === 1 ? [i, pos] : [i, (i + pos) % 8];
      images[f * 64 + y * 8 + x] = v;
    }
    for (let k = 0; k < 4; k++) images[f * 64 + rng.int(64)] = rng.int(200);
  }
  return { images, labels };
}

/** Writes train/test IDX files and a model manifest for the tiny set into a fresh temp folder. */
export function writeTinySet(
  trainCount: number,
  testCount: number,
): { dir: string; dataDir: string; manifest: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ttfsim-train-'));
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  const write = (prefix: string, n: number, seed: number) => {
    const { images, labels } = tinyImages(n, seed);
    writeFileSync(join(dataDir, `${prefix}-images-idx3-ubyte`), idx([n, 8, 8], images));
    writeFileSync(join(dataDir, `${prefix}-labels-idx1-ubyte`), idx([n], labels));
  };
  write('train', trainCount, 1);
  write('t10k', testCount, 2);
  const manifest = join(dir, 'tiny.json');
  writeFileSync(
    manifest,
    JSON.stringify({
      formatVersion: 1,
      name: 'tiny',
      input: { channels: 1, height: 8, width: 8 },
      encoding: { kind: 'pixel', maxValue: 255 },
      layers: [
        { type: 'conv', outChannels: 4, kernel: 3 },
        { type: 'pool', size: 2 },
        { type: 'flatten' },
        { type: 'dense', units: 16 },
        { type: 'dense', units: 3 },
      ],
      readout: 'membrane',
      classes: ['h', 'v', 'd'],
      dataset: dataDir,
      weights: null,
    }),
  );
  return { dir, dataDir, manifest };
}
