/**
 * Max pooling of the trainer on NHWC frames: the largest value of each region wins (the first in
 * row-major order on ties), 0 when the whole region is 0 (SPEC section 3: the earliest spike wins,
 * silent if all are silent). `arg` receives the winner's index in the input buffer, or -1.
 */
import type { Shape3 } from '../snn/network.js';

export function poolForward(
  x: Float32Array,
  n: number,
  inShape: Shape3,
  size: number,
  stride: number,
  outShape: Shape3,
  out: Float32Array,
  arg: Int32Array,
): void {
  const { h: H, w: W, c: C } = inShape;
  const { h: OH, w: OW } = outShape;
  let o = 0;
  for (let f = 0; f < n; f++) {
    const base = f * H * W * C;
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        for (let c = 0; c < C; c++) {
          let best = 0;
          let bestI = -1;
          for (let py = 0; py < size; py++) {
            const row = base + ((oy * stride + py) * W + ox * stride) * C + c;
            for (let px = 0; px < size; px++) {
              const i = row + px * C;
              const v = x[i]!;
              if (v > best) {
                best = v;
                bestI = i;
              }
            }
          }
          out[o] = best;
          arg[o] = bestI;
          o++;
        }
      }
    }
  }
}

/** Pool backward: each output's gradient goes to its winning input (`gx` is overwritten). */
export function poolBackward(
  gout: Float32Array,
  outCount: number,
  arg: Int32Array,
  gx: Float32Array,
  inCount: number,
): void {
  gx.fill(0, 0, inCount);
  for (let o = 0; o < outCount; o++) {
    const i = arg[o]!;
    if (i >= 0) gx[i]! += gout[o]!;
  }
}
