// Frozen copy of the trainer's kernels before the WebAssembly GEMM rewrite (src/train/ at commit
// a14e79d: float64, event-style scatter, one frame at a time, CHW), kept only so that
// bench/train.ts measures today's kernels against them in one run. Not used by ttfsim.
/**
 * Forward and backward pass of a batch of frames through the closed form, on buffers allocated
 * once per layer (see kernels.ts for the sums, activation.ts for the neurons and the loss).
 *
 * Stage buffers hold `n` frames back to back (`stage[0]` the encoded input, `stage[i + 1]` the
 * output of layer `i`); flatten shares its input's buffer. For each weighted layer the
 * accumulators `A`, `W` are kept from the forward pass and turned into `gA`, `gW` in place by
 * the backward pass.
 */
import { activate, activationBackward, outputLogit, softmaxCrossEntropy } from './activation.js';
import { ConvScratch } from './convKernels.js';
import {
  allocSparseRows,
  denseBackward,
  denseForward,
  gatherNonzero,
  poolBackward,
  poolForward,
  type SparseRows,
} from './kernels.js';
import type { TrainPlan } from './plan.js';

/** Where frames come from: raw input values (frame-major) and labels. */
export interface FrameSource {
  images: Uint8Array | Float32Array;
  labels: Uint8Array;
}

/** Per-batch statistics (sums over frames, not means). */
export interface BatchStats {
  frames: number;
  lossSum: number;
  correct: number;
  /** Spikes of weighted layers (the paper's count), summed over frames. */
  spikes: number;
}

export function emptyStats(): BatchStats {
  return { frames: 0, lossSum: 0, correct: 0, spikes: 0 };
}

export function addStats(a: BatchStats, b: BatchStats): BatchStats {
  return {
    frames: a.frames + b.frames,
    lossSum: a.lossSum + b.lossSum,
    correct: a.correct + b.correct,
    spikes: a.spikes + b.spikes,
  };
}

export interface LossOptions {
  /** Logit scale of the loss (the `T_w` Eq. 8 sees is 1 / scale). */
  logitScale: number;
  /**
   * Frames whose loss is below this pass no gradient and skip the backward pass (0: exact
   * gradient of every frame). An approximation that saves time once most frames are learned:
   * such a frame's gradient is at most about `skipLoss` of a misclassified frame's.
   */
  skipLoss?: number;
}

export class Workspace {
  readonly stage: Float64Array[] = [];
  readonly grad: Float64Array[] = [];
  private readonly accA: Float64Array[] = [];
  private readonly accW: Float64Array[] = [];
  private readonly arg: Int32Array[] = [];
  private readonly rows: (SparseRows | null)[] = [];
  private readonly conv: (ConvScratch | null)[] = [];
  /** Output logits before scaling (tau, V or A), `n * classes`. */
  readonly logits: Float64Array;
  /** Whether stage `i` needs a gradient (some weighted layer lies before it). */
  private readonly needGrad: boolean[] = [];
  private n = 0;
  /** Frames of the batch whose gradient is nonzero (after {@link loss}). */
  private readonly live: Uint8Array;

  constructor(
    readonly plan: TrainPlan,
    readonly maxFrames: number,
  ) {
    const F = maxFrames;
    this.stage.push(new Float64Array(F * plan.inputSize));
    this.grad.push(new Float64Array(0));
    let seenWeighted = false;
    this.needGrad.push(false);
    for (const s of plan.steps) {
      const k = s.layer.kind;
      if (k === 'flatten') {
        this.stage.push(this.stage[this.stage.length - 1]!);
        this.grad.push(this.grad[this.grad.length - 1]!);
      } else {
        this.stage.push(new Float64Array(F * s.outSize));
        this.grad.push(new Float64Array(F * s.outSize));
      }
      const weighted = k === 'conv' || k === 'dense';
      this.accA.push(weighted ? new Float64Array(F * s.outSize) : new Float64Array(0));
      this.accW.push(weighted ? new Float64Array(F * s.outSize) : new Float64Array(0));
      this.arg.push(k === 'pool' ? new Int32Array(F * s.outSize) : new Int32Array(0));
      this.rows.push(k === 'dense' ? allocSparseRows(F, s.inSize) : null);
      this.conv.push(
        s.layer.kind === 'conv' ? new ConvScratch(s.layer, s.inShape, s.outShape) : null,
      );
      if (weighted) seenWeighted = true;
      this.needGrad.push(seenWeighted);
    }
    this.logits = new Float64Array(F * plan.outputSize);
    this.live = new Uint8Array(F);
  }

  /**
   * Encodes frames `indices[start .. start + n)` of `src` (indices null: frames
   * `start .. start + n` in file order) into stage 0: pixel encoding
   * `tau = min(a / maxValue, 1)`, 0 silent (Eq. 1); `direct`: the raw values. Optional integer
   * shifts `(dx, dy)` per frame (data augmentation) move the image, filling with zeros.
   */
  load(
    src: FrameSource,
    indices: ArrayLike<number> | null,
    start: number,
    n: number,
    shifts: Int8Array | null = null,
  ): void {
    if (n > this.maxFrames) throw new Error(`batch of ${n} exceeds workspace of ${this.maxFrames}`);
    this.n = n;
    const { arch, inputSize } = this.plan;
    const { c: C, h: H, w: Wd } = arch.input;
    const x = this.stage[0]!;
    const maxValue = arch.encoding.kind === 'pixel' ? arch.encoding.maxValue : 0;
    for (let b = 0; b < n; b++) {
      const j = indices === null ? start + b : indices[start + b]!;
      const srcOff = j * inputSize;
      const dstOff = b * inputSize;
      const dx = shifts === null ? 0 : shifts[2 * (start + b)]!;
      const dy = shifts === null ? 0 : shifts[2 * (start + b) + 1]!;
      for (let c = 0; c < C; c++) {
        for (let y = 0; y < H; y++) {
          const sy = y - dy;
          for (let xx = 0; xx < Wd; xx++) {
            const sx = xx - dx;
            const o = dstOff + (c * H + y) * Wd + xx;
            if (sy < 0 || sy >= H || sx < 0 || sx >= Wd) {
              x[o] = 0;
              continue;
            }
            const v = src.images[srcOff + (c * H + sy) * Wd + sx]!;
            if (maxValue > 0) x[o] = v > 0 ? (v >= maxValue ? 1 : v / maxValue) : 0;
            else x[o] = v;
          }
        }
      }
    }
  }

