/**
 * Training throughput: images per second and GFLOP/s (nominal, dense-equivalent: plan.ts
 * `nominalTrainFlops`, 10 FLOP per synapse for the DFT network, 6 for the ANN) of whole training
 * steps, for the MNIST CNN and the CIFAR-10 VGG16-slim (16-16-P-32-32-P-64x3-P-128x3-P-128x3-P,
 * dense 256-256-10, biases), and today's kernels (float32 GEMMs in WebAssembly SIMD) against the
 * trainer's previous ones (bench/lib/legacy: float64 event-style scatter), in the same run:
 *
 * - workspace only, one thread: forward + loss + backward of batches of 64 (new and legacy);
 * - whole training steps (Adam) through the engine with 1 and 2 worker threads (new);
 * - the CIFAR ANN phase (ReLU with batch norm, SGD) with 2 worker threads.
 *
 * Timings are wall clock: on a shared machine they move with the load; the ratio is measured
 * back to back.
 *
 *     node .bench-build/bench/train.js [images] [cifar-dir]
 *
 * CIFAR-10 comes from `cifar-dir` (default ../shared/datasets/cifar-10-batches-bin or
 * $TTFSIM_CIFAR10_DIR); without it the CIFAR cases are skipped.
 */
import { existsSync } from 'node:fs';
import { loadDataset } from '../src/data/dataset.js';
import { loadModel } from '../src/model/load.js';
import type { Architecture } from '../src/snn/network.js';
import { createEngine } from '../src/train/engine.js';
import { flattenWeights, initialStats, kaimingInit } from '../src/train/init.js';
import { initialState, type TrainConfig, trainLoop } from '../src/train/loop.js';
import { defaultOptimizerConfig } from '../src/train/optimizer.js';
import {
  buildPlan,
  type NetMode,
  nominalAnnFlops,
  nominalTrainFlops,
  type PlanOptions,
} from '../src/train/plan.js';
import { Workspace } from '../src/train/workspace.js';
import { buildPlan as legacyPlan, layerViews as legacyViews } from './lib/legacy/plan.js';
import { Workspace as LegacyWorkspace } from './lib/legacy/workspace.js';

const images = Number(process.argv[2] ?? 1024);
const cifarDir =
  process.argv[3] ?? process.env.TTFSIM_CIFAR10_DIR ?? '../shared/datasets/cifar-10-batches-bin';

interface Data {
  images: Float32Array;
  labels: Uint8Array;
  count: number;
}

const B = 64;

/**
 * Seconds of `step(start)` over `n` images in batches of 64 (after one batch of warm-up), one
 * thread.
 */
function timeBatches(n: number, count: number, step: (start: number) => void): number {
  let sec = 0;
  for (let b = 0; b <= Math.floor(n / B); b++) {
    const start = (b * B) % (count - B);
    const t0 = performance.now();
    step(start);
    if (b > 0) sec += (performance.now() - t0) / 1000;
  }
  return sec;
}

function workspaceSeconds(arch: Architecture, params: Float32Array, d: Data, n: number): number {
  const plan = buildPlan(arch, 'snn');
  const ws = new Workspace(plan, B);
  const stats = new Float32Array(0);
  const grad = new Float64Array(plan.paramCount);
  return timeBatches(n, d.count, (start) => {
    ws.load(d, null, start, B);
    ws.forward(params, stats, true);
    ws.loss(d.labels, start, { logitScale: 1 }, 1 / B);
    ws.backward(params, grad);
  });
}

function legacySeconds(arch: Architecture, params: Float32Array, d: Data, n: number): number {
  const plan = legacyPlan(arch, 'snn');
  const ws = new LegacyWorkspace(plan, B);
  const weights = legacyViews(plan, params);
  const grads = legacyViews(plan, new Float64Array(plan.paramCount));
  return timeBatches(n, d.count, (start) => {
    ws.load(d, null, start, B);
    ws.forward(weights);
    ws.loss(d.labels, start, { logitScale: 1 }, 1 / B);
    ws.backward(weights, grads);
  });
}

