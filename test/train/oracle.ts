/**
 * An independent double-precision forward pass of a training plan (CHW, gather loops, no GEMM,
 * no NHWC): the oracle the trainer's float32 GEMM workspace is checked against, with batch
 * norm (batch statistics over the frames of the batch, as one shard computes them), biases as
 * spikes at tau = 1, every activation, and the loss (with the ANN's W penalty). Finite differences of its loss are the
 * reference gradients.
 */
import type { Activation, TrainPlan } from '../../src/train/plan.js';

export interface OracleResult {
  loss: number;
  /** Per stage, per frame: values in CHW. */
  stages: Float64Array[][];
  /** Per frame, the output logits before the logit scale. */
  logits: Float64Array[];
  /** One character per neuron and pooling winner: the piece of the piecewise-smooth function. */
  piece: string;
}

function act(a: Activation, A: number, W: number): number {
  switch (a) {
    case 'dft':
    case 'first-spike':
      return A >= 1 ? 1 : A + W > 0 ? (A + W) / (1 + W) : 0;
    case 'relu1':
      return A <= 0 ? 0 : Math.min(A, 1);
    case 'relu':
      return Math.max(A, 0);
    default:
      return 0;
  }
}

function pieceOf(a: Activation, A: number, W: number): string {
  switch (a) {
    case 'dft':
    case 'first-spike':
      return A >= 1 ? 'S' : A + W > 0 ? 'i' : 's';
    case 'relu1':
      return A <= 0 ? '0' : A >= 1 ? '1' : 'l';
    case 'relu':
      return A <= 0 ? '0' : 'l';
    default:
      return '';
  }
}

/**
 * Forward of `frames` (raw CHW inputs) with flat parameters `p` (double), batch norm with the
 * batch statistics of these frames; cross-entropy over `scale * logits`, mean over frames.
 */
export function oracleForward(
  plan: TrainPlan,
  p: ArrayLike<number>,
  frames: ArrayLike<number>[],
  labels: number[],
  scale: number,
): OracleResult {
  const { arch } = plan;
  const maxValue = arch.encoding.kind === 'pixel' ? arch.encoding.maxValue : 0;
  let cur = frames.map((x) =>
    Float64Array.from(x, (v) => (maxValue > 0 ? (v > 0 ? Math.min(v / maxValue, 1) : 0) : v)),
  );
  const stagesOut: Float64Array[][] = [cur];
  let piece = '';
  let penalty = 0;
  const n = frames.length;
  let A: Float64Array[] = [];
  let Wsum: Float64Array[] = [];
  for (const s of plan.steps) {
    const L = s.layer;
    if (L.kind === 'flatten') {
      stagesOut.push(cur);
      continue;
    }
    if (L.kind === 'pool') {
      const { h: H, w: W } = s.inShape;
      const { c: C, h: OH, w: OW } = s.outShape;
      cur = cur.map((x) => {
        const out = new Float64Array(C * OH * OW);
        for (let c = 0; c < C; c++)
          for (let oy = 0; oy < OH; oy++)
            for (let ox = 0; ox < OW; ox++) {
              let best = 0;
              let bi = -1;
              for (let py = 0; py < L.size; py++)
                for (let px = 0; px < L.size; px++) {
                  const i = (c * H + oy * L.stride + py) * W + ox * L.stride + px;
                  if (x[i]! > best) {
                    best = x[i]!;
                    bi = i;
                  }
                }
              out[(c * OH + oy) * OW + ox] = best;
              piece += `${bi},`;
            }
        return out;
      });
      stagesOut.push(cur);
      continue;
    }
    const C = s.channels;
    const w = (i: number) => p[s.paramOffset + i]!;
    const b = (c: number) => (s.biasOffset < 0 ? 0 : p[s.biasOffset + c]!);
    const size = s.outSize;
    const P = size / C;
    A = [];
    Wsum = [];
    for (const x of cur) {
      const a = new Float64Array(size);
      const ws = new Float64Array(size);
      if (L.kind === 'conv') {
        const { c: IC, h: H, w: IW } = s.inShape;
        const { h: OH, w: OW } = s.outShape;
        const k = L.kernel;
        for (let oc = 0; oc < C; oc++)
          for (let oy = 0; oy < OH; oy++)
            for (let ox = 0; ox < OW; ox++) {
              let sa = b(oc);
              let sw = b(oc);
              for (let ic = 0; ic < IC; ic++)
                for (let ky = 0; ky < k; ky++)
                  for (let kx = 0; kx < k; kx++) {
                    const iy = oy * L.stride + ky - L.padding;
                    const ix = ox * L.stride + kx - L.padding;
                    if (iy < 0 || iy >= H || ix < 0 || ix >= IW) continue;
                    const t = x[(ic * H + iy) * IW + ix]!;
                    if (t === 0) continue;
                    const wv = w(((oc * IC + ic) * k + ky) * k + kx);
                    sa += wv * t;
                    sw += wv;
                  }
              a[(oc * OH + oy) * OW + ox] = sa;
              ws[(oc * OH + oy) * OW + ox] = sw;
            }
      } else {
        const I = s.inSize;
        for (let u = 0; u < C; u++) {
          let sa = b(u);
          let sw = b(u);
          for (let i = 0; i < I; i++) {
            const t = x[i]!;
            if (t === 0) continue;
            sa += w(u * I + i) * t;
            sw += w(u * I + i);
          }
          a[u] = sa;
          ws[u] = sw;
        }
      }
      A.push(a);
      Wsum.push(ws);
    }
    if (s.gammaOffset >= 0) {
      for (let c = 0; c < C; c++) {
        let m = 0;
        for (const a of A) for (let q = 0; q < P; q++) m += a[c * P + q]!;
        m /= n * P;
        let v = 0;
        for (const a of A) for (let q = 0; q < P; q++) v += (a[c * P + q]! - m) ** 2;
        v /= n * P;
        const g = p[s.gammaOffset + c]! / Math.sqrt(v + 1e-5);
        const beta = p[s.betaOffset + c]!;
        for (let f = 0; f < n; f++)
          for (let q = 0; q < P; q++) {
            const i = c * P + q;
            A[f]![i] = g * (A[f]![i]! - m) + beta;
            Wsum[f]![i] = g * (Wsum[f]![i]! - m) + beta;
          }
      }
    }
    if (plan.options.wPenalty > 0 && s.dual && plan.mode === 'ann') {
      let sq = 0;
      for (const ws of Wsum) for (let i = 0; i < size; i++) sq += ws[i]! * ws[i]!;
      penalty += (plan.options.wPenalty * sq) / (n * size);
    }
    cur = A.map((a, f) => {
      const out = new Float64Array(size);
      for (let i = 0; i < size; i++) {
        out[i] = act(s.act!, a[i]!, Wsum[f]![i]!);
        piece += pieceOf(s.act!, a[i]!, Wsum[f]![i]!);
      }
      return out;
    });
    stagesOut.push(cur);
  }
  const last = plan.steps[plan.steps.length - 1]!;
  const logits = A.map((a, f) =>
    Float64Array.from(a, (v, i) =>
      last.act === 'membrane' ? v + Wsum[f]![i]! : last.act === 'linear' ? v : cur[f]![i]!,
    ),
  );
  let loss = 0;
  logits.forEach((q, f) => {
    const z = Array.from(q, (v) => scale * v);
    const m = Math.max(...z);
    const lse = Math.log(z.reduce((acc, v) => acc + Math.exp(v - m), 0)) + m;
    loss += lse - z[labels[f]!]!;
  });
  return { loss: loss / n + penalty, stages: stagesOut, logits, piece };
}