  /** Forward pass of the loaded frames with per-layer weight views. Returns weighted spikes. */
  forward(weights: Float32Array[]): number {
    const n = this.n;
    const { steps } = this.plan;
    let spikes = 0;
    for (let i = 0; i < steps.length; i++) {
      const s = steps[i]!;
      const tin = this.stage[i]!;
      const tout = this.stage[i + 1]!;
      const layer = s.layer;
      if (layer.kind === 'flatten') continue;
      if (layer.kind === 'pool') {
        for (let b = 0; b < n; b++) {
          poolForward(
            tin,
            b * s.inSize,
            s.inShape,
            layer.size,
            layer.stride,
            tout,
            b * s.outSize,
            s.outShape,
            this.arg[i]!,
          );
        }
        continue;
      }
      const a = this.accA[i]!;
      const ws = this.accW[i]!;
      if (layer.kind === 'conv') {
        const scr = this.conv[i]!;
        scr.prepare(weights[i]!);
        for (let b = 0; b < n; b++) scr.forward(tin, b * s.inSize, a, ws, b * s.outSize);
      } else {
        const rows = this.rows[i]!;
        gatherNonzero(tin, n, s.inSize, rows);
        denseForward(rows, n, s.inSize, s.outSize, weights[i]!, a, ws);
      }
      activate(s.act!, a, ws, tout, n * s.outSize);
      if (s.countsSpikes) {
        for (let k = 0; k < n * s.outSize; k++) if (tout[k] !== 0) spikes++;
      }
    }
    const last = steps.length - 1;
    const act = steps[last]!.act!;
    const a = this.accA[last]!;
    const ws = this.accW[last]!;
    const tau = this.stage[last + 1]!;
    for (let k = 0; k < n * this.plan.outputSize; k++) {
      this.logits[k] = outputLogit(act, a[k]!, ws[k]!, tau[k]!);
    }
    return spikes;
  }

  /**
   * Loss and decisions of the loaded frames (after {@link forward}); with `gradWeight` not null,
   * also `dL/d logits * gradWeight` into the last stage's gradient buffer.
   */
  loss(
    labels: ArrayLike<number>,
    labelStart: number,
    opts: LossOptions,
    gradWeight: number | null,
    indices: ArrayLike<number> | null = null,
  ): { lossSum: number; correct: number } {
    const classes = this.plan.outputSize;
    const last = this.plan.steps.length - 1;
    const firstSpike = this.plan.steps[last]!.act === 'first-spike';
    const g = gradWeight === null ? null : this.grad[last + 1]!;
    let lossSum = 0;
    let correct = 0;
    for (let b = 0; b < this.n; b++) {
      const label = indices === null ? labels[labelStart + b]! : labels[indices[labelStart + b]!]!;
      const r = softmaxCrossEntropy(
        this.logits,
        b * classes,
        classes,
        label,
        opts.logitScale,
        gradWeight ?? 0,
        firstSpike,
        g,
      );
      lossSum += r.loss;
      if (r.decision === label) correct++;
      const skip = opts.skipLoss !== undefined && r.loss < opts.skipLoss;
      this.live[b] = skip ? 0 : 1;
      if (skip && g !== null) g.fill(0, b * classes, (b + 1) * classes);
    }
    return { lossSum, correct };
  }

  /** Backward pass: adds the weight gradients into `grads` (per-layer views). */
  backward(weights: Float32Array[], grads: Float64Array[]): void {
    const n = this.n;
    const { steps } = this.plan;
    for (let i = steps.length - 1; i >= 0; i--) {
      const s = steps[i]!;
      const layer = s.layer;
      if (layer.kind === 'flatten') continue;
      const gin = this.needGrad[i] ? this.grad[i]! : null;
      if (layer.kind === 'pool') {
        if (gin !== null)
          poolBackward(this.grad[i + 1]!, s.outSize, this.arg[i]!, gin, s.inSize, n);
        continue;
      }
      const a = this.accA[i]!;
      const ws = this.accW[i]!;
      activationBackward(s.act!, this.grad[i + 1]!, a, ws, this.stage[i + 1]!, n * s.outSize);
      if (gin !== null) gin.fill(0, 0, n * s.inSize);
      const tin = this.stage[i]!;
      if (layer.kind === 'conv') {
        const scr = this.conv[i]!;
        for (let b = 0; b < n; b++) {
          if (this.live[b] === 1) scr.backward(tin, b * s.inSize, a, ws, b * s.outSize, gin);
        }
        scr.finish(grads[i]!);
      } else {
        denseBackward(this.rows[i]!, n, s.inSize, s.outSize, weights[i]!, a, ws, grads[i]!, gin);
      }
    }
  }
}
