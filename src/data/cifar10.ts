/**
 * CIFAR-10, binary version (https://www.cs.toronto.edu/~kriz/cifar.html,
 * `cifar-10-binary.tar.gz`): a folder with `data_batch_1.bin` ... `data_batch_5.bin` (train,
 * 10,000 images each) and `test_batch.bin`. Each record is 3073 bytes: one label byte (0..9)
 * then 1024 red, 1024 green and 1024 blue bytes, each plane 32x32 row-major, which is exactly
 * CHW.
 *
 * Values: scaled to [0, 1] (byte / 255), with no per-channel mean/std normalization. ttfsim
 * layers have no biases, so a mean shift could not be undone by the first layer; [0, 1] keeps
 * the input non-negative as pixel encoding (maxValue 1) needs, and is what the direct-encoding
 * first conv sees. CIFAR-10 is not bundled: users bring their copy (see loadDataset).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { inFile } from '../util/errors.js';
import type { LabeledImages, Split } from './mnist.js';

export const CIFAR10_CLASSES = [
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
] as const;

const RECORD = 3073;
const PIXELS = 3072;

/** The batch files of a split. */
export function cifar10Files(split: Split): string[] {
  return split === 'test' ? ['test_batch.bin'] : [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
}

/** Loads a CIFAR-10 split from the binary batches in `dir`; `limit` keeps the first images. */
export function loadCifar10(
  split: Split,
  dir: string,
  opts: { limit?: number } = {},
): LabeledImages {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw inFile(
      dir,
      'CIFAR-10 folder not found (expected the binary batches: test_batch.bin, data_batch_1..5.bin)',
    );
  }
  const paths = cifar10Files(split).map((f) => join(dir, f));
  for (const p of paths) {
    if (!existsSync(p)) throw inFile(p, `CIFAR-10 ${split} file not found`);
  }
  const limit =
    opts.limit === undefined ? Number.POSITIVE_INFINITY : Math.max(0, Math.floor(opts.limit));
  const chunks: { buf: Buffer; n: number; path: string }[] = [];
  let total = 0;
  for (const p of paths) {
    if (total >= limit) break;
    const buf = readFileSync(p);
    if (buf.length === 0 || buf.length % RECORD !== 0) {
      throw inFile(
        p,
        `size ${buf.length} bytes is not a positive multiple of ${RECORD} (1 label byte + 3072 pixel bytes per image): truncated or not a CIFAR-10 binary batch`,
      );
    }
    const n = Math.min(buf.length / RECORD, limit - total);
    for (let i = 0; i < buf.length / RECORD; i++) {
      const label = buf[i * RECORD]!;
      if (label > 9) {
        throw inFile(
          p,
          `record ${i}: label ${label} is not in 0..9 (CIFAR-100 or a corrupted file?)`,
        );
      }
    }
    chunks.push({ buf, n, path: p });
    total += n;
  }
  const images = new Float32Array(total * PIXELS);
  const labels = new Uint8Array(total);
  let k = 0;
  for (const { buf, n } of chunks) {
    for (let i = 0; i < n; i++, k++) {
      labels[k] = buf[i * RECORD]!;
      const src = i * RECORD + 1;
      const dst = k * PIXELS;
      for (let j = 0; j < PIXELS; j++) images[dst + j] = buf[src + j]! / 255;
    }
  }
  return {
    images,
    labels,
    count: total,
    shape: { c: 3, h: 32, w: 32 },
    files: chunks.map((c) => c.path),
  };
}
