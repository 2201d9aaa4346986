/**
 * What the simulation benchmarks share: CPU-time measurement, the CIFAR-sized frames and the
 * networks they run (bench/sim.ts, bench/nocVgg16.ts). Not a benchmark itself (bench/run.ts
 * runs the files directly in bench/).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadCifar10 } from '../../src/data/cifar10.js';
import { createRng } from '../../src/kernel/rng.js';
import { loadModel } from '../../src/model/load.js';
import { untrainedNetwork } from '../../src/sim/untrained.js';
import type { Network } from '../../src/snn/network.js';
import { PROJECT_ROOT } from '../../src/util/version.js';

/** CIFAR-10 binary folder (env CIFAR_DIR overrides). */
export const CIFAR_DIR =
  process.env.CIFAR_DIR ?? join(PROJECT_ROOT, '..', 'shared', 'datasets', 'cifar-10-batches-bin');
export const SEED = 1;

export function ms(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** CPU time of this process (user + system) in ms: steadier than wall time on a shared host. */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e3;
}

/** Runs `fn` `runs` times; the smallest CPU time (ms) and the wall time (ms) of that run. */
export function best(runs: number, fn: () => void): { cpu: number; wall: number } {
  let out = { cpu: Number.POSITIVE_INFINITY, wall: 0 };
  for (let i = 0; i < runs; i++) {
    const c0 = cpuMs();
    const t0 = process.hrtime.bigint();
    fn();
    const wall = ms(t0);
    const cpu = cpuMs() - c0;
    if (cpu < out.cpu) out = { cpu, wall };
  }
  return out;
}

/** `count` CIFAR-10 test images, or seeded synthetic ones when the data is not there. */
export function cifarFrames(count: number): { images: Float32Array; real: boolean } {
  if (existsSync(join(CIFAR_DIR, 'test_batch.bin'))) {
    return { images: loadCifar10('test', CIFAR_DIR, { limit: count }).images, real: true };
  }
  const rng = createRng(`${SEED}/synthetic-cifar`);
  const images = new Float32Array(count * 3072);
  for (let i = 0; i < images.length; i++) images[i] = rng.next();
  return { images, real: false };
}

/** The model's trained network, or seeded weights calibrated on `calibration` frames. */
export function modelNetwork(
  name: string,
  calibration: ArrayLike<number>[],
): { net: Network; trained: boolean } {
  const model = loadModel(name);
  if (model.network !== null && model.trained) return { net: model.network, trained: true };
  const u = untrainedNetwork(model.arch, { seed: SEED, calibrationInputs: calibration });
  return { net: u.network, trained: false };
}
