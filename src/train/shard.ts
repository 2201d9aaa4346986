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
import { buildPlan, layerViews, type NetMode, type TrainPlan } from './plan.js';
import { type BatchStats, type FrameSource, type LossOptions, Workspace } from './workspace.js';

/** Everything a compute context (main thread or worker) shares. */
export interface SharedSetup {
  arch: Architecture;
  mode: NetMode;
  shards: number;
  /** Largest batch the engine is asked for. */
  maxBatch: number;
  /** Frames per evaluation chunk. */
  evalChunk: number;
  /** Flat weights (Float32), `plan.paramCount`. */
  params: ArrayBufferLike;
  /** Gradient slots (Float64), `shards * plan.paramCount`. */
  grads: ArrayBufferLike;
  /** Frame indices of the current batch (Int32, `maxBatch`). */
  batch: ArrayBufferLike;
  /** Shifts `(dx, dy)` per batch frame (Int8, `2 * maxBatch`). */
  shifts: ArrayBufferLike;
  train: SharedSource;
  test: SharedSource | null;
}

export interface SharedSource {
  images: ArrayBufferLike;
  /** Element type of `images`. */
  kind: 'u8' | 'f32';
  labels: ArrayBufferLike;
}

export function shardRange(shard: number, shards: number, batch: number): [number, number] {
  return [Math.floor((shard * batch) / shards), Math.floor(((shard + 1) * batch) / shards)];
}

function toSource(s: SharedSource): FrameSource {
  return {
    images: s.kind === 'u8' ? new Uint8Array(s.images) : new Float32Array(s.images),
    labels: new Uint8Array(s.labels),
  };
}

/** Views and a workspace over a {@link SharedSetup}; one per thread. */
export class ComputeContext {
  readonly plan: TrainPlan;
  readonly weights: Float32Array[];
  readonly grads: Float64Array;
  readonly batch: Int32Array;
  readonly shifts: Int8Array;
  readonly train: FrameSource;
  readonly test: FrameSource | null;
  private readonly ws: Workspace;

  constructor(readonly setup: SharedSetup) {
    this.plan = buildPlan(setup.arch, setup.mode);
    this.weights = layerViews(this.plan, new Float32Array(setup.params));
    this.grads = new Float64Array(setup.grads);
    this.batch = new Int32Array(setup.batch);
    this.shifts = new Int8Array(setup.shifts);
    this.train = toSource(setup.train);
    this.test = setup.test === null ? null : toSource(setup.test);
    const shardMax = Math.ceil(setup.maxBatch / setup.shards);
    this.ws = new Workspace(this.plan, Math.max(shardMax, setup.evalChunk));
  }

  /** Gradient of shard `shard` of the current batch (of `batchSize` frames) into its slot. */
  gradShard(shard: number, batchSize: number, loss: LossOptions, useShifts: boolean): BatchStats {
    const P = this.plan.paramCount;
    const slot = this.grads.subarray(shard * P, (shard + 1) * P);
    slot.fill(0);
    const [s0, s1] = shardRange(shard, this.setup.shards, batchSize);
    const n = s1 - s0;
    if (n === 0) return { frames: 0, lossSum: 0, correct: 0, spikes: 0 };
    this.ws.load(this.train, this.batch, s0, n, useShifts ? this.shifts : null);
    const spikes = this.ws.forward(this.weights);
    const r = this.ws.loss(this.train.labels, s0, loss, 1 / batchSize, this.batch);
    this.ws.backward(this.weights, layerViews(this.plan, slot));
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
      out.spikes += this.ws.forward(this.weights);
      const r = this.ws.loss(src.labels, f, loss, null);
      out.frames += n;
      out.lossSum += r.lossSum;
      out.correct += r.correct;
    }
    return out;
  }
}

/** Builds the plan of a setup (for callers that need it without a context). */
export function setupPlan(setup: Pick<SharedSetup, 'arch' | 'mode'>): TrainPlan {
  return buildPlan(setup.arch, setup.mode);
}
