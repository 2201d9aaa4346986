/**
 * TTFS input encoding (Eq. 1): an input value `a` in `[0, a_max]` spikes in window 0 at
 * `t = 1 - a / a_max`, i.e. `tau = a / a_max`. A zero is silent (it carries no information and
 * costs no event). Values above `a_max` saturate at `tau = 1`.
 *
 * On a grid of `n` steps per window the spike moves to the next step, `k = ceil(n (1 - tau))`,
 * like every neuron's spike (SPEC section 4), and is silent when `k` reaches `n`: inputs below
 * `a_max / n` do not spike. A time within 1e-9 of a step snaps to that step so that values such
 * as `tau = 0.3` with `n = 10` are not pushed a whole step by rounding.
 */

/** `tau` of one input value under pixel encoding (exact time). */
export function encodePixel(value: number, maxValue: number): number {
  if (!(value > 0)) return 0;
  return value >= maxValue ? 1 : value / maxValue;
}

/** `tau` moved to the step grid of `stepsPerWindow` (null: unchanged). */
export function quantizeTau(tau: number, stepsPerWindow: number | null): number {
  if (!stepsPerWindow || tau <= 0) return tau;
  if (tau >= 1) return 1;
  const n = stepsPerWindow;
  const s = n * (1 - tau);
  const r = Math.round(s);
  const k = Math.abs(s - r) < 1e-9 ? r : Math.ceil(s);
  return k >= n ? 0 : (n - k) / n;
}

/** Encodes a whole input (CHW values) into `tau`s for pixel encoding. */
export function encodeInput(
  values: ArrayLike<number>,
  maxValue: number,
  stepsPerWindow: number | null,
): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    out[i] = quantizeTau(encodePixel(values[i]!, maxValue), stepsPerWindow);
  }
  return out;
}

/**
 * `direct` encoding (the authors' CIFAR path): the first convolution's analog output `x`,
 * computed on the host, is clamped to `[0, 1]` and encoded as `tau = clamp(x, 0, 1)`.
 */
export function encodeDirect(analog: Float64Array, stepsPerWindow: number | null): Float64Array {
  const out = new Float64Array(analog.length);
  for (let i = 0; i < analog.length; i++) {
    const x = analog[i]!;
    out[i] = quantizeTau(x <= 0 ? 0 : Math.min(x, 1), stepsPerWindow);
  }
  return out;
}
