/**
 * `simulate --workers N`: the frames' spikes computed on N worker threads while this thread runs
 * their physical time (docs/simulation.md "All cores"). What a frame's cores compute is a pure
 * function of the setup and the frame's input (src/sim/frameSpikes.ts), so which worker computes
 * a frame, and when, changes nothing: the results are the same bit for bit for every N.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { HardwareConfig } from '../hardware/config.js';
import type { FrameSlot } from '../sim/frameResult.js';
import { FrameSpikesLayout } from '../sim/frameSpikes.js';
import type { AsyncFrameSource } from '../sim/run.js';
import type { SimOptions, SimSetup } from '../sim/setup.js';
import type { Network } from '../snn/network.js';
import { UserError } from '../util/errors.js';
import { siblingModule, spawnWorker } from '../util/worker.js';

/** Most bytes of computed spikes in one batch (one message). */
const BATCH_BYTES = 8 << 20;

/** The default of `--workers`: the machine's cores. */
export function defaultSimWorkers(): number {
  return Math.max(1, availableParallelism());
}

/** What a frame worker prepares its simulation from (`workerData`: structured-cloneable). */
export interface FrameWorkerInit {
  network: Network;
  hw: HardwareConfig;
  /** `prepareSimulation`'s options, without the network factory (the spikes need none). */
  options: Omit<SimOptions, 'noc'>;
}

/**
 * Frames `first` to `first + count - 1`, their inputs one after another; `reuse`: a consumed
 * batch's buffer to write the answer into (at least `count` frames long), or null.
 */
export interface FrameBatchRequest {
  first: number;
  count: number;
  inputs: Float32Array | Float64Array;
  reuse: ArrayBuffer | null;
}

export type FrameWorkerReply =
  | { ready: true }
  | { first: number; count: number; data: Float64Array }
  | { error: string; userError: boolean };

/**
 * Worker threads that compute frames' spikes ahead of the simulation that consumes them, in
 * batches of `batch` frames (batch `b` on worker `b mod N`), at most `aheadBatches` batches
 * requested or waiting beyond the frame being consumed (memory stays bounded). The workers are
 * started at construction, so their set-up overlaps the caller's.
 */
