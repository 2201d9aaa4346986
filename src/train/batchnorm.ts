/**
 * Batch norm of the trainer, per output channel of a weighted layer, over the rows (frames x
 * positions) of one shard (the batch statistics of a shard, as each GPU of a PyTorch
 * DistributedDataParallel run without SyncBatchNorm has; shards are fixed, so the result does not
 * depend on the number of threads).
 *
 * The statistics come from the sums `A` (the layer's pre-activation, block 0 of the buffers); a
 * layer that also computes `W` (block 1, the DFT neuron) has it shifted and scaled the same way,
 * which is what folding does (SPEC section 3: `w' = w g`, `b' = beta - mean g`, so
 * `A' = g (A - mean) + beta` and `W' = g (W - mean) + beta`, with `g = gamma / sqrt(var + eps)`):
 *
 *     mu = mean(A),  var = mean((A - mu)^2),  s = 1 / sqrt(var + eps)
 *     xA = (A - mu) s,  xW = (W - mu) s,  A' = gamma xA + beta,  W' = gamma xW + beta
 *
 * Backward, with `gA' = dL/dA'`, `gW' = dL/dW'` and `R` rows:
 *
 *     dbeta  = sum(gA' + gW'),   dgamma = sum(gA' xA + gW' xW)
 *     dL/dA  = gamma s (gA' - (xA dgamma + dbeta) / R)      (mu and var depend on A only)
 *     dL/dW  = gamma s gW'
 *
 * which for a layer without `W` is the usual batch-norm gradient. In evaluation the running
 * statistics replace the batch ones (PyTorch semantics: momentum 0.1, unbiased running variance).
 */

import { type Arena, type Buf, type Buf64, type Kernels, pad8 } from './wasm/kernels.js';

export const BN_EPS = 1e-5;
export const BN_MOMENTUM = 0.1;

/** Geometry of one layer's buffers: `blocks` blocks of `rows` rows of `ld` floats, `channels` used. */
export interface BnShape {
  rows: number;
  channels: number;
  ld: number;
  blocks: number;
}

/** Arena buffers of one batch-norm layer (see {@link bnReserve}). */
export interface BnBuffers {
  sum: Buf64;
  sq: Buf64;
  dot: Buf64;
  k1: Buf;
  k2: Buf;
  k3: Buf;
  zero: Buf;
  /** Batch statistics of the last training forward pass. */
  mean: Float64Array;
  invStd: Float64Array;
  batchVar: Float64Array;
}

/** Reserves the buffers of a layer with `C` channels in `arena`. */
export function bnReserve(arena: Arena, C: number, done: (b: BnBuffers) => void): void {
  const b = {
    mean: new Float64Array(C),
    invStd: new Float64Array(C),
    batchVar: new Float64Array(C),
  } as BnBuffers;
  const set =
    <K extends keyof BnBuffers>(k: K) =>
    (v: BnBuffers[K]) => {
      b[k] = v;
    };
  arena.reserve64(C, set('sum'));
  arena.reserve64(C, set('sq'));
  arena.reserve64(C, set('dot'));
  arena.reserve(pad8(C), set('k1'));
  arena.reserve(pad8(C), set('k2'));
  arena.reserve(pad8(C), set('k3'));
  arena.reserve(pad8(C), (v) => {
    b.zero = v;
    done(b);
  });
}

/**
 * Training forward: `y = BN(z)` with the batch statistics of block 0, which are kept in `b`
 * (`mean`, `invStd` for the backward pass, unbiased `batchVar` for the running variance).
 */
