/**
 * The training loop: seeded shuffling (and optional shift augmentation), mini-batch gradients
 * from an engine, Adam/AdamW with milestone decay, and a test evaluation after every epoch.
 *
 * Everything random comes from one seeded generator whose state is part of {@link TrainState}
 * and is saved with every checkpoint: a run resumed from the checkpoint of epoch `e` draws the
 * same permutations and shifts as an uninterrupted run, and ends with the same weights bit for
 * bit. No wall clock here: the caller may inject `now` for timings.
 */
import { createRng, deriveSeed, type Rng, restoreRng } from '../kernel/rng.js';
import { UserError } from '../util/errors.js';
import type { Engine } from './engine.js';
import {
  createOptimizerState,
  learningRate,
  type OptimizerConfig,
  type OptimizerState,
  optimizerStep,
} from './optimizer.js';

export interface TrainConfig {
  epochs: number;
  batchSize: number;
  seed: number;
  optimizer: OptimizerConfig;
  /** Logit scale of the cross-entropy (SPEC section 3). */
  logitScale: number;
  /**
   * Random shifts of up to this many pixels in x and y, zero fill (0: none): the random crop of
   * an image zero-padded by this many pixels.
   */
  augmentShift: number;
  /** Random horizontal flips (half of the frames). */
  augmentFlip?: boolean;
  /** Shards per batch (fixes the summation order of the gradient). */
  shards: number;
  /** Frames with a loss below this skip the backward pass (0 or absent: exact gradient). */
  skipLoss?: number;
  /**
   * Clip the gradient's global L2 norm to this (PyTorch `clip_grad_norm_`; 0 or absent: no
   * clipping). The DFT neuron's gradient carries `1 / (1 + W)`, which grows without bound as a
   * neuron's `W` nears -1 (Eq. 9-10); deep networks multiply such factors.
   */
  clipNorm?: number;
  /**
   * SNN phase: the DFT gradients (Eq. 9-10) use `max(1 + W, dftGradFloor)` for `1 + W`, a bound
   * on `1 / (1 + W)` where a neuron's `W` nears -1; the forward pass stays exact. 0 or absent:
   * the exact gradient.
   */
  dftGradFloor?: number;
}

export interface EpochRecord {
  /** 1-based number of the completed epoch. */
  epoch: number;
  lr: number;
  trainLoss: number;
  /** Accuracy on the training batches as they were seen (weights moving during the epoch). */
  trainAccuracy: number;
  trainSparsity: number;
  testLoss: number | null;
  testAccuracy: number | null;
  testSparsity: number | null;
  /** Wall-clock seconds of the epoch when the caller supplies a clock, else null. */
  seconds: number | null;
  /** The phase of the run (`ann` or `snn`) and its number of epochs, when a run reports it. */
  phase?: 'ann' | 'snn';
  epochs?: number;
}

export interface TrainState {
  /** Completed epochs. */
  epoch: number;
  /** Flat parameters (float32, plan layout). */
  params: Float32Array;
  /** Batch-norm running statistics (float32, plan layout; empty without batch norm). */
  stats: Float32Array;
  opt: OptimizerState;
  /** State of the shuffling generator at the start of epoch `epoch`. */
  rng: object;
  history: EpochRecord[];
}

export interface BatchProgress {
  epoch: number;
  epochs: number;
  framesDone: number;
  framesTotal: number;
  loss: number;
  accuracy: number;
}

export interface TrainHooks {
  /** Milliseconds from any origin (wall clock, CLI only). */
  now?: () => number;
  onBatch?: (p: BatchProgress) => void;
  /** Called after every epoch with the new state (write the checkpoint here). */
  onEpoch?: (rec: EpochRecord, state: TrainState) => void | Promise<void>;
  /** Checked before every epoch: true stops the loop (the state stays resumable). */
  stop?: () => boolean;
}

export function initialState(
  params: Float32Array,
  seed: number,
  label = 'shuffle',
  stats: Float32Array = new Float32Array(0),
): TrainState {
  return {
    epoch: 0,
    params,
    stats,
    opt: createOptimizerState(params.length),
    rng: createRng(deriveSeed(seed, label)).state(),
    history: [],
  };
}

/** Fisher-Yates permutation of `0 .. n-1` drawn from `rng`. */
export function permutation(rng: Rng, n: number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}

/**
 * Trains from `state` up to `cfg.epochs` epochs on the engine's training set (`trainCount`
 * frames; `testCount` test frames are evaluated after each epoch, 0 for none). The engine's
 * weights are set from `state.params` and `state.params` then aliases them.
 */
