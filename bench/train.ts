/**
 * Training throughput of the MNIST CNN (784-16C5-P2-32C5-P2-800-128-10): images per second and
 * GFLOP/s (nominal, dense-equivalent: plan.ts `nominalTrainFlops`) of whole training steps
 * (forward, loss, backward, Adam), in this thread and with 2 worker threads (exact gradient),
 * and with 2 threads and `--skip-easy 0.01`, plus one thread's forward/backward split.
 * Timings are wall clock: on a shared machine they move with the load.
 *
 *     node .bench-build/bench/train.js [images] [weights.json]
 *
 * With a trained model (default: models/mnist-cnn.json when it has weights) the activity is
 * that of a trained network; otherwise of the Kaiming initialization.
 */
import { loadDataset } from '../src/data/dataset.js';
import { loadModel } from '../src/model/load.js';
import { createEngine } from '../src/train/engine.js';
import { flattenWeights, kaimingInit } from '../src/train/init.js';
import { initialState, type TrainConfig, trainLoop } from '../src/train/loop.js';
import { defaultOptimizerConfig } from '../src/train/optimizer.js';
import { buildPlan, layerViews, nominalTrainFlops } from '../src/train/plan.js';
import { Workspace } from '../src/train/workspace.js';

const images = Number(process.argv[2] ?? 2048);
const model = loadModel(process.argv[3] ?? 'mnist-cnn');
const arch = { ...model.arch, readout: 'membrane' as const };
const plan = buildPlan(arch, 'snn');
const params =
  model.network !== null ? flattenWeights(plan, model.network.weights) : kaimingInit(plan, 1, 0.5);
const train = loadDataset('mnist', 'train', { limit: images });
const flops = nominalTrainFlops(plan);
console.log(
  `MNIST CNN, ${plan.paramCount} weights, ${(flops / 1e6).toFixed(2)} MFLOP per training image (nominal), ${model.network !== null ? 'trained' : 'initial'} weights, ${images} images`,
);

// Per-layer breakdown, one thread, batches of 64.
{
  const ws = new Workspace(plan, 64);
  const weights = layerViews(plan, params);
  const grads = layerViews(plan, new Float64Array(plan.paramCount));
  const tF = new Float64Array(plan.steps.length);
  let total = 0;
  const t0 = performance.now();
  for (let s = 0; s + 64 <= images; s += 64) {
    ws.load({ images: train.images, labels: train.labels }, null, s, 64);
    const a = performance.now();
    ws.forward(weights);
    const b = performance.now();
    ws.loss(train.labels, s, { logitScale: 1 }, 1 / 64);
    ws.backward(weights, grads);
    const c = performance.now();
    tF[0]! += b - a;
    tF[1]! += c - b;
    total += 64;
  }
  const sec = (performance.now() - t0) / 1000;
  console.log(
    `one thread, workspace only: ${(total / sec).toFixed(0)} img/s, ${((flops * total) / sec / 1e9).toFixed(2)} GFLOP/s; forward ${(tF[0]! / 1000).toFixed(2)} s, backward ${(tF[1]! / 1000).toFixed(2)} s`,
  );
}

const runs: [number, number][] = [
  [1, 0],
  [2, 0],
  [2, 0.01],
];
for (const [workers, skipLoss] of runs) {
  const engine = createEngine({
    arch,
    mode: 'snn',
    workers,
    shards: 2,
    maxBatch: 64,
    train: { images: train.images, labels: train.labels, count: train.count },
    test: null,
  });
  const cfg: TrainConfig = {
    epochs: 1,
    batchSize: 64,
    seed: 1,
    optimizer: defaultOptimizerConfig('adam'),
    logitScale: 1,
    augmentShift: 0,
    shards: 2,
    skipLoss,
  };
  const state = initialState(params.slice(), 1);
  const t0 = performance.now();
  await trainLoop(engine, cfg, state, { train: train.count, test: 0 });
  const sec = (performance.now() - t0) / 1000;
  await engine.close();
  const rate = train.count / sec;
  console.log(
    `${workers} thread${workers > 1 ? 's' : ''}${skipLoss > 0 ? `, --skip-easy ${skipLoss}` : ', exact gradient'} (engine + Adam): ${rate.toFixed(0)} img/s, ${((flops * rate) / 1e9).toFixed(2)} GFLOP/s nominal, MNIST epoch (60,000) ~ ${(60000 / rate / 60).toFixed(1)} min`,
  );
}
