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

export const BN_EPS = 1e-5;
export const BN_MOMENTUM = 0.1;

/** Geometry of one layer's buffers: `blocks` blocks of `rows` rows of `ld` floats, `channels` used. */
export interface BnShape {
  rows: number;
  channels: number;
  ld: number;
  blocks: number;
}

/**
 * Training forward: `y = BN(z)` with the batch statistics of block 0, which are written to
 * `mean`, `invStd` (for the backward pass) and `batchVar` (unbiased, for the running variance).
 */
export function bnForwardTrain(
  z: Float32Array,
  y: Float32Array,
  sh: BnShape,
  gamma: Float32Array,
  beta: Float32Array,
  mean: Float64Array,
  invStd: Float64Array,
  batchVar: Float64Array,
): void {
  const { rows, channels: C, ld } = sh;
  mean.fill(0, 0, C);
  const sq = batchVar;
  sq.fill(0, 0, C);
  for (let r = 0; r < rows; r++) {
    const o = r * ld;
    for (let c = 0; c < C; c++) mean[c]! += z[o + c]!;
  }
  for (let c = 0; c < C; c++) mean[c] = mean[c]! / rows;
  for (let r = 0; r < rows; r++) {
    const o = r * ld;
    for (let c = 0; c < C; c++) {
      const d = z[o + c]! - mean[c]!;
      sq[c]! += d * d;
    }
  }
  for (let c = 0; c < C; c++) {
    invStd[c] = 1 / Math.sqrt(sq[c]! / rows + BN_EPS);
    batchVar[c] = rows > 1 ? sq[c]! / (rows - 1) : 0;
  }
  applyAffine(z, y, sh, gamma, beta, mean, invStd);
}

/** Evaluation forward with the running statistics. */
export function bnForwardEval(
  z: Float32Array,
  y: Float32Array,
  sh: BnShape,
  gamma: Float32Array,
  beta: Float32Array,
  runMean: Float32Array,
  runVar: Float32Array,
  scratch: Float64Array,
): void {
  const C = sh.channels;
  const mean = scratch.subarray(0, C);
  const inv = scratch.subarray(C, 2 * C);
  for (let c = 0; c < C; c++) {
    mean[c] = runMean[c]!;
    inv[c] = 1 / Math.sqrt(runVar[c]! + BN_EPS);
  }
  applyAffine(z, y, sh, gamma, beta, mean, inv);
}

function applyAffine(
  z: Float32Array,
  y: Float32Array,
  sh: BnShape,
  gamma: Float32Array,
  beta: Float32Array,
  mean: Float64Array,
  invStd: Float64Array,
): void {
  const { rows, channels: C, ld, blocks } = sh;
  for (let r = 0; r < rows * blocks; r++) {
    const o = r * ld;
    for (let c = 0; c < C; c++) {
      y[o + c] = gamma[c]! * (z[o + c]! - mean[c]!) * invStd[c]! + beta[c]!;
    }
  }
}

/**
 * Backward of {@link bnForwardTrain}: `gz` receives `dL/dA` (block 0) and `dL/dW` (block 1);
 * `dGamma`, `dBeta` are added to. `gy` may be the same buffer as `gz`.
 */
export function bnBackward(
  z: Float32Array,
  gy: Float32Array,
  gz: Float32Array,
  sh: BnShape,
  gamma: Float32Array,
  mean: Float64Array,
  invStd: Float64Array,
  dGamma: Float64Array,
  dBeta: Float64Array,
  scratch: Float64Array,
): void {
  const { rows, channels: C, ld, blocks } = sh;
  const sg = scratch.subarray(0, C);
  const sb = scratch.subarray(C, 2 * C);
  sg.fill(0);
  sb.fill(0);
  for (let r = 0; r < rows * blocks; r++) {
    const o = r * ld;
    for (let c = 0; c < C; c++) {
      const g = gy[o + c]!;
      sb[c]! += g;
      sg[c]! += g * (z[o + c]! - mean[c]!) * invStd[c]!;
    }
  }
  for (let c = 0; c < C; c++) {
    dGamma[c]! += sg[c]!;
    dBeta[c]! += sb[c]!;
  }
  for (let r = 0; r < rows; r++) {
    const o = r * ld;
    for (let c = 0; c < C; c++) {
      const x = (z[o + c]! - mean[c]!) * invStd[c]!;
      gz[o + c] = gamma[c]! * invStd[c]! * (gy[o + c]! - (x * sg[c]! + sb[c]!) / rows);
    }
  }
  for (let r = rows; r < rows * blocks; r++) {
    const o = r * ld;
    for (let c = 0; c < C; c++) gz[o + c] = gamma[c]! * invStd[c]! * gy[o + c]!;
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
