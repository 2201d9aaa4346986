import { encodeDirect } from '../../src/snn/encoding.js';
import { convAnalog } from '../../src/snn/layers.js';
import { layerBias, type Network, stages } from '../../src/snn/network.js';

/**
 * The exact integer-level computation of a quantized network (`net.levels`), written apart from
 * src/ with BigInt rationals: what every spike must be in exact time with k-bit weights (and in
 * quantized time). Only the network's levels and scales are read; the host conv of a `direct`
 * encoding is double arithmetic by definition and comes from `convAnalog`.
 *
 * Inputs `tau_i = T_i / G` (`G = 2^tickBits` ticks in exact time, `G = n` steps), levels `q`,
 * bias level `q_b`, scale `s = sn / sd`:
 *
 *     A = s (sum q T + q_b G) / G        W = s (sum q + q_b)
 *
 * Eq. 7: start if `A >= 1`; else inside if `A + W > 0`, where exact time fires at
 * `T = floor(G (A + W) / (1 + W))` (silent at 0) and quantized time at the first `k < n` with
 * `(W + 1) k / n + A - 1 >= 0` (every `k` tried); else silent.
 */

/** A non-negative double as `num / den` exactly (den a power of two). */
function rational(x: number): { num: bigint; den: bigint } {
  let k = 0n;
  let v = x;
  while (!Number.isInteger(v)) {
    v *= 2;
    k++;
  }
  return { num: BigInt(v), den: 1n << k };
}

export interface OracleFrame {
  /** `tau` of every stage, as doubles (`T / G`). */
  tau: Float64Array[];
  decision: number;
  /** Neurons with a spiking input whose membrane ends exactly at the threshold (A + W = 0). */
  cancelled: number;
}