async function engineRate(
  arch: Architecture,
  mode: NetMode,
  planOptions: PlanOptions,
  params: Float32Array,
  d: Data,
  workers: number,
  optimizer: 'adam' | 'sgd',
): Promise<number> {
  const engine = createEngine({
    arch,
    mode,
    planOptions,
    workers,
    shards: 2,
    maxBatch: B,
    train: { images: d.images, labels: d.labels, count: d.count },
    test: null,
  });
  const cfg: TrainConfig = {
    epochs: 1,
    batchSize: B,
    seed: 1,
    optimizer: defaultOptimizerConfig(optimizer),
    logitScale: 1,
    augmentShift: 0,
    shards: 2,
  };
  try {
    const state = initialState(params.slice(), 1, 'shuffle', initialStats(engine.plan));
    // warm up: the worker threads start, load the modules and compile the kernels
    await engine.evaluate('train', Math.min(d.count, 2 * B * workers), { logitScale: 1 });
    const t0 = performance.now();
    await trainLoop(engine, cfg, state, { train: d.count, test: 0 });
    return d.count / ((performance.now() - t0) / 1000);
  } finally {
    await engine.close();
  }
}

const line = (label: string, rate: number, flops: number) =>
  console.log(
    `  ${label.padEnd(46)} ${rate.toFixed(1).padStart(7)} img/s ${((rate * flops) / 1e9).toFixed(2).padStart(6)} GFLOP/s`,
  );

async function bench(name: string, arch: Architecture, params: Float32Array, d: Data) {
  const plan = buildPlan(arch, 'snn');
  const flops = nominalTrainFlops(plan);
  console.log(
    `${name}: ${plan.paramCount.toLocaleString('en-US')} parameters, ${(flops / 1e6).toFixed(1)} MFLOP per training image (nominal), ${d.count} images`,
  );
  const n = Math.floor(Math.min(d.count - B, images) / B) * B;
  const legacy = n / legacySeconds(arch, params, d, n);
  const fresh = n / workspaceSeconds(arch, params, d, n);
  line('workspace, one thread, legacy kernels', legacy, flops);
  line('workspace, one thread, GEMM kernels', fresh, flops);
  console.log(`  ratio (GEMM / legacy, one thread): ${(fresh / legacy).toFixed(2)}x`);
  const r1 = await engineRate(arch, 'snn', {}, params, d, 1, 'adam');
  const r2 = await engineRate(arch, 'snn', {}, params, d, 2, 'adam');
  line('training steps (Adam), 1 worker', r1, flops);
  line('training steps (Adam), 2 workers', r2, flops);
  console.log(`  2 workers / 1 worker: ${(r2 / r1).toFixed(2)}x`);
  return { legacy, fresh, r2 };
}

const mnistModel = loadModel('mnist-cnn');
const mnistArch = { ...mnistModel.arch, readout: 'membrane' as const };
const mnist = loadDataset('mnist', 'train', { limit: images + B });
const mnistParams =
  mnistModel.network !== null
    ? flattenWeights(buildPlan(mnistArch, 'snn'), mnistModel.network.weights)
    : kaimingInit(buildPlan(mnistArch, 'snn'), 1, 0.5);
await bench('MNIST CNN (shipped weights)', mnistArch, mnistParams, mnist);

if (existsSync(cifarDir)) {
  const slim = loadModel('vgg16-slim', { skipWeights: true });
  const arch = slim.arch;
  const cifar = loadDataset(cifarDir, 'train', { limit: Math.max(images, 512) + B });
  // bias-free so that the legacy kernels run the same network
  const params = kaimingInit(buildPlan(arch, 'snn'), 1, 1);
  await bench('CIFAR-10 VGG16-slim (Kaiming weights)', arch, params, cifar);
  const annOpts: PlanOptions = { batchNorm: true, annActivation: 'relu' };
  const annPlan = buildPlan(arch, 'ann', annOpts);
  const annRate = await engineRate(
    arch,
    'ann',
    annOpts,
    kaimingInit(annPlan, 1, 1),
    cifar,
    2,
    'sgd',
  );
  line('ANN phase (ReLU + batch norm, SGD), 2 workers', annRate, nominalAnnFlops(annPlan));
  console.log(
    `  projected epoch of 50,000 images: SNN ${(50000 / (await engineRate(arch, 'snn', { bias: true }, kaimingInit(buildPlan(arch, 'snn', { bias: true }), 1, 1), cifar, 2, 'adam')) / 60).toFixed(1)} min, ANN ${(50000 / annRate / 60).toFixed(1)} min (2 workers)`,
  );
} else {
  console.log(`CIFAR-10 cases skipped: no ${cifarDir}`);
}
