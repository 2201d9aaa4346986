/**
 * Integer SOPs of the event-driven simulator in WebAssembly SIMD (AssemblyScript; compiled to
 * `dist/wasm/sops.wasm` by `npm run build:wasm`, which `npm ci` runs). See src/sim/intSops.ts.
 *
 * With k-bit weight levels `q` (int8) and a step grid of `n` steps per window, a spike that fires
 * at step `k` (`k = tau n`, an integer in 1..n) adds, on each target neuron,
 *
 *     a += q k        w += q                       (int32, exact: no rounding)
 *
 * Accumulators are channel-last, `[y][x][c]`, so the targets of one (spike, kernel tap) are the
 * core's channels side by side and four of them go in one i32x4 operation. Weights are
 * `[ic][ky][kx][oc]` (conv) or `[in][units]` (dense), int8. All offsets are in bytes.
 */

/** `n` channels from `a`/`w` (int32) and `q` (int8): `a += q k`, `w += q`. */
@inline
function channels(q: usize, a: usize, w: usize, n: i32, k: i32): void {
  const kv = i32x4.splat(k);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const qv = i32x4.extend_low_i16x8_s(i16x8.extend_low_i8x16_s(v128.load32_zero(q + <usize>i)));
    const o = <usize>(i << 2);
    v128.store(a + o, i32x4.add(v128.load(a + o), i32x4.mul(qv, kv)));
    v128.store(w + o, i32x4.add(v128.load(w + o), qv));
  }
  for (; i < n; i++) {
    const qi = <i32>load<i8>(q + <usize>i);
    const o = <usize>(i << 2);
    store<i32>(a + o, load<i32>(a + o) + qi * k);
    store<i32>(w + o, load<i32>(w + o) + qi);
  }
}

/**
 * Conv SOPs of `count` spikes, each 8 int32 at `spk`: the byte offset of its input channel's
 * weight block (`ic K K outC`), `iy + padding`, `ix + padding`, the target rows `oyLo..oyHi`
 * and columns `oxLo..oxHi` (clipped to the core), and its step count `k`. The core's channels are
 * `c0 .. c0 + n - 1`.
 */
export function convSops(
  spk: usize,
  count: i32,
  q: usize,
  a: usize,
  w: usize,
  outC: i32,
  outW: i32,
  K: i32,
  stride: i32,
  c0: i32,
  n: i32,
): void {
  for (let s = 0; s < count; s++) {
    const p = spk + (<usize>s << 5);
    const wIc = load<i32>(p);
    const iyp = load<i32>(p, 4);
    const ixp = load<i32>(p, 8);
    const oyLo = load<i32>(p, 12);
    const oyHi = load<i32>(p, 16);
    const oxLo = load<i32>(p, 20);
    const oxHi = load<i32>(p, 24);
    const k = load<i32>(p, 28);
    for (let oy = oyLo; oy <= oyHi; oy++) {
      const ky = iyp - oy * stride;
      for (let ox = oxLo; ox <= oxHi; ox++) {
        const kx = ixp - ox * stride;
        const wq = q + <usize>(wIc + (ky * K + kx) * outC + c0);
        const o = <usize>(((oy * outW + ox) * outC + c0) << 2);
        channels(wq, a + o, w + o, n, k);
      }
    }
  }
}

/** Dense SOPs of `count` spikes, each 2 int32 at `spk` (input index, `k`); units `c0 .. c0+n-1`. */
export function denseSops(
  spk: usize,
  count: i32,
  q: usize,
  a: usize,
  w: usize,
  units: i32,
  c0: i32,
  n: i32,
): void {
  const o = <usize>(c0 << 2);
  for (let s = 0; s < count; s++) {
    const p = spk + (<usize>s << 3);
    const j = load<i32>(p);
    const k = load<i32>(p, 4);
    channels(q + <usize>(j * units + c0), a + o, w + o, n, k);
  }
}