export function levelOracle(
  net: Network,
  input: ArrayLike<number>,
  steps: number | null,
): OracleFrame {
  const lv = net.levels;
  if (lv === undefined) throw new Error('not a quantized network');
  const { arch } = net;
  const st = stages(arch);
  const G = BigInt(steps ?? 2 ** lv.tickBits);
  const Gn = Number(G);
  const grid: bigint[][] = [];
  let first = 1;
  if (arch.encoding.kind === 'pixel') {
    const max = arch.encoding.maxValue;
    grid.push(
      Array.from(input, (p) => {
        if (!(p > 0)) return 0n;
        if (p >= max) return G;
        if (!Number.isInteger(p)) throw new Error('the oracle takes integer pixels');
        return (BigInt(p) * G) / BigInt(max);
      }),
    );
  } else {
    const layer = arch.layers[0]!;
    if (layer.kind !== 'conv') throw new Error('direct needs a conv');
    grid.push(Array.from(input, () => 0n));
    const analog = convAnalog(
      input,
      st[0]!.shape,
      layer,
      net.weights[0]!,
      st[1]!.shape,
      layerBias(net, 0),
    );
    // exact time: clamp(x) rounded down to the ticks (G x is exact); steps: the encoder's grid
    const enc = encodeDirect(analog, steps);
    grid.push(Array.from(enc, (t) => BigInt(Math.floor(t * Gn + (steps === null ? 0 : 0.5)))));
    first = 2;
  }
  const last = st.length - 1;
  let membrane: bigint[] = [];
  let cancelled = 0;
  for (let s = first; s <= last; s++) {
    const layer = arch.layers[s - 1]!;
    const tin = grid[s - 1]!;
    const inS = st[s - 1]!.shape;
    const outS = st[s]!.shape;
    if (layer.kind === 'flatten') {
      grid.push(tin);
      continue;
    }
    if (layer.kind === 'pool') {
      const out: bigint[] = [];
      for (let c = 0; c < outS.c; c++)
        for (let oy = 0; oy < outS.h; oy++)
          for (let ox = 0; ox < outS.w; ox++) {
            let best = 0n;
            for (let py = 0; py < layer.size; py++)
              for (let px = 0; px < layer.size; px++) {
                const y = oy * layer.stride + py;
                const x = ox * layer.stride + px;
                const t = tin[(c * inS.h + y) * inS.w + x]!;
                if (t > best) best = t;
              }
            out.push(best);
          }
      grid.push(out);
      continue;
    }
    const l = lv.layers[s - 1]!;
    const { num: sn, den: sd } = rational(l.scale);
    const nOut = outS.c * outS.h * outS.w;
    const aI = new Array<bigint>(nOut).fill(0n);
    const wI = new Array<bigint>(nOut).fill(0n);
    const fed = new Uint8Array(nOut);
    const add = (o: number, q: number, t: bigint) => {
      if (t === 0n) return;
      fed[o] = 1;
      aI[o]! += BigInt(q) * t;
      wI[o]! += BigInt(q);
    };
    if (layer.kind === 'dense') {
      const nIn = tin.length;
      for (let o = 0; o < layer.units; o++)
        for (let i = 0; i < nIn; i++) add(o, l.weights[o * nIn + i]!, tin[i]!);
    } else {
      const { kernel: k, stride, padding } = layer;
      for (let oc = 0; oc < outS.c; oc++)
        for (let oy = 0; oy < outS.h; oy++)
          for (let ox = 0; ox < outS.w; ox++)
            for (let ic = 0; ic < inS.c; ic++)
              for (let ky = 0; ky < k; ky++)
                for (let kx = 0; kx < k; kx++) {
                  const iy = oy * stride + ky - padding;
                  const ix = ox * stride + kx - padding;
                  if (iy < 0 || ix < 0 || iy >= inS.h || ix >= inS.w) continue;
                  const q = l.weights[((oc * inS.c + ic) * k + ky) * k + kx]!;
                  add((oc * outS.h + oy) * outS.w + ox, q, tin[(ic * inS.h + iy) * inS.w + ix]!);
                }
    }
    if (l.bias !== null) {
      const plane = outS.h * outS.w;
      for (let o = 0; o < nOut; o++) {
        const qb = BigInt(l.bias[Math.floor(o / plane)]!);
        aI[o]! += qb * G;
        wI[o]! += qb;
      }
    }
    const out: bigint[] = [];
    for (let o = 0; o < nOut; o++) {
      const a = aI[o]!;
      const w = wI[o]!;
      if (fed[o] && a + G * w === 0n) cancelled++;
      // A >= 1  <=>  sn a >= sd G;   A + W > 0  <=>  a + G w > 0
      if (sn * a >= sd * G) out.push(G);
      else if (!(a + G * w > 0n)) out.push(0n);
      else if (steps === null) {
        // T = floor(G (A + W) / (1 + W)) = floor(sn (a + G w) / (sd + sn w))
        out.push((sn * (a + G * w)) / (sd + sn * w));
      } else {
        // (W + 1) k / n + A - 1 >= 0, times n sd G (G = n): (sd + sn w) k G + sn a n - n sd G >= 0
        const n = BigInt(steps);
        let m = 0n;
        for (let k = 1n; k < n; k++) {
          if ((sd + sn * w) * k * G + sn * a * n - n * sd * G >= 0n) {
            m = n - k;
            break;
          }
        }
        out.push(m);
      }
    }
    if (s === last) {
      membrane = aI.map((a, o) => a + G * wI[o]!); // V = s (a + G w) / G: same order
      if (arch.readout === 'membrane') out.fill(0n);
    }
    grid.push(out);
  }
  let decision = -1;
  const outT = grid[last]!;
  if (arch.readout === 'first-spike') {
    let best = 0n;
    outT.forEach((t, i) => {
      if (t > best) {
        best = t;
        decision = i;
      }
    });
  } else {
    membrane.forEach((v, i) => {
      if (decision < 0 || v > membrane[decision]!) decision = i;
    });
  }
  return {
    tau: grid.map((g, s) =>
      s === 0 && arch.encoding.kind === 'direct'
        ? Float64Array.from(input)
        : Float64Array.from(g, (t) => Number(t) / Gn),
    ),
    decision,
    cancelled,
  };
}
