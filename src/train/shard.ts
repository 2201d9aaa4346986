/**
 * The unit of parallel work: the gradient of one shard of a batch, or the forward statistics of
 * one chunk of a data set. Both the in-thread engine and the worker threads call these, on the
 * same (shared) buffers, so results do not depend on how shards are spread over threads.
 *
 * A batch of `B` frames is cut into `S` fixed shards, shard `s` covering frames
 * `[floor(s B / S), floor((s + 1) B / S))`; each shard's gradient goes to its own slot and the
 * slots are summed in shard order by the caller. The batch loss is the mean over the batch, so
 * every frame's gradient carries the weight `1 / B`.
 */

import type { Architecture } from '../snn/network.js';
import { buildPlan, type NetMode, type PlanOptions, type TrainPlan } from './plan.js';
import { type BatchStats, type FrameSource, type LossOptions, Workspace } from './workspace.js';

/** Everything a compute context (main thread or worker) shares. */
export interface SharedSetup {
  arch: Architecture;
  mode: NetMode;
  planOptions: PlanOptions;
  shards: number;
  /** Largest batch the engine is asked for. */
  maxBatch: number;
  /** Frames per evaluation chunk. */
  evalChunk: number;
  /** Flat weights (Float32), `plan.paramCount`. */
  params: ArrayBufferLike;
  /** Gradient slots (Float64), `shards * plan.paramCount`. */
  grads: ArrayBufferLike;
  /** Batch-norm running statistics (Float32, `plan.statsCount`), read in evaluation. */
  stats: ArrayBufferLike;
  /** Batch statistics of each shard's last gradient (Float64, `shards * plan.statsCount`). */
  shardStats: ArrayBufferLike;
  /** Frame indices of the current batch (Int32, `maxBatch`). */
  batch: ArrayBufferLike;
  /** Shifts `(dx, dy)` per batch frame (Int8, `2 * maxBatch`). */
  shifts: ArrayBufferLike;
  /** Horizontal flips per batch frame (Uint8, `maxBatch`). */
  flips: ArrayBufferLike;
  train: SharedSource;
  test: SharedSource | null;
}

export interface SharedSource {
  images: ArrayBufferLike;
  /** Element type of `images`. */
  kind: 'u8' | 'f32';
  /** A stored value `v` stands for `v / divisor`. */
  divisor: number;
  labels: ArrayBufferLike;
}

export function shardRange(shard: number, shards: number, batch: number): [number, number] {
  return [Math.floor((shard * batch) / shards), Math.floor(((shard + 1) * batch) / shards)];
}

function toSource(s: SharedSource): FrameSource {
  return {
    images: s.kind === 'u8' ? new Uint8Array(s.images) : new Float32Array(s.images),
    divisor: s.divisor,
    labels: new Uint8Array(s.labels),
  };
}

/** Views and a workspace over a {@link SharedSetup}; one per thread. */
export class ComputeContext {
  readonly plan: TrainPlan;
  readonly params: Float32Array;
  readonly stats: Float32Array;
  readonly grads: Float64Array;
  readonly shardStats: Float64Array;
  readonly batch: Int32Array;
  readonly shifts: Int8Array;
  readonly flips: Uint8Array;
  readonly train: FrameSource;
  readonly test: FrameSource | null;
  private readonly ws: Workspace;

  constructor(readonly setup: SharedSetup) {
    this.plan = buildPlan(setup.arch, setup.mode, setup.planOptions);
    this.params = new Float32Array(setup.params);
    this.stats = new Float32Array(setup.stats);
    this.grads = new Float64Array(setup.grads);
    this.shardStats = new Float64Array(setup.shardStats);
    this.batch = new Int32Array(setup.batch);
    this.shifts = new Int8Array(setup.shifts);
    this.flips = new Uint8Array(setup.flips);
    this.train = toSource(setup.train);
    this.test = setup.test === null ? null : toSource(setup.test);
    const shardMax = Math.ceil(setup.maxBatch / setup.shards);
    this.ws = new Workspace(this.plan, Math.max(shardMax, setup.evalChunk));
  }

  /**
   * Gradient of shard `shard` of the current batch (of `batchSize` frames) into its slot, and
   * the shard's batch-norm statistics into its statistics slot.
   */
  gradShard(shard: number, batchSize: number, loss: LossOptions, aug: AugmentFlags): BatchStats {
    const P = this.plan.paramCount;
    const slot = this.grads.subarray(shard * P, (shard + 1) * P);
    slot.fill(0);
    const [s0, s1] = shardRange(shard, this.setup.shards, batchSize);
    const n = s1 - s0;
    if (n === 0) return { frames: 0, lossSum: 0, correct: 0, spikes: 0 };
    this.ws.load(this.train, this.batch, s0, n, {
      shifts: aug.shifts ? this.shifts : null,
      flips: aug.flips ? this.flips : null,
    });
    const spikes = this.ws.forward(this.params, this.stats, true);
    const r = this.ws.loss(this.train.labels, s0, loss, 1 / batchSize, this.batch);
    this.ws.backward(this.params, slot);
    const S = this.plan.statsCount;
    if (S > 0) this.ws.batchStats(this.shardStats.subarray(shard * S, (shard + 1) * S));
    return { frames: n, lossSum: r.lossSum, correct: r.correct, spikes };
  }

  /** Forward statistics of frames `[start, start + count)` of a split (no gradient). */
  evalChunk(split: 'train' | 'test', start: number, count: number, loss: LossOptions): BatchStats {
    const src = split === 'train' ? this.train : this.test;
    if (src === null) throw new Error('no test data in this engine');
    const out: BatchStats = { frames: 0, lossSum: 0, correct: 0, spikes: 0 };
    for (let f = start; f < start + count; f += this.ws.maxFrames) {
      const n = Math.min(this.ws.maxFrames, start + count - f);
      this.ws.load(src, null, f, n);
      out.spikes += this.ws.forward(this.params, this.stats, false);
      const r = this.ws.loss(src.labels, f, loss, null);
      out.frames += n;
      out.lossSum += r.lossSum;
      out.correct += r.correct;
    }
    return out;
  }
}

/** Which augmentations the current batch uses (their values are in the setup's buffers). */
export interface AugmentFlags {
  shifts: boolean;
  flips: boolean;
}

/** Builds the plan of a setup (for callers that need it without a context). */
export function setupPlan(setup: Pick<SharedSetup, 'arch' | 'mode' | 'planOptions'>): TrainPlan {
  return buildPlan(setup.arch, setup.mode, setup.planOptions);
}
