import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createRng } from '../../src/kernel/rng.js';
import type { ModelManifestInput } from '../../src/model/manifest.js';
import { manifestToArchitecture, parseManifest } from '../../src/model/manifest.js';
import { saveModel } from '../../src/model/save.js';
import { stages, weightCount } from '../../src/snn/network.js';
import { PROJECT_ROOT } from '../../src/util/version.js';

export function tempDir(prefix = 'ttfsim-run-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** IDX bytes: magic 00 00 <type> <ndims>, big-endian u32 sizes, then the body. */
export function idxBytes(type: number, dims: number[], body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + body.length);
  const v = new DataView(out.buffer);
  out[2] = type;
  out[3] = dims.length;
  dims.forEach((d, i) => {
    v.setUint32(4 + 4 * i, d, false);
  });
  out.set(body, 4 + 4 * dims.length);
  return out;
}

/**
 * A tiny MNIST-layout test set in `dir`: `n` images of `size`x`size` u8 pixels (a seeded blob
 * per image, so spikes vary), labels 0..9.
 */
export function writeTinyMnist(dir: string, n = 6, size = 8, seed = 7): void {
  mkdirSync(dir, { recursive: true });
  const rng = createRng(seed);
  const px = new Uint8Array(n * size * size);
  for (let i = 0; i < px.length; i++) px[i] = rng.next() < 0.5 ? 0 : 1 + rng.int(255);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) labels[i] = i % 10;
  writeFileSync(join(dir, 't10k-images-idx3-ubyte'), idxBytes(0x08, [n, size, size], px));
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), idxBytes(0x08, [n], labels));
}

/** The tiny network: 1x8x8 -> conv 4C3 -> pool 2 -> flatten -> dense 12 -> dense 10. */
export function tinyManifest(
  dataset: string,
  readout: 'first-spike' | 'membrane' = 'first-spike',
): ModelManifestInput {
  return {
    name: 'tiny',
    input: { channels: 1, height: 8, width: 8 },
    encoding: { kind: 'pixel', maxValue: 255 },
    layers: [
      { type: 'conv', outChannels: 4, kernel: 3 },
      { type: 'pool', size: 2 },
      { type: 'flatten' },
      { type: 'dense', units: 12 },
      { type: 'dense', units: 10 },
    ],
    readout,
    classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    dataset,
    weights: null,
  };
}

/**
 * Writes `<dir>/tiny.json` + `tiny.safetensors` with seeded weights (positive mean so that
 * layers fire), marked trained; returns the manifest path.
 */
export function writeTinyModel(
  dir: string,
  dataset: string,
  opts: { trained?: boolean; seed?: number; readout?: 'first-spike' | 'membrane' } = {},
): string {
  mkdirSync(dir, { recursive: true });
  const manifest = tinyManifest(dataset, opts.readout);
  const arch = manifestToArchitecture(parseManifest(structuredClone(manifest)));
  const st = stages(arch);
  const rng = createRng(opts.seed ?? 3);
  const weights = arch.layers.map((l, i) => {
    const w = new Float32Array(weightCount(l, st[i]!.shape));
    const fanIn =
      w.length / Math.max(1, l.kind === 'conv' ? l.outChannels : l.kind === 'dense' ? l.units : 1);
    for (let k = 0; k < w.length; k++) w[k] = (rng.normal() + 0.3) / Math.sqrt(fanIn);
    return w;
  });
  saveModel(dir, 'tiny', manifest, { arch, weights }, { trained: opts.trained ?? true });
  return join(dir, 'tiny.json');
}

const run = promisify(execFile);

/** Runs the CLI from source; never throws. */
export async function ttfsim(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, TTFSIM_DEBUG: '', ...env },
      maxBuffer: 64 << 20,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
