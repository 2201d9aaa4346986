import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRng } from '../../src/kernel/rng.js';
import { manifestToArchitecture, parseManifest } from '../../src/model/manifest.js';
import { saveModel } from '../../src/model/save.js';
import { stages, weightCount } from '../../src/snn/network.js';
import { PROJECT_ROOT } from '../../src/util/version.js';

export const CLI = join(PROJECT_ROOT, 'src', 'cli', 'main.ts');

/** `--import` argument of the tsx loader as an absolute URL: works from any working directory. */
export const TSX_IMPORT = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** A fresh temporary folder and a function that removes it. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'ttfsim-sweep-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Big-endian IDX bytes of u8 data with the given dimensions. */
function idxU8(dims: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = 0x08;
  out[3] = dims.length;
  dims.forEach((d, i) => {
    view.setUint32(4 + 4 * i, d, false);
  });
  out.set(data, 4 + 4 * dims.length);
  return out;
}

/**
 * Writes a tiny MNIST-style model (8x8 input, conv 4C3, pool, dense 10) with seeded random
 * weights to `dir/tiny.json` + `dir/tiny.safetensors`, and a tiny IDX test set of `frames` 8x8
 * images to `dir/data/`. Returns the manifest path and the data folder.
 */
export function writeTinyModel(dir: string, frames = 8): { model: string; data: string } {
  const manifest = parseManifest({
    name: 'tiny',
    description: 'test model for sweeps',
    input: { channels: 1, height: 8, width: 8 },
    encoding: { kind: 'pixel', maxValue: 255 },
    layers: [
      { type: 'conv', outChannels: 4, kernel: 3 },
      { type: 'pool', size: 2 },
      { type: 'flatten' },
      { type: 'dense', units: 10 },
    ],
    classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    dataset: 'mnist',
  });
  const arch = manifestToArchitecture(manifest);
  const st = stages(arch);
  const rng = createRng('tiny-weights');
  const weights = arch.layers.map((layer, i) => {
    const w = new Float32Array(weightCount(layer, st[i]!.shape));
    for (let k = 0; k < w.length; k++) w[k] = rng.normal() * 0.5;
    return w;
  });
  const saved = saveModel(dir, 'tiny', manifest, { arch, weights });
  const data = join(dir, 'data');
  mkdirSync(data, { recursive: true });
  const pixels = new Uint8Array(frames * 64);
  for (let k = 0; k < pixels.length; k++) pixels[k] = rng.int(256);
  const labels = new Uint8Array(frames);
  for (let k = 0; k < frames; k++) labels[k] = rng.int(10);
  writeFileSync(join(data, 't10k-images-idx3-ubyte'), idxU8([frames, 8, 8], pixels));
  writeFileSync(join(data, 't10k-labels-idx1-ubyte'), idxU8([frames], labels));
  return { model: saved.manifestPath, data };
}

/** Writes a spec object to `dir/name` and returns the path. */
export function writeSpec(dir: string, name: string, spec: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(spec, null, 2));
  return path;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `ttfsim ...args` from the sources in a separate process and waits for it. */
export function runCli(args: string[], env: Record<string, string> = {}): CliResult {
  const r = spawnSync(process.execPath, ['--import', TSX_IMPORT, CLI, ...args], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the CLI asynchronously (several at once). */
export function runCliAsync(args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX_IMPORT, CLI, ...args], {
      cwd: PROJECT_ROOT,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export function read(path: string): string {
  return readFileSync(path, 'utf8');
}
