/**
 * Gradient engines: in-thread (`workers <= 1`) or data-parallel over worker threads.
 *
 * Both run the same shard computations (shard.ts) over the same buffers: weights, gradient
 * slots, batch indices and data sets live in `SharedArrayBuffer`s that every thread views. A
 * batch is cut into a fixed number of shards, shard `s` is computed by thread `s % workers`, and
 * the slots are summed in shard order on the main thread, so the gradient is the same bit for
 * bit whatever the number of threads and whatever the timing.
 */
import type { Worker } from 'node:worker_threads';
import type { Architecture } from '../snn/network.js';
import { siblingModule, spawnWorker } from '../util/worker.js';
import { BN_MOMENTUM, updateRunning } from './batchnorm.js';
import type { NetMode, PlanOptions, TrainPlan } from './plan.js';
import {
  type AugmentFlags,
  ComputeContext,
  type SharedSetup,
  type SharedSource,
  setupPlan,
  shardRange,
} from './shard.js';
import { addStats, type BatchStats, emptyStats, type LossOptions } from './workspace.js';

/** A labeled data set in memory: `count` frames of raw input values, frame-major. */
export interface LabeledData {
  images: Uint8Array | Float32Array;
  labels: Uint8Array;
  count: number;
}

export interface EngineOptions {
  arch: Architecture;
  mode: NetMode;
  /** Batch norm, biases, the ANN's activation (plan.ts). */
  planOptions?: PlanOptions;
  /** Threads: 1 (or 0) computes in this thread, more spawns worker threads. */
  workers: number;
  /** Shards per batch (fixed, independent of `workers`). */
  shards: number;
  maxBatch: number;
  evalChunk?: number;
  train: LabeledData;
  test: LabeledData | null;
}

export interface Engine {
  readonly plan: TrainPlan;
  /** The flat parameters every thread reads (write them between steps only). */
  readonly params: Float32Array;
  /** Batch-norm running statistics (updated by {@link gradient}, read in evaluation). */
  readonly stats: Float32Array;
  /** Frame indices of the next batch (write before {@link gradient}). */
  readonly batch: Int32Array;
  /** Shifts (dx, dy) per batch frame, used when `aug.shifts`. */
  readonly shifts: Int8Array;
  /** Horizontal flips (0 or 1) per batch frame, used when `aug.flips`. */
  readonly flips: Uint8Array;
  /**
   * Mean-loss gradient of the current batch into `out` (summed over shards in order); updates
   * the running statistics of batch norm from the shards' batch statistics.
   */
  gradient(
    batchSize: number,
    loss: LossOptions,
    aug: AugmentFlags,
    out: Float64Array,
  ): Promise<BatchStats>;
  /** Forward statistics of the first `count` frames of a split. */
  evaluate(split: 'train' | 'test', count: number, loss: LossOptions): Promise<BatchStats>;
  close(): Promise<void>;
}

function shared(bytes: number, useShared: boolean): ArrayBufferLike {
  return useShared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
}

/**
 * The divisor that turns the images into bytes exactly (`v = byte / divisor`, float32 as the
 * loaders compute it): 1 for raw 0..255 values (MNIST), 255 for byte / 255 (CIFAR-10); null
 * when neither holds (the images are then shared as float32).
 */
function byteDivisor(images: Float32Array | Uint8Array, n: number): number | null {
  if (images instanceof Uint8Array) return 1;
  for (const d of [1, 255]) {
    let ok = true;
    for (let i = 0; i < n && ok; i++) {
      const b = Math.round(images[i]! * d);
      ok = b >= 0 && b <= 255 && Math.fround(b / d) === images[i];
    }
    if (ok) return d;
  }
  return null;
}

function shareSource(d: LabeledData, frameSize: number, useShared: boolean): SharedSource {
  const n = d.count * frameSize;
  const divisor = byteDivisor(d.images, n);
  const images = shared(divisor !== null ? n : 4 * n, useShared);
  if (divisor === null) new Float32Array(images).set(d.images.subarray(0, n));
  else if (d.images instanceof Uint8Array) new Uint8Array(images).set(d.images.subarray(0, n));
  else {
    const u = new Uint8Array(images);
    for (let i = 0; i < n; i++) u[i] = Math.round(d.images[i]! * divisor);
  }
  const labels = shared(d.count, useShared);
  new Uint8Array(labels).set(d.labels.subarray(0, d.count));
  return { images, kind: divisor !== null ? 'u8' : 'f32', divisor: divisor ?? 1, labels };
}

function sumSlots(grads: Float64Array, shards: number, P: number, out: Float64Array): void {
  out.set(grads.subarray(0, P));
  for (let s = 1; s < shards; s++) {
    const off = s * P;
    for (let k = 0; k < P; k++) out[k]! += grads[off + k]!;
  }
}

interface Pending {
  resolve: (v: BatchStats[]) => void;
  reject: (e: Error) => void;
}

