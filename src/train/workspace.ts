/**
 * Forward and backward pass of a batch of frames through the network the plan describes (the
 * DFT closed form, or its ANN twin), on float32 buffers allocated once in a WebAssembly arena:
 * weighted layers are GEMMs (weighted.ts), batch norm in batchnorm.ts, activations and the loss
 * in activation.ts, pooling in pool.ts.
 *
 * Stage buffers hold `n` frames back to back, each NHWC (`stage[0]` the encoded input,
 * `stage[i + 1]` the output of layer `i`); flatten shares its input's buffer (so a dense layer
 * after a map reads it in HWC order, and its weights are reordered from PyTorch's CHW).
 */
import type { Shape3 } from '../snn/network.js';
import { activate, activationBackward, outputLogits, softmaxCrossEntropy } from './activation.js';
import {
  type BnBuffers,
  bnBackward,
  bnForwardEval,
  bnForwardTrain,
  bnReserve,
} from './batchnorm.js';
import type { TrainPlan } from './plan.js';
import { poolBackward, poolForward } from './pool.js';
import { Arena, type Buf, type Kernels, pad8 } from './wasm/kernels.js';
import { type Scratch, WeightedLayer, weightedSizes } from './weighted.js';

/** Where frames come from: raw input values (frame-major, CHW) and labels. */
export interface FrameSource {
  images: Uint8Array | Float32Array;
  /** A stored value `v` stands for the input value `v / divisor` (1, or 255 for byte images). */
  divisor?: number;
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
   * Frames whose loss is below this pass no gradient (0: exact gradient of every frame). An
   * approximation: such a frame's gradient is at most about `skipLoss` of a misclassified one's.
   */
  skipLoss?: number;
}

/** Per-frame augmentation: shifts `(dx, dy)` (zero fill) and horizontal flips. */
export interface Augment {
  shifts: Int8Array | null;
  flips: Uint8Array | null;
}

interface LayerState {
  w: WeightedLayer | null;
  z: Buf | null;
  y: Buf | null;
  /** Bias padded to a multiple of 8 (the GEMM adds it), or null. */
  bias: Buf | null;
  /** Batch-norm buffers and the statistics of the last training forward pass, or null. */
  bn: BnBuffers | null;
  arg: Int32Array | null;
  /** The NHWC map a dense layer's input was flattened from (weights reorder), else null. */
  nhwc: Shape3 | null;
}

export class Workspace {
  readonly stage: Buf[] = [];
  readonly grad: Buf[] = [];
  /** Output logits before scaling (tau, V or A), `n * classes`. */
  readonly logits: Float64Array;
  /** dL/d logits (before the copy into the last stage's float32 gradient). */
  private readonly gLogits: Float64Array;
  private readonly layers: LayerState[] = [];
  private readonly gy!: Buf;
  private readonly gz!: Buf;
  private readonly kern: Kernels;
  private readonly needGrad: boolean[] = [];
  private n = 0;
  /** dL/d(frame loss) of the last {@link loss} with a gradient (1 / batch size). */
  private gradWeight = 0;
  /** The ANN's W penalty of the last forward pass, summed over its frames (plan.ts). */
  private penaltySum = 0;
  /** Whether the last forward pass used batch statistics. */
  private trained = false;