export async function trainLoop(
  engine: Engine,
  cfg: TrainConfig,
  state: TrainState,
  counts: { train: number; test: number },
  hooks: TrainHooks = {},
): Promise<TrainState> {
  engine.params.set(state.params);
  state.params = engine.params;
  if (state.stats.length !== engine.stats.length) {
    throw new Error(
      `${state.stats.length} running statistics, the plan has ${engine.stats.length}`,
    );
  }
  engine.stats.set(state.stats);
  state.stats = engine.stats;
  const P = engine.plan.paramCount;
  const grad = new Float64Array(P);
  const loss = { logitScale: cfg.logitScale, ...(cfg.skipLoss ? { skipLoss: cfg.skipLoss } : {}) };
  const evalLoss = { logitScale: cfg.logitScale };
  const neurons = engine.plan.neurons;
  const B = cfg.batchSize;
  if (B > engine.batch.length)
    throw new Error(`batch ${B} exceeds the engine's ${engine.batch.length}`);
  while (state.epoch < cfg.epochs) {
    if (hooks.stop?.()) break;
    const t0 = hooks.now?.() ?? null;
    const e = state.epoch;
    const rng = restoreRng(state.rng);
    const order = permutation(rng, counts.train);
    const lr = learningRate(cfg.optimizer, e, cfg.epochs);
    const batches = Math.ceil(counts.train / B);
    const aug = { shifts: cfg.augmentShift > 0, flips: cfg.augmentFlip === true };
    let lossSum = 0;
    let correct = 0;
    let spikes = 0;
    let seen = 0;
    for (let start = 0; start < counts.train; start += B) {
      const n = Math.min(B, counts.train - start);
      engine.batch.set(order.subarray(start, start + n));
      const s = cfg.augmentShift;
      if (s > 0) {
        for (let k = 0; k < 2 * n; k++) engine.shifts[k] = rng.int(2 * s + 1) - s;
      }
      if (aug.flips) for (let k = 0; k < n; k++) engine.flips[k] = rng.int(2);
      const st = await engine.gradient(n, loss, aug, grad);
      if (!Number.isFinite(st.lossSum)) {
        throw new UserError(
          `the loss is not finite at epoch ${e + 1}, frames ${start}..${start + n} (diverged): lower the learning rate or clip the gradient (--clip-norm)`,
        );
      }
      if (!allFinite(grad)) {
        throw new UserError(
          `the gradient is not finite at epoch ${e + 1}, frames ${start}..${start + n} (a DFT neuron with 1 + W near 0 makes 1 / (1 + W) overflow, which --clip-norm cannot repair): lower the learning rate; the checkpoint of the last epoch is kept`,
        );
      }
      if (cfg.clipNorm) clipGradient(grad, cfg.clipNorm);
      const stepLr =
        cfg.optimizer.schedule === 'cosine'
          ? learningRate(cfg.optimizer, e + start / B / batches, cfg.epochs)
          : lr;
      optimizerStep(cfg.optimizer, state.opt, engine.params, grad, stepLr);
      lossSum += st.lossSum;
      correct += st.correct;
      spikes += st.spikes;
      seen += n;
      hooks.onBatch?.({
        epoch: e,
        epochs: cfg.epochs,
        framesDone: seen,
        framesTotal: counts.train,
        loss: lossSum / seen,
        accuracy: correct / seen,
      });
    }
    let test = null;
    if (counts.test > 0) test = await engine.evaluate('test', counts.test, evalLoss);
    state.epoch = e + 1;
    state.rng = rng.state();
    const t1 = hooks.now?.() ?? null;
    const rec: EpochRecord = {
      epoch: e + 1,
      lr,
      trainLoss: lossSum / Math.max(1, seen),
      trainAccuracy: correct / Math.max(1, seen),
      trainSparsity: spikes / Math.max(1, seen) / neurons,
      testLoss: test === null ? null : test.lossSum / test.frames,
      testAccuracy: test === null ? null : test.correct / test.frames,
      testSparsity: test === null ? null : test.spikes / test.frames / neurons,
      seconds: t0 === null || t1 === null ? null : (t1 - t0) / 1000,
    };
    state.history.push(rec);
    await hooks.onEpoch?.(rec, state);
  }
  return state;
}

/** Scales `g` so that its L2 norm is at most `max` (a non-finite gradient becomes 0). */
export function clipGradient(g: Float64Array, max: number): void {
  let sq = 0;
  for (let k = 0; k < g.length; k++) sq += g[k]! * g[k]!;
  const norm = Math.sqrt(sq);
  if (!Number.isFinite(norm)) {
    g.fill(0);
    return;
  }
  if (norm > max) {
    const f = max / norm;
    for (let k = 0; k < g.length; k++) g[k] = g[k]! * f;
  }
}

/** Whether every entry of `g` is finite. */
export function allFinite(g: Float64Array): boolean {
  let s = 0;
  for (let k = 0; k < g.length; k++) s += g[k]! * 0;
  return s === 0; // NaN or an infinity anywhere makes the sum NaN
}