export function createEngine(opts: EngineOptions): Engine {
  const useWorkers = opts.workers > 1;
  const evalChunk = opts.evalChunk ?? 64;
  const planOptions = opts.planOptions ?? {};
  const plan = setupPlan({ arch: opts.arch, mode: opts.mode, planOptions });
  const P = plan.paramCount;
  const S = plan.statsCount;
  const setup: SharedSetup = {
    arch: opts.arch,
    mode: opts.mode,
    planOptions,
    shards: opts.shards,
    maxBatch: opts.maxBatch,
    evalChunk,
    params: shared(4 * P, useWorkers),
    grads: shared(8 * P * opts.shards, useWorkers),
    stats: shared(4 * S, useWorkers),
    shardStats: shared(8 * S * opts.shards, useWorkers),
    batch: shared(4 * opts.maxBatch, useWorkers),
    shifts: shared(2 * opts.maxBatch, useWorkers),
    flips: shared(opts.maxBatch, useWorkers),
    train: shareSource(opts.train, plan.inputSize, useWorkers),
    test: opts.test === null ? null : shareSource(opts.test, plan.inputSize, useWorkers),
  };
  const params = new Float32Array(setup.params);
  const stats = new Float32Array(setup.stats);
  const batch = new Int32Array(setup.batch);
  const shifts = new Int8Array(setup.shifts);
  const flips = new Uint8Array(setup.flips);
  const grads = new Float64Array(setup.grads);
  const shardStats = new Float64Array(setup.shardStats);
  /** Running statistics from the shards of a batch of `batchSize` frames that had frames. */
  const updateStats = (batchSize: number) => {
    if (S === 0) return;
    const slots: Float64Array[] = [];
    for (let s = 0; s < opts.shards; s++) {
      const [a, b] = shardRange(s, opts.shards, batchSize);
      if (b > a) slots.push(shardStats.subarray(s * S, (s + 1) * S));
    }
    updateRunning(stats, slots, BN_MOMENTUM);
  };
  const counts = { train: opts.train.count, test: opts.test?.count ?? 0 };

  const chunks = (count: number): [number, number][] => {
    const out: [number, number][] = [];
    for (let s = 0; s < count; s += evalChunk) out.push([s, Math.min(evalChunk, count - s)]);
    return out;
  };
  const checkCount = (split: 'train' | 'test', count: number) => {
    if (count > counts[split])
      throw new Error(`${split} has ${counts[split]} frames, not ${count}`);
  };

  if (!useWorkers) {
    const ctx = new ComputeContext(setup);
    return {
      plan,
      params,
      stats,
      batch,
      shifts,
      flips,
      async gradient(batchSize, loss, aug, out) {
        let st = emptyStats();
        for (let s = 0; s < opts.shards; s++) {
          st = addStats(st, ctx.gradShard(s, batchSize, loss, aug));
        }
        sumSlots(grads, opts.shards, P, out);
        updateStats(batchSize);
        return st;
      },
      async evaluate(split, count, loss) {
        checkCount(split, count);
        let stats = emptyStats();
        for (const [s, n] of chunks(count))
          stats = addStats(stats, ctx.evalChunk(split, s, n, loss));
        return stats;
      },
      async close() {},
    };
  }

  const W = opts.workers;
  const workers: Worker[] = [];
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let failure: Error | null = null;
  const url = siblingModule(import.meta.url, 'worker');
  for (let w = 0; w < W; w++) {
    const worker = spawnWorker(url, setup);
    worker.on('message', (m: { id: number; stats?: BatchStats[]; error?: string }) => {
      const p = pending.get(m.id);
      if (p === undefined) return;
      pending.delete(m.id);
      if (m.error !== undefined) p.reject(new Error(m.error));
      else p.resolve(m.stats!);
    });
    worker.on('error', (err) => {
      failure = err;
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    });
    workers.push(worker);
  }
  const ask = (w: number, msg: object): Promise<BatchStats[]> => {
    if (failure !== null) return Promise.reject(failure);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      workers[w]!.postMessage({ id, ...msg });
    });
  };

  return {
    plan,
    params,
    stats,
    batch,
    shifts,
    flips,
    async gradient(batchSize, loss, aug, out) {
      const perWorker: number[][] = workers.map(() => []);
      for (let s = 0; s < opts.shards; s++) perWorker[s % W]!.push(s);
      const replies = await Promise.all(
        perWorker.map((shards, w) =>
          shards.length === 0
            ? Promise.resolve([])
            : ask(w, { kind: 'grad', shards, batchSize, loss, aug }),
        ),
      );
      let st = emptyStats();
      for (let s = 0; s < opts.shards; s++) {
        const w = s % W;
        st = addStats(st, replies[w]![perWorker[w]!.indexOf(s)]!);
      }
      sumSlots(grads, opts.shards, P, out);
      updateStats(batchSize);
      return st;
    },
    async evaluate(split, count, loss) {
      checkCount(split, count);
      const list = chunks(count);
      const perWorker: [number, number][][] = workers.map(() => []);
      list.forEach((c, i) => {
        perWorker[i % W]!.push(c);
      });
      const replies = await Promise.all(
        perWorker.map((cs, w) =>
          cs.length === 0 ? Promise.resolve([]) : ask(w, { kind: 'eval', split, chunks: cs, loss }),
        ),
      );
      let stats = emptyStats();
      list.forEach((_, i) => {
        stats = addStats(stats, replies[i % W]![Math.floor(i / W)]!);
      });
      return stats;
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

export { shardRange };