  constructor(
    readonly plan: TrainPlan,
    readonly maxFrames: number,
  ) {
    const F = maxFrames;
    const arena = new Arena();
    const buf = (floats: number, set: (b: Buf) => void) => arena.reserve(floats, set);
    let maxC = 1;
    const big = { z: 0, cols: 0, dcols: 0, wt: 0, gPack: 0, dW: 0 };
    const scratch = {} as { -readonly [K in keyof Scratch]: Scratch[K] };
    this.stage.push(null as unknown as Buf);
    buf(F * plan.inputSize, (b) => {
      this.stage[0] = b;
    });
    this.grad.push({ ptr: 0, f32: new Float32Array(0) });
    this.needGrad.push(false);
    let seenWeighted = false;
    let lastMap: Shape3 | null = plan.arch.input;
    const pending: { i: number; packF: number; packB: number }[] = [];
    /** Stages that share the buffers of the stage before them (flatten). */
    const aliases: number[] = [];
    for (const s of plan.steps) {
      const k = s.layer.kind;
      const st: LayerState = {
        w: null,
        z: null,
        y: null,
        bias: null,
        bn: null,
        arg: k === 'pool' ? new Int32Array(F * s.outSize) : null,
        nhwc: null,
      };
      this.layers.push(st);
      if (k === 'flatten') {
        aliases.push(this.stage.length);
        this.stage.push(null as unknown as Buf);
        this.grad.push(null as unknown as Buf);
      } else {
        const idx = this.stage.length;
        buf(F * s.outSize, (b) => {
          this.stage[idx] = b;
        });
        buf(F * s.outSize, (b) => {
          this.grad[idx] = b;
        });
        this.stage.push(null as unknown as Buf);
        this.grad.push(null as unknown as Buf);
      }
      if (k === 'conv' || k === 'dense') {
        if (k === 'dense' && s.inShape.h * s.inShape.w === 1 && lastMap !== null) st.nhwc = lastMap;
        if (k === 'dense' && s.inShape.h * s.inShape.w > 1) st.nhwc = s.inShape;
        const sz = weightedSizes(s, F);
        buf(sz.z, (b) => {
          st.z = b;
          if (s.gammaOffset < 0) st.y = b;
        });
        if (s.gammaOffset >= 0) {
          buf(sz.z, (b) => {
            st.y = b;
          });
          bnReserve(arena, s.channels, (b) => {
            st.bn = b;
          });
        }
        if (s.biasOffset >= 0) {
          buf(pad8(s.channels), (b) => {
            st.bias = b;
          });
        }
        big.z = Math.max(big.z, sz.z);
        big.cols = Math.max(big.cols, sz.cols);
        big.dcols = Math.max(big.dcols, sz.dcols);
        big.wt = Math.max(big.wt, sz.wt);
        big.gPack = Math.max(big.gPack, sz.gPack);
        big.dW = Math.max(big.dW, sz.dW);
        maxC = Math.max(maxC, s.channels);
        pending.push({ i: s.index, packF: sz.packF, packB: sz.packB });
        seenWeighted = true;
      }
      if (k === 'conv' || k === 'pool') lastMap = s.outShape;
      if (k === 'dense') lastMap = null;
      this.needGrad.push(seenWeighted);
    }
    buf(big.cols, (b) => {
      scratch.cols = b;
    });
    buf(big.dcols, (b) => {
      scratch.dcols = b;
    });
    buf(big.wt, (b) => {
      scratch.wt = b;
    });
    buf(big.gPack, (b) => {
      scratch.gPack = b;
    });
    buf(big.dW, (b) => {
      scratch.dW = b;
    });
    arena.reserve64(maxC, (b) => {
      scratch.sums = b;
    });
    buf(big.z, (b) => {
      (this as unknown as { gy: Buf }).gy = b;
    });
    buf(big.z, (b) => {
      (this as unknown as { gz: Buf }).gz = b;
    });
    const packs = new Map<number, { f: Buf; b: Buf }>();
    for (const p of pending) {
      const entry = { f: null as unknown as Buf, b: null as unknown as Buf };
      packs.set(p.i, entry);
      buf(p.packF, (b) => {
        entry.f = b;
      });
      buf(p.packB, (b) => {
        entry.b = b;
      });
    }
    this.kern = arena.commit();
    for (const i of aliases) {
      this.stage[i] = this.stage[i - 1]!;
      this.grad[i] = this.grad[i - 1]!;
    }
    for (const s of plan.steps) {
      const p = packs.get(s.index);
      if (p === undefined) continue;
      const st = this.layers[s.index]!;
      st.w = new WeightedLayer(s, this.kern, scratch, p.f, p.b, st.nhwc);
    }
    this.logits = new Float64Array(F * plan.outputSize);
    this.gLogits = new Float64Array(F * plan.outputSize);
  }

  /** Frames loaded by the last {@link load}. */
  get frames(): number {
    return this.n;
  }