export class FramePool implements AsyncFrameSource {
  private readonly workers: Worker[] = [];
  private readonly batches = new Map<number, Float64Array>();
  /** Buffers of consumed batches, sent back with the next requests (no allocation per batch). */
  private readonly free: ArrayBuffer[] = [];
  /** The wait of {@link until}: every batch from the one being consumed to `last`. */
  private waiter: { last: number; resolve: () => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;
  private layout: FrameSpikesLayout | null = null;
  private images: Float32Array | Float64Array = new Float32Array(0);
  private frameSize = 0;
  private count = 0;
  private batch = 1;
  private aheadBatches = 1;
  /** Next batch to request; the batch being consumed. */
  private nextRequest = 0;
  private consuming = 0;
  private closed = false;
  private readyCount = 0;
  /** A copy of frame 0's spikes (see frame0Again). */
  private frame0: Float64Array | null = null;
  private readyWait: { resolve: () => void; reject: (e: Error) => void } | null = null;

  constructor(n: number, init: FrameWorkerInit) {
    const url = siblingModule(import.meta.url, 'frameWorker');
    for (let i = 0; i < n; i++) {
      const w = spawnWorker(url, init);
      w.on('message', (m: FrameWorkerReply) => this.reply(m));
      w.on('error', (err) => this.fail(new Error(`frame worker crashed: ${err.message}`)));
      w.on('exit', (code) => {
        if (!this.closed) this.fail(new Error(`frame worker exited with code ${code}`));
      });
      this.workers.push(w);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /**
   * Starts computing `count` frames of `images` (`setup`'s input size each) for a simulation
   * with `framesInFlight` frames on the chip at once.
   */
  begin(
    setup: SimSetup,
    images: Float32Array | Float64Array,
    count: number,
    framesInFlight: number,
  ): void {
    this.layout = new FrameSpikesLayout(setup);
    this.images = images;
    this.frameSize = setup.stages[0]!.size;
    this.count = count;
    const n = this.workers.length;
    // Batches amortize the messages; small runs still give every worker frames, and a batch
    // stays under BATCH_BYTES (a VGG16 frame's spikes are 2.4 MB).
    const byBytes = Math.floor(BATCH_BYTES / (8 * Math.max(1, this.layout.length)));
    this.batch = Math.max(1, Math.min(16, byBytes, Math.floor(count / (4 * n))));
    this.aheadBatches = 2 * n + Math.ceil(framesInFlight / this.batch) + 1;
    this.request();
  }

  has(f: number): boolean {
    return this.batches.has(Math.floor(f / this.batch));
  }

  load(f: number, slot: FrameSlot): void {
    const b = Math.floor(f / this.batch);
    const data = this.batches.get(b);
    if (data === undefined) throw new Error(`frame pool: frame ${f} is not computed yet`);
    const first = b * this.batch;
    const length = this.layout!.length;
    const at = (f - first) * length;
    this.layout!.unpack(data, at, slot);
    if (f === 0) this.frame0 = data.slice(at, at + length);
    if (f === Math.min(this.count, first + this.batch) - 1) {
      this.batches.delete(b);
      this.free.push(data.buffer as ArrayBuffer);
      this.consuming = b + 1;
      this.request();
    }
  }

  /** Frame 0's spikes once more (for the run's first frame alone: simEngine.ts), once loaded. */
  frame0Again(): AsyncFrameSource {
    const data = this.frame0;
    const layout = this.layout;
    if (data === null || layout === null) throw new Error('frame pool: frame 0 is not loaded');
    return {
      has: () => true,
      until: () => Promise.resolve(),
      load: (_f, slot) => layout.unpack(data, 0, slot),
    };
  }

  /** Resolves once frame `f` and every frame before it not yet loaded are computed. */
  until(f: number): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.waiter !== null) throw new Error('frame pool: two waits at once');
    const last = Math.floor(f / this.batch);
    if (this.present(last)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiter = { last, resolve, reject };
    });
  }

  private present(last: number): boolean {
    for (let b = this.consuming; b <= last; b++) if (!this.batches.has(b)) return false;
    return true;
  }

  /** Resolves once every worker has prepared its simulation (benchmarks time what follows). */
  ready(): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.readyCount === this.workers.length) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.readyWait = { resolve, reject };
    });
  }

  /** Terminates the workers. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  /** Requests the batches up to `aheadBatches` past the one being consumed. */
  private request(): void {
    const batches = Math.ceil(this.count / this.batch);
    const fs = this.frameSize;
    while (this.nextRequest < batches && this.nextRequest < this.consuming + this.aheadBatches) {
      const b = this.nextRequest++;
      const first = b * this.batch;
      const count = Math.min(this.batch, this.count - first);
      const inputs = this.images.slice(first * fs, (first + count) * fs);
      const reuse = this.free.pop() ?? null;
      const msg: FrameBatchRequest = { first, count, inputs, reuse };
      const transfer = reuse === null ? [inputs.buffer] : [inputs.buffer, reuse];
      this.workers[b % this.workers.length]!.postMessage(msg, transfer);
    }
  }

  private reply(m: FrameWorkerReply): void {
    if ('ready' in m) {
      if (++this.readyCount === this.workers.length) this.readyWait?.resolve();
      return;
    }
    if ('error' in m) {
      this.fail(m.userError ? new UserError(m.error) : new Error(`frame worker: ${m.error}`));
      return;
    }
    const b = Math.floor(m.first / this.batch);
    this.batches.set(b, m.data);
    const w = this.waiter;
    if (w !== null && this.present(w.last)) {
      this.waiter = null;
      w.resolve();
    }
  }

  private fail(err: Error): void {
    if (this.failure !== null) return;
    this.failure = err;
    this.waiter?.reject(err);
    this.waiter = null;
    this.readyWait?.reject(err);
  }
}
