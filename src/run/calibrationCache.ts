import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { encodeSafetensors, parseSafetensors, tensorToFloat32 } from '../model/safetensors.js';
import { type UntrainedOptions, untrainedNetwork } from '../sim/untrained.js';
import { type Architecture, type Network, stages, weightCount } from '../snn/network.js';
import { writeFileAtomic } from '../util/atomicWrite.js';
import { VERSION } from '../util/version.js';

/**
 * A content-addressed cache of calibrated untrained weights (`untrainedNetwork`,
 * src/sim/untrained.ts: 4-6 s for VGG16). The weights are a pure function of the architecture,
 * the seed, the calibration frames' values, the target firing fraction, the membrane spread and
 * the steps per window
 * (the only hardware field the calibration reads), and of the code that computes them (the tool
 * version), so the file is named after the sha256 of all of these ({@link calibrationKey}):
 * any change of an input is a different file, never a stale one.
 *
 * Files are `<dir>/untrained-<key>.safetensors` (weights and biases per layer, the key and the
 * target in the metadata), written atomically (temp file, then rename): two runs that compute
 * the same key at once both write identical bytes, and a reader sees a whole file or none. A file
 * that does not parse or does not match the key and the architecture is ignored and rewritten.
 */

/** What the calibrated weights depend on. */
export interface CalibrationInputs {
  arch: Architecture;
  seed: number | string;
  calibrationInputs: readonly (Float32Array | Float64Array)[];
  stepsPerWindow: number | null;
  targetFiringFraction?: number;
  membraneStd?: number;
}

/** The cache folder: `TTFSIM_CACHE_DIR` (`off` or empty: none), else the user's cache folder. */
export function defaultCacheDir(env: Record<string, string | undefined> = process.env) {
  const set = env.TTFSIM_CACHE_DIR;
  if (set !== undefined) return set === '' || set === 'off' ? null : set;
  const base = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  return join(base, 'ttfsim');
}

/** sha256 (hex) of everything the calibrated weights depend on (see the file comment). */
export function calibrationKey(inp: CalibrationInputs): string {
  const h = createHash('sha256');
  h.update(
    JSON.stringify({
      format: 'ttfsim-untrained/1',
      version: VERSION,
      arch: inp.arch,
      seed: inp.seed,
      stepsPerWindow: inp.stepsPerWindow,
      targetFiringFraction: inp.targetFiringFraction ?? null,
      membraneStd: inp.membraneStd ?? null,
      frames: inp.calibrationInputs.map((x) => [x.constructor.name, x.length]),
    }),
  );
  for (const x of inp.calibrationInputs) {
    h.update(new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
  }
  return h.digest('hex');
}

function cachePath(dir: string, key: string): string {
  return join(dir, `untrained-${key}.safetensors`);
}

/** The network stored under `key`, or null when there is none or it does not fit `arch`. */
function readCached(path: string, key: string, arch: Architecture) {
  if (!existsSync(path)) return null;
  try {
    const buf = readFileSync(path);
    // a plain Uint8Array view: tensorToFloat32 copies `bytes.slice().buffer`, which for a pooled
    // Buffer would be the whole pool
    const file = parseSafetensors(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), path);
    if (file.metadata.key !== key) return null;
    const all = stages(arch);
    const weights: Float32Array[] = [];
    const biases: (Float32Array | null)[] = [];
    let anyBias = false;
    for (let i = 0; i < arch.layers.length; i++) {
      const layer = arch.layers[i]!;
      if (layer.kind !== 'conv' && layer.kind !== 'dense') {
        weights.push(new Float32Array(0));
        biases.push(null);
        continue;
      }
      const w = file.tensors.get(`w.${i}`);
      if (w === undefined || w.size !== weightCount(layer, all[i]!.shape)) return null;
      weights.push(tensorToFloat32(w, path));
      const b = file.tensors.get(`b.${i}`);
      biases.push(b === undefined ? null : tensorToFloat32(b, path));
      anyBias ||= b !== undefined;
    }
    const network: Network = { arch, weights, ...(anyBias ? { biases } : {}) };
    return { network, targetFiringFraction: Number(file.metadata.targetFiringFraction) };
  } catch {
    return null;
  }
}

/**
 * `untrainedNetwork(arch, opts)` through the cache in `dir` (null: no cache): the stored weights
 * when a file for these inputs exists, else computed and stored. `hit` says which.
 */
export function cachedUntrainedNetwork(
  dir: string | null,
  arch: Architecture,
  opts: UntrainedOptions,
): { network: Network; targetFiringFraction: number; hit: boolean } {
  const key =
    dir === null
      ? ''
      : calibrationKey({
          arch,
          seed: opts.seed,
          calibrationInputs: opts.calibrationInputs as (Float32Array | Float64Array)[],
          stepsPerWindow: opts.stepsPerWindow ?? null,
          ...(opts.targetFiringFraction === undefined
            ? {}
            : { targetFiringFraction: opts.targetFiringFraction }),
          ...(opts.membraneStd === undefined ? {} : { membraneStd: opts.membraneStd }),
        });
  if (dir !== null) {
    const cached = readCached(cachePath(dir, key), key, arch);
    if (cached !== null) return { ...cached, hit: true };
  }
  const u = untrainedNetwork(arch, opts);
  if (dir !== null) {
    const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
    u.network.weights.forEach((w, i) => {
      if (w.length > 0) tensors[`w.${i}`] = { shape: [w.length], data: w };
      const b = u.network.biases?.[i];
      if (b !== null && b !== undefined) tensors[`b.${i}`] = { shape: [b.length], data: b };
    });
    const bytes = encodeSafetensors(tensors, {
      key,
      targetFiringFraction: String(u.targetFiringFraction),
    });
    try {
      mkdirSync(dir, { recursive: true });
      writeFileAtomic(cachePath(dir, key), bytes);
    } catch {
      // A cache that cannot be written costs only the next run's calibration.
    }
  }
  return { network: u.network, targetFiringFraction: u.targetFiringFraction, hit: false };
}