  /**
   * Encodes frames `indices[start .. start + n)` of `src` (indices null: frames
   * `start .. start + n` in file order) into stage 0, NHWC: pixel encoding
   * `tau = min(a / maxValue, 1)`, 0 silent (Eq. 1); `direct`: the raw values. Optional
   * augmentation per frame (indexed like the batch, `start + b`): a horizontal flip, then a
   * shift `(dx, dy)` with zero fill (a random crop from a zero-padded image).
   */
  load(
    src: FrameSource,
    indices: ArrayLike<number> | null,
    start: number,
    n: number,
    aug: Augment | null = null,
  ): void {
    if (n > this.maxFrames) throw new Error(`batch of ${n} exceeds workspace of ${this.maxFrames}`);
    this.n = n;
    const { arch, inputSize } = this.plan;
    const { c: C, h: H, w: Wd } = arch.input;
    const x = this.stage[0]!.f32;
    const maxValue = arch.encoding.kind === 'pixel' ? arch.encoding.maxValue : 0;
    const div = src.divisor ?? 1;
    const images = src.images;
    for (let b = 0; b < n; b++) {
      const j = indices === null ? start + b : indices[start + b]!;
      const srcOff = j * inputSize;
      const dstOff = b * inputSize;
      const dx = aug?.shifts ? aug.shifts[2 * (start + b)]! : 0;
      const dy = aug?.shifts ? aug.shifts[2 * (start + b) + 1]! : 0;
      const flip = aug?.flips ? aug.flips[start + b] === 1 : false;
      for (let y = 0; y < H; y++) {
        const sy = y - dy;
        for (let xx = 0; xx < Wd; xx++) {
          let sx = xx - dx;
          const o = dstOff + (y * Wd + xx) * C;
          if (sy < 0 || sy >= H || sx < 0 || sx >= Wd) {
            for (let c = 0; c < C; c++) x[o + c] = 0;
            continue;
          }
          if (flip) sx = Wd - 1 - sx;
          for (let c = 0; c < C; c++) {
            const v = images[srcOff + (c * H + sy) * Wd + sx]! / div;
            x[o + c] = maxValue > 0 ? (v > 0 ? (v >= maxValue ? 1 : v / maxValue) : 0) : v;
          }
        }
      }
    }
  }

  /**
   * Forward pass of the loaded frames with the flat parameters; batch norm uses the batch
   * statistics when `train`, else the running ones in `stats`. Returns the weighted spikes.
   */
  forward(params: Float32Array, stats: Float32Array, train: boolean): number {
    const n = this.n;
    const { steps } = this.plan;
    this.trained = train;
    this.penaltySum = 0;
    let spikes = 0;
    for (let i = 0; i < steps.length; i++) {
      const s = steps[i]!;
      const layer = s.layer;
      if (layer.kind === 'flatten') continue;
      const st = this.layers[i]!;
      const tin = this.stage[i]!;
      const tout = this.stage[i + 1]!;
      if (layer.kind === 'pool') {
        poolForward(tin.f32, n, s.inShape, layer.size, layer.stride, s.outShape, tout.f32, st.arg!);
        continue;
      }
      const w = st.w!;
      w.prepare(params.subarray(s.paramOffset, s.paramOffset + s.paramCount));
      if (st.bias !== null) {
        st.bias.f32.set(params.subarray(s.biasOffset, s.biasOffset + s.channels));
      }
      w.forward(tin, n, st.z!, st.bias);
      const rows = n * w.g.P;
      if (st.bn !== null) {
        const sh = { rows, channels: s.channels, ld: w.g.Cp, blocks: w.S };
        const gamma = params.subarray(s.gammaOffset, s.gammaOffset + s.channels);
        const beta = params.subarray(s.betaOffset, s.betaOffset + s.channels);
        if (train) {
          bnForwardTrain(this.kern, st.z!, st.y!, sh, gamma, beta, st.bn);
        } else {
          const c = s.channels;
          const so = s.statsOffset;
          const mean = stats.subarray(so, so + c);
          const variance = stats.subarray(so + c, so + 2 * c);
          bnForwardEval(this.kern, st.z!, st.y!, sh, gamma, beta, mean, variance, st.bn);
        }
      }
      const ash = { rows, channels: s.channels, ld: w.g.Cp, dual: s.dual };
      const pen = this.plan.options.wPenalty;
      if (pen > 0 && s.dual && this.plan.mode === 'ann') {
        // wPenalty * mean over the layer's neurons of W^2, summed over the frames
        const yf = st.y!.f32;
        const ld = w.g.Cp;
        let sq = 0;
        for (let r = rows; r < 2 * rows; r++) {
          for (let c = 0; c < s.channels; c++) sq += yf[r * ld + c]! * yf[r * ld + c]!;
        }
        this.penaltySum += (pen * sq) / (w.g.P * s.channels);
      }
      const k = activate(this.kern, s.act!, st.y!, tout, ash);
      if (s.countsSpikes) spikes += k;
    }
    const last = steps.length - 1;
    const s = steps[last]!;
    const st = this.layers[last]!;
    const w = st.w!;
    const ash = { rows: n * w.g.P, channels: s.channels, ld: w.g.Cp, dual: s.dual };
    outputLogits(s.act!, st.y!.f32, this.stage[last + 1]!.f32, ash, this.logits);
    return spikes;
  }

  /**
   * The sums `A` (with the bias, before batch norm) of weighted layer `i` in the last forward
   * pass: `rows` rows of `ld` floats, the first `channels` used.
   */
  preActivation(i: number): { values: Float32Array; rows: number; ld: number } {
    const st = this.layers[i]!;
    const w = st.w!;
    return { values: st.z!.f32, rows: this.n * w.g.P, ld: w.g.Cp };
  }

