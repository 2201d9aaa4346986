/**
 * Batch norm folded into the layer before it, exactly (SPEC section 3, docs/semantics.md).
 *
 * A batch-norm layer in evaluation mode is an affine map per output channel `c` of the conv or
 * dense layer it follows:
 *
 *     y_c = gamma_c (x_c - mean_c) / sqrt(var_c + eps) + beta_c
 *
 * with `x_c = sum w_c,i a_i + b_c` the layer's output. With `g_c = gamma_c / sqrt(var_c + eps)`
 * this is the same layer with
 *
 *     w'_c,i = w_c,i g_c        b'_c = (b_c - mean_c) g_c + beta_c      (b_c = 0 without a bias)
 *
 * so the folded network computes exactly what the unfolded one does (up to the one rounding of
 * `w'` and `b'` to float32). ttfsim folds at load time; the `Architecture` and `Network` the
 * rest of the code sees have no batch-norm layer and the folded layer has a bias.
 */

/** The parameters of one batch-norm layer (PyTorch `nn.BatchNorm2d` / `nn.BatchNorm1d`, eval). */
export interface BatchNormParams {
  /** `weight` (scale) per channel. */
  gamma: ArrayLike<number>;
  /** `bias` (shift) per channel. */
  beta: ArrayLike<number>;
  /** `running_mean` per channel. */
  mean: ArrayLike<number>;
  /** `running_var` per channel (biased variance, as PyTorch keeps it). */
  variance: ArrayLike<number>;
  /** Added to the variance before the square root (PyTorch default 1e-5). */
  eps: number;
}

/** PyTorch's default `eps` of `nn.BatchNorm*d`. */
export const DEFAULT_BATCHNORM_EPS = 1e-5;

/**
 * Folds batch norm into the weights and bias of the layer before it (see the file comment).
 * `weights`: OIHW conv or `[units, in]` dense, `outChannels` = first dimension; `bias`: null =
 * none. Computed in double, rounded to float32 once. Throws a RangeError when the sizes do not
 * agree or a channel has `var + eps <= 0` (or a non-finite parameter), which would give no
 * finite fold.
 */
export function foldBatchNorm(
  weights: ArrayLike<number>,
  bias: ArrayLike<number> | null,
  outChannels: number,
  bn: BatchNormParams,
): { weights: Float32Array; bias: Float32Array } {
  const C = outChannels;
  if (!Number.isInteger(C) || C <= 0 || weights.length % C !== 0) {
    throw new RangeError(
      `foldBatchNorm: ${weights.length} weights do not split into ${C} output channels`,
    );
  }
  const lengths: [string, number][] = [
    ['gamma', bn.gamma.length],
    ['beta', bn.beta.length],
    ['mean', bn.mean.length],
    ['variance', bn.variance.length],
  ];
  if (bias !== null) lengths.push(['bias', bias.length]);
  for (const [what, n] of lengths) {
    if (n !== C) throw new RangeError(`foldBatchNorm: ${what} has ${n} values, expected ${C}`);
  }
  const inner = weights.length / C;
  const w = new Float32Array(weights.length);
  const b = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    const denom = bn.variance[c]! + bn.eps;
    const g = bn.gamma[c]! / Math.sqrt(denom);
    const shifted = ((bias === null ? 0 : bias[c]!) - bn.mean[c]!) * g + bn.beta[c]!;
    if (!(denom > 0) || !Number.isFinite(g) || !Number.isFinite(shifted)) {
      throw new RangeError(
        `foldBatchNorm: channel ${c} has no finite fold (var + eps = ${denom}, gamma ${bn.gamma[c]}, beta ${bn.beta[c]}, mean ${bn.mean[c]})`,
      );
    }
    b[c] = shifted;
    const base = c * inner;
    for (let k = 0; k < inner; k++) w[base + k] = weights[base + k]! * g;
  }
  return { weights: w, bias: b };
}
