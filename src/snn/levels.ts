/**
 * The DFT neuron (Eq. 7) on integer weight levels, with exact arithmetic: how integer-weight
 * hardware decides, and how ttfsim evaluates every quantized layer (quantize.ts).
 *
 * A quantized layer has integer levels `q` and one scale `s` (real weight `q s`). Its inputs'
 * `tau` lie on a grid of `G` per window: `G = 2^tickBits` ticks in exact time, `G = n` steps with
 * `n` steps per window. A SOP adds the integers `q (tau G)` to `a` and `q G` to `w`; a bias level
 * `q_b` adds `q_b G` to both (a spike at `tau = 1`). The sums are exact integers and
 *
 *     A = s a / G        W = s w / G
 *
 * so the scale is applied once, inside the comparisons with the threshold, never to a term.
 * With `N = a + w` the cases of Eq. 7 become
 *
 * | case   | real form            | on the integers (s > 0)                       |
 * |--------|----------------------|-----------------------------------------------|
 * | start  | `A >= 1`             | `s a >= G`                                    |
 * | inside | `A < 1`, `A + W > 0` | `N > 0` (no scale: a sign test)               |
 * | silent | otherwise            |                                               |
 *
 * Inside, exact time: `tau = (A + W) / (1 + W) = s N / (G + s w)` (Eq. 6) is rounded *down* to
 * the tick grid, `T = floor(G s N / (G + s w))`, `tau = T / G` (the spike time rounded up to the
 * next tick, as steps round it up to the next step; `T = 0` is silent). Quantized time (SPEC
 * section 4): the first step `k` in `1 .. n-1` with `f(k/n) >= 0`, i.e. (times `n^2 / s`... with
 * `G = n`)
 *
 *     s (w k + a n) >= n (n - k)                                       (f(k/n) >= 0)
 *
 * rising in `k` when `W + 1 > 0`, i.e. `s w > -n`.
 *
 * Every comparison `s L >= R` (integers `L`, `R`) is exact: in doubles with a guard band, and in
 * BigInt on the scale's exact binary value (`s = num 2^exp`) when the double result is within the
 * band (rare: a real tie, or within about 2^-50 of one). The same holds for `floor` of the tick.
 * Levels that cancel (`3 + 4 - 7` with equal inputs) give `N = 0` exactly: silent, as Eq. 7 says
 * (float products `float32(q s) tau` left a few 1e-9, and the neuron fired).
 */

/** A positive double as `num * 2^exp` exactly (0 as `0n * 2^0`). */
function dyadic(x: number): { num: bigint; exp: number } {
  if (x === 0) return { num: 0n, exp: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const e = (hi >>> 20) & 0x7ff;
  const frac = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  return e === 0 ? { num: frac, exp: -1074 } : { num: frac | (1n << 52n), exp: e - 1075 };
}

const GUARD = 2 ** -50;
const BIG = 2 ** 53;

/** One quantized layer's neuron evaluation (see the file comment). */
export class LevelNeuron {
  /** `s / G`: a membrane `V = (a + w) s / G` in one rounding (monotone in `a + w`). */
  readonly unit: number;
  private readonly num: bigint;
  private readonly exp: number;

  /**
   * @param scale the layer's scale `s` (>= 0)
   * @param G accumulator units per level: `2^tickBits` (exact time) or `n` (quantized time)
   * @param steps steps per window `n`, or null for exact time
   */
  constructor(
    readonly scale: number,
    readonly G: number,
    readonly steps: number | null,
  ) {
    if (!(scale >= 0) || !Number.isFinite(scale)) throw new RangeError(`bad scale ${scale}`);
    this.unit = scale / G;
    const d = dyadic(scale);
    this.num = d.num;
    this.exp = d.exp;
  }

  /** `sign(s L - R)` for integers `L`, `R` (exact below 2^53), exactly. */
  compare(L: number, R: number): number {
    const p = this.scale * L;
    const d = p - R;
    const tol = (Math.abs(p) + Math.abs(R)) * GUARD;
    if (d > tol) return 1;
    if (d < -tol) return -1;
    return this.compareBig(BigInt(L), BigInt(R));
  }

  private compareBig(L: bigint, R: bigint): number {
    let lhs = this.num * L;
    let rhs = R;
    if (this.exp >= 0) lhs <<= BigInt(this.exp);
    else rhs <<= BigInt(-this.exp);
    return lhs > rhs ? 1 : lhs < rhs ? -1 : 0;
  }

  /** `tau` of a neuron with accumulators `a`, `w` (0: silent). */
  tau(a: number, w: number): number {
    const G = this.G;
    if (this.compare(a, G) >= 0) return 1;
    if (!(a + w > 0)) return 0;
    return this.steps === null ? this.tickTau(a, w) : this.stepTau(a, w);
  }

  /** `V = A + W = s (a + w) / G` at the window end (the membrane readout). */
  membrane(a: number, w: number): number {
    return (a + w) * this.unit;
  }

  /** Exact time, inside case: `floor(G s N / (G + s w)) / G`. */
  private tickTau(a: number, w: number): number {
    const G = this.G;
    const s = this.scale;
    const N = a + w;
    const sw = s * w;
    const D = G + sw;
    const x = ((s * N) / D) * G;
    // relative error of x: about (|s w| / D + 3) 2^-53; a generous band around it
    const tol = x * (Math.abs(sw) / D + 4) * 2 ** -51 + 2 ** -40;
    let T = Math.floor(x - tol);
    if (T !== Math.floor(x + tol)) T = this.tickBig(N, w);
    return T > 0 ? T / G : 0;
  }

  private tickBig(N: number, w: number): number {
    const G = BigInt(this.G);
    let num = G * this.num * BigInt(N);
    let den: bigint;
    if (this.exp >= 0) {
      num <<= BigInt(this.exp);
      den = G + ((this.num * BigInt(w)) << BigInt(this.exp));
    } else {
      den = (G << BigInt(-this.exp)) + this.num * BigInt(w);
    }
    return Number(num / den);
  }

  /** Quantized time, not the start case: `(n - k) / n` of the first step that fires, or 0. */
  private stepTau(a: number, w: number): number {
    const n = this.steps!;
    if (this.compare(w, -n) <= 0) return 0; // W + 1 <= 0: f does not rise
    const s = this.scale;
    const est = (s * (a + w)) / (n + s * w);
    let k = Math.min(n, Math.max(1, Math.ceil(n * (1 - est))));
    while (k > 1 && this.firesAt(a, w, k - 1)) k--;
    while (k < n && !this.firesAt(a, w, k)) k++;
    return k >= n ? 0 : (n - k) / n;
  }

  /** `f(k/n) >= 0`: `s (w k + a n) >= n (n - k)`. */
  private firesAt(a: number, w: number, k: number): boolean {
    const n = this.steps!;
    if (Math.abs(w) * k + Math.abs(a) * n < BIG)
      return this.compare(w * k + a * n, n * (n - k)) >= 0;
    const L = BigInt(w) * BigInt(k) + BigInt(a) * BigInt(n);
    return this.compareBig(L, BigInt(n) * BigInt(n - k)) >= 0;
  }
}