  /** The batch statistics of the last training forward pass (mean, unbiased var per layer). */
  batchStats(out: Float64Array): void {
    for (const s of this.plan.steps) {
      if (s.statsOffset < 0) continue;
      const bn = this.layers[s.index]!.bn!;
      out.set(bn.mean, s.statsOffset);
      out.set(bn.batchVar, s.statsOffset + s.channels);
    }
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
    const g = gradWeight === null ? null : this.grad[last + 1]!.f32;
    const gq = gradWeight === null ? null : this.gLogits;
    if (gradWeight !== null) this.gradWeight = gradWeight;
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
        gq,
      );
      lossSum += r.loss;
      if (r.decision === label) correct++;
      if (g !== null && gq !== null) {
        const skip = opts.skipLoss !== undefined && r.loss < opts.skipLoss;
        for (let c = b * classes; c < (b + 1) * classes; c++) g[c] = skip ? 0 : gq[c]!;
      }
    }
    return { lossSum: lossSum + this.penaltySum, correct };
  }

  /** Backward pass: adds the parameter gradients into `grads` (flat, plan layout). */
  backward(params: Float32Array, grads: Float64Array): void {
    if (!this.trained && this.plan.steps.some((s) => s.gammaOffset >= 0)) {
      throw new Error(
        'backward after an evaluation forward pass (batch norm needs batch statistics)',
      );
    }
    const n = this.n;
    const { steps } = this.plan;
    for (let i = steps.length - 1; i >= 0; i--) {
      const s = steps[i]!;
      const layer = s.layer;
      if (layer.kind === 'flatten') continue;
      const st = this.layers[i]!;
      const gin = this.needGrad[i] ? this.grad[i]! : null;
      if (layer.kind === 'pool') {
        if (gin !== null)
          poolBackward(this.grad[i + 1]!.f32, n * s.outSize, st.arg!, gin.f32, n * s.inSize);
        continue;
      }
      const w = st.w!;
      const rows = n * w.g.P;
      const ash = { rows, channels: s.channels, ld: w.g.Cp, dual: s.dual };
      // d(wPenalty mean(W^2))/dW over this layer's neurons, as a batch mean
      const pen = this.plan.options.wPenalty;
      const penScale = pen > 0 ? (2 * pen * this.gradWeight) / (w.g.P * s.channels) : 0;
      activationBackward(
        this.kern,
        s.act!,
        this.grad[i + 1]!,
        st.y!,
        this.stage[i + 1]!,
        this.gy,
        ash,
        penScale,
        this.plan.options.dftGradFloor,
      );
      let gz = this.gy;
      if (st.bn !== null) {
        const c = s.channels;
        bnBackward(
          this.kern,
          st.z!,
          this.gy,
          this.gz,
          { rows, channels: c, ld: w.g.Cp, blocks: w.S },
          params.subarray(s.gammaOffset, s.gammaOffset + c),
          st.bn,
          grads.subarray(s.gammaOffset, s.gammaOffset + c),
          grads.subarray(s.betaOffset, s.betaOffset + c),
        );
        gz = this.gz;
      }
      w.backward(
        this.stage[i]!,
        n,
        gz,
        grads.subarray(s.paramOffset, s.paramOffset + s.paramCount),
        s.biasOffset < 0 ? null : grads.subarray(s.biasOffset, s.biasOffset + s.channels),
        gin,
      );
    }
  }

  /** Stage `s` of frame `f` in CHW order (for comparisons with the reference). */
  stageCHW(s: number, f: number): Float64Array {
    const shape = s === 0 ? this.plan.arch.input : this.plan.steps[s - 1]!.outShape;
    const flat = s > 0 && this.plan.steps[s - 1]!.layer.kind === 'flatten';
    const src = flat ? this.flattenSource(s) : shape;
    const { c: C, h: H, w: W } = src;
    const size = C * H * W;
    const v = this.stage[s]!.f32.subarray(f * size, (f + 1) * size);
    const out = new Float64Array(size);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++)
        for (let c = 0; c < C; c++) out[(c * H + y) * W + x] = v[(y * W + x) * C + c]!;
    return out;
  }

  private flattenSource(s: number): Shape3 {
    for (let k = s - 1; k >= 1; k--) {
      const kind = this.plan.steps[k - 1]!.layer.kind;
      if (kind !== 'flatten') return this.plan.steps[k - 1]!.outShape;
    }
    return this.plan.arch.input;
  }
}
