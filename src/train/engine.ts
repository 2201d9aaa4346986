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
import type { NetMode, TrainPlan } from './plan.js';
import { ComputeContext, type SharedSetup, type SharedSource, shardRange } from './shard.js';
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
  /** The flat weights every thread reads (write them between steps only). */
  readonly params: Float32Array;
  /** Frame indices of the next batch (write before {@link gradient}). */
  readonly batch: Int32Array;
  /** Shifts (dx, dy) per batch frame, used when `useShifts`. */
  readonly shifts: Int8Array;
  /** Mean-loss gradient of the current batch into `out` (summed over shards in order). */
  gradient(
    batchSize: number,
    loss: LossOptions,
    useShifts: boolean,
    out: Float64Array,
  ): Promise<BatchStats>;
  /** Forward statistics of the first `count` frames of a split. */
  evaluate(split: 'train' | 'test', count: number, loss: LossOptions): Promise<BatchStats>;
  close(): Promise<void>;
}

function shared(bytes: number, useShared: boolean): ArrayBufferLike {
  return useShared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
}

function isBytes(images: Float32Array | Uint8Array): boolean {
  if (images instanceof Uint8Array) return true;
  for (let i = 0; i < images.length; i++) {
    const v = images[i]!;
    if (!(v >= 0 && v <= 255 && Math.floor(v) === v)) return false;
  }
  return true;
}

function shareSource(d: LabeledData, frameSize: number, useShared: boolean): SharedSource {
  const n = d.count * frameSize;
  const bytes = isBytes(d.images);
  const images = shared(bytes ? n : 4 * n, useShared);
  if (bytes) new Uint8Array(images).set(d.images.subarray(0, n));
  else new Float32Array(images).set(d.images.subarray(0, n));
  const labels = shared(d.count, useShared);
  new Uint8Array(labels).set(d.labels.subarray(0, d.count));
  return { images, kind: bytes ? 'u8' : 'f32', labels };
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
  const evalChunk = opts.evalChunk ?? 256;
  const probe = new ComputeContext({
    arch: opts.arch,
    mode: opts.mode,
    shards: 1,
    maxBatch: 1,
    evalChunk: 1,
    params: new ArrayBuffer(0),
    grads: new ArrayBuffer(0),
    batch: new ArrayBuffer(4),
    shifts: new ArrayBuffer(2),
    train: { images: new ArrayBuffer(0), kind: 'u8', labels: new ArrayBuffer(0) },
    test: null,
  });
  const plan = probe.plan;
  const P = plan.paramCount;
  const setup: SharedSetup = {
    arch: opts.arch,
    mode: opts.mode,
    shards: opts.shards,
    maxBatch: opts.maxBatch,
    evalChunk,
    params: shared(4 * P, useWorkers),
    grads: shared(8 * P * opts.shards, useWorkers),
    batch: shared(4 * opts.maxBatch, useWorkers),
    shifts: shared(2 * opts.maxBatch, useWorkers),
    train: shareSource(opts.train, plan.inputSize, useWorkers),
    test: opts.test === null ? null : shareSource(opts.test, plan.inputSize, useWorkers),
  };
  const params = new Float32Array(setup.params);
  const batch = new Int32Array(setup.batch);
  const shifts = new Int8Array(setup.shifts);
  const grads = new Float64Array(setup.grads);
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
      batch,
      shifts,
      async gradient(batchSize, loss, useShifts, out) {
        let stats = emptyStats();
        for (let s = 0; s < opts.shards; s++) {
          stats = addStats(stats, ctx.gradShard(s, batchSize, loss, useShifts));
        }
        sumSlots(grads, opts.shards, P, out);
        return stats;
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
    batch,
    shifts,
    async gradient(batchSize, loss, useShifts, out) {
      const perWorker: number[][] = workers.map(() => []);
      for (let s = 0; s < opts.shards; s++) perWorker[s % W]!.push(s);
      const replies = await Promise.all(
        perWorker.map((shards, w) =>
          shards.length === 0
            ? Promise.resolve([])
            : ask(w, { kind: 'grad', shards, batchSize, loss, useShifts }),
        ),
      );
      let stats = emptyStats();
      for (let s = 0; s < opts.shards; s++) {
        const w = s % W;
        stats = addStats(stats, replies[w]![perWorker[w]!.indexOf(s)]!);
      }
      sumSlots(grads, opts.shards, P, out);
      return stats;
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