export function bnForwardTrain(
  k: Kernels,
  z: Buf,
  y: Buf,
  sh: BnShape,
  gamma: Float32Array,
  beta: Float32Array,
  b: BnBuffers,
): void {
  const { rows, channels: C, ld, blocks } = sh;
  k.k.colSums(z.ptr, rows, ld, C, b.sum.ptr);
  for (let c = 0; c < C; c++) b.mean[c] = b.sum.f64[c]! / rows;
  b.sum.f64.set(b.mean);
  k.k.colCentredSquares(z.ptr, rows, ld, C, b.sum.ptr, b.sq.ptr);
  const k1 = b.k1.f32;
  const k3 = b.k3.f32;
  for (let c = 0; c < C; c++) {
    const sq = b.sq.f64[c]!;
    const inv = 1 / Math.sqrt(sq / rows + BN_EPS);
    b.invStd[c] = inv;
    b.batchVar[c] = rows > 1 ? sq / (rows - 1) : 0;
    k1[c] = gamma[c]! * inv;
    k3[c] = beta[c]! - b.mean[c]! * gamma[c]! * inv;
  }
  k.k.affine(z.ptr, 0, y.ptr, rows * blocks, ld, C, b.k1.ptr, 0, b.k3.ptr);
}

/** Evaluation forward with the running statistics. */
export function bnForwardEval(
  k: Kernels,
  z: Buf,
  y: Buf,
  sh: BnShape,
  gamma: Float32Array,
  beta: Float32Array,
  runMean: Float32Array,
  runVar: Float32Array,
  b: BnBuffers,
): void {
  const { rows, channels: C, ld, blocks } = sh;
  const k1 = b.k1.f32;
  const k3 = b.k3.f32;
  for (let c = 0; c < C; c++) {
    const g = gamma[c]! / Math.sqrt(runVar[c]! + BN_EPS);
    k1[c] = g;
    k3[c] = beta[c]! - runMean[c]! * g;
  }
  k.k.affine(z.ptr, 0, y.ptr, rows * blocks, ld, C, b.k1.ptr, 0, b.k3.ptr);
}

/**
 * Backward of {@link bnForwardTrain}: `gz` receives `dL/dA` (block 0) and `dL/dW` (block 1);
 * `dGamma`, `dBeta` are added to. `gz` must not be `gy`.
 */
export function bnBackward(
  k: Kernels,
  z: Buf,
  gy: Buf,
  gz: Buf,
  sh: BnShape,
  gamma: Float32Array,
  b: BnBuffers,
  dGamma: Float64Array,
  dBeta: Float64Array,
): void {
  const { rows, channels: C, ld, blocks } = sh;
  const all = rows * blocks;
  k.k.colSums(gy.ptr, all, ld, C, b.sum.ptr);
  k.k.colDots(gy.ptr, z.ptr, all, ld, C, b.dot.ptr);
  const k1 = b.k1.f32;
  const k2 = b.k2.f32;
  const k3 = b.k3.f32;
  for (let c = 0; c < C; c++) {
    const inv = b.invStd[c]!;
    const mu = b.mean[c]!;
    const db = b.sum.f64[c]!;
    const dg = inv * (b.dot.f64[c]! - mu * db); // sum of gy (z - mu) / std
    dGamma[c]! += dg;
    dBeta[c]! += db;
    const gi = gamma[c]! * inv;
    k1[c] = gi;
    k2[c] = (-gi * inv * dg) / rows;
    k3[c] = (gi * (mu * inv * dg - db)) / rows;
  }
  // dL/dA = gamma s (gA' - (xA dgamma + dbeta) / R) = k1 gA' + k2 A + k3
  k.k.affine(gy.ptr, z.ptr, gz.ptr, rows, ld, C, b.k1.ptr, b.k2.ptr, b.k3.ptr);
  if (blocks > 1) {
    // dL/dW = gamma s gW'
    const off = rows * ld * 4;
    b.zero.f32.fill(0);
    k.k.affine(gy.ptr + off, 0, gz.ptr + off, rows, ld, C, b.k1.ptr, 0, b.zero.ptr);
  }
}

/**
 * Running statistics after a batch (PyTorch): `run = (1 - m) run + m batch`, with the batch
 * statistic averaged over the shards that had frames, in shard order.
 */
export function updateRunning(run: Float32Array, shardStats: Float64Array[], momentum: number) {
  if (shardStats.length === 0) return;
  for (let k = 0; k < run.length; k++) {
    let s = 0;
    for (const st of shardStats) s += st[k]!;
    run[k] = (1 - momentum) * run[k]! + (momentum * s) / shardStats.length;
  }
}
