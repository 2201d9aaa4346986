/**
 * The DFT (dynamic firing threshold) neuron of DTA-TTFS, in closed form.
 *
 * A neuron j of layer l (window `[l, l+1)`) receives spikes from layer l-1 at times
 * `t_i = l - tau_i` with `tau_i` in (0, 1]. Its membrane is the ReL-PSP sum (Eq. 2, 3)
 * `V(t) = sum_i w_ij (t - t_i)` and its threshold decays linearly through the window (Eq. 5)
 * `theta(t) = (l + 1) - t`. With `s = t - l` in [0, 1]:
 *
 *     W = sum_i w_ij,   A = sum_i w_ij tau_i  (= V(l)),   f(s) = V - theta = (W + 1) s + A - 1
 *
 * | case   | condition               | result                                              |
 * |--------|-------------------------|-----------------------------------------------------|
 * | start  | A >= 1                  | fires at t = l, tau = 1 (wins even when W < -1)     |
 * | inside | A < 1 and A + W > 0     | tau = (A + W) / (1 + W), t = (l + 1) - tau  (Eq. 6) |
 * | silent | otherwise               | no spike (A + W <= 0, W <= -1 with A < 1, no input) |
 *
 * The window is half-open: a neuron whose membrane meets the threshold exactly at `l + 1`
 * (A + W = 0, which includes every neuron with no spiking input) does not fire. Eq. 7 read
 * literally (`<=`) would make those fire, a flood of meaningless spikes (SPEC section 2).
 *
 * **Fixed-point accumulators.** `A` and `W` are accumulated as exact integers in units of
 * `2^-32` ({@link ACC_ONE}): every term `w * tau` and every `w` is rounded to that grid before it
 * is added ({@link toAcc}). Integer addition is associative, so the sums do not depend on the
 * order in which spikes arrive, and the event-driven simulator equals the dense reference bit for
 * bit. Sums stay exact while `|A|, |W| < 2^19` (far beyond any trained network).
 */

/** Fractional bits of the membrane accumulators. */
export const ACC_FRAC_BITS = 32;
/** The value 1.0 in accumulator units (2^32). */
export const ACC_ONE = 2 ** ACC_FRAC_BITS;

/** 1.5 * 2^52: adding and subtracting it rounds a double to an integer (ties to even). */
export const ROUND_MAGIC = 6755399441055744;

/**
 * Rounds a real value to the accumulator grid: `round(x * 2^32)` as an exact integer in a double,
 * ties to even, valid for `|x| < 2^19`. Every accumulation in ttfsim (reference, simulator,
 * trainer evaluation) rounds exactly this way, so all of them agree bit for bit. It is about four
 * times faster than `Math.round` on values beyond the int32 range. Hot loops in other modules
 * write it out as `x * ONE + MAGIC - MAGIC` with module-local copies of {@link ACC_ONE} and
 * {@link ROUND_MAGIC}: calls through an imported binding are not always inlined (under tsx they
 * cost a factor of two).
 */
export function toAcc(x: number): number {
  return x * ACC_ONE + ROUND_MAGIC - ROUND_MAGIC;
}

/** Which case of Eq. 7 a neuron is in. */
export const NeuronCase = { silent: 0, start: 1, inside: 2 } as const;
export type NeuronCase = (typeof NeuronCase)[keyof typeof NeuronCase];

/** The case of Eq. 7 for accumulators `aAcc = A * 2^32`, `wAcc = W * 2^32`. */
export function dftCase(aAcc: number, wAcc: number): NeuronCase {
  if (aAcc >= ACC_ONE) return NeuronCase.start;
  if (aAcc + wAcc > 0) return NeuronCase.inside;
  return NeuronCase.silent;
}

/**
 * Eq. 7 in tau form from fixed-point accumulators: `tau` in (0, 1] of the spike, or 0 when the
 * neuron is silent. Inside the window `tau = (A + W) / (1 + W)` (Eq. 6); `1 + W > 0` follows from
 * `A < 1` and `A + W > 0`.
 */
export function dftTau(aAcc: number, wAcc: number): number {
  if (aAcc >= ACC_ONE) return 1;
  const num = aAcc + wAcc;
  if (num > 0) return num / (ACC_ONE + wAcc);
  return 0;
}

/**
 * Eq. 7 on a grid of `stepsPerWindow = n` steps (SPEC section 4): the neuron compares `V` with
 * the threshold only at `s = k / n`, `k = 0 .. n-1`, and fires at the first `k` with
 * `f(k/n) >= 0`. Since `f` is affine and rising in the inside case this is the exact time
 * rounded up to the next step, and silent when that reaches the window end. Returns
 * `tau = (n - k) / n`, or 0 when silent.
 *
 * In accumulator units `f(k/n) >= 0` is `(ONE + wAcc) k >= n (ONE - aAcc)`, compared exactly as
 * long as both sides stay below 2^53 (`n |W|` and `n |A|` below about 2^20).
 */
export function dftTauQuantized(aAcc: number, wAcc: number, stepsPerWindow: number): number {
  if (aAcc >= ACC_ONE) return 1;
  const slope = ACC_ONE + wAcc;
  if (slope <= 0) return 0;
  const n = stepsPerWindow;
  const need = n * (ACC_ONE - aAcc);
  let k = Math.ceil(need / slope);
  while (k > 1 && slope * (k - 1) >= need) k--;
  while (slope * k < need) k++;
  if (k >= n) return 0;
  return (n - k) / n;
}

/** `tau` of a neuron in either time mode (`stepsPerWindow` null or 0: exact, continuous time). */
export function neuronTau(aAcc: number, wAcc: number, stepsPerWindow: number | null): number {
  return stepsPerWindow ? dftTauQuantized(aAcc, wAcc, stepsPerWindow) : dftTau(aAcc, wAcc);
}

/** Absolute spike time of a spike with `tau` > 0 in window `window`: `t = (l + 1) - tau`. */
export function spikeTime(window: number, tau: number): number {
  return tau > 0 ? window + 1 - tau : Number.POSITIVE_INFINITY;
}

/**
 * Real-valued Eq. 7 in tau form (no fixed-point rounding), for the trainer and for tests.
 * Same cases as {@link dftTau}.
 */
export function dftTauReal(A: number, W: number): number {
  if (A >= 1) return 1;
  if (A + W > 0) return (A + W) / (1 + W);
  return 0;
}

/**
 * Analytic gradients of the inside case (Eq. 9, 10 in tau form); zero in the start and silent
 * cases, which pass no gradient.
 *
 *     d tau_j / d w_ij  = (tau_i + 1 - tau_j) / (1 + W)      (= -Eq. 9)
 *     d tau_j / d tau_i = w_ij / (1 + W)                     (=  Eq. 10)
 */
export function dftGradients(
  A: number,
  W: number,
  tauI: number,
  wIJ: number,
): { dTauDw: number; dTauDTauIn: number } {
  if (A >= 1 || !(A + W > 0)) return { dTauDw: 0, dTauDTauIn: 0 };
  const tauJ = (A + W) / (1 + W);
  return { dTauDw: (tauI + 1 - tauJ) / (1 + W), dTauDTauIn: wIJ / (1 + W) };
}
