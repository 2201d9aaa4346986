import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldBatchNorm } from '../../src/snn/batchnorm.js';
import { convAnalog } from '../../src/snn/layers.js';
import type { LayerSpec, Shape3 } from '../../src/snn/network.js';
import { stages } from '../../src/snn/network.js';

/**
 * Batch-norm folding is exact: the folded layer (float32 weights and bias, summed in double)
 * equals the unfolded layer followed by batch norm computed explicitly in double, up to the one
 * rounding of each folded parameter to float32, i.e. per output
 *
 *     |y_folded - y_bn| <= 2^-24 (sum_i |w'_i x_i| + |b'|)     (+ double rounding, ~1e-16 relative)
 *
 * plus `2^-150 (sum_i |x_i| + 1)` where a folded value underflows float32 (subnormal spacing).
 */

const f32 = (n: number, min: number, max: number) =>
  fc.array(fc.float({ min: Math.fround(min), max: Math.fround(max), noNaN: true }), {
    minLength: n,
    maxLength: n,
  });

const layerArb = fc
  .record({
    c: fc.integer({ min: 1, max: 3 }),
    h: fc.integer({ min: 3, max: 6 }),
    w: fc.integer({ min: 3, max: 6 }),
    conv: fc.boolean(),
    out: fc.integer({ min: 1, max: 5 }),
    kernel: fc.integer({ min: 1, max: 3 }),
    stride: fc.integer({ min: 1, max: 2 }),
    padding: fc.integer({ min: 0, max: 1 }),
    hasBias: fc.boolean(),
    eps: fc.constantFrom(1e-5, 1e-3, 0.1),
  })
  .chain((r) => {
    const input: Shape3 = { c: r.c, h: r.h, w: r.w };
    const layer: LayerSpec = r.conv
      ? {
          kind: 'conv',
          name: 'c',
          outChannels: r.out,
          kernel: Math.min(r.kernel, r.h, r.w),
          stride: r.stride,
          padding: r.padding,
        }
      : { kind: 'dense', name: 'd', units: r.out };
    const out = stages({
      input,
      encoding: { kind: 'direct' },
      layers: [layer],
      readout: 'membrane',
    })[1]!.shape;
    const nIn = input.c * input.h * input.w;
    const nW = r.conv ? r.out * r.c * (layer as { kernel: number }).kernel ** 2 : r.out * nIn;
    return fc.record({
      input: fc.constant(input),
      out: fc.constant(out),
      layer: fc.constant(layer),
      eps: fc.constant(r.eps),
      weights: f32(nW, -2, 2),
      bias: r.hasBias ? f32(r.out, -3, 3) : fc.constant(null),
      gamma: f32(r.out, -4, 4),
      beta: f32(r.out, -3, 3),
      mean: f32(r.out, -3, 3),
      variance: f32(r.out, 0, 9),
      x: fc.array(fc.double({ min: -1, max: 2, noNaN: true }), { minLength: nIn, maxLength: nIn }),
    });
  });

/** Real-valued layer output in double (`w` may be float32 or double values). */
function affine(
  layer: LayerSpec,
  input: Shape3,
  out: Shape3,
  w: ArrayLike<number>,
  x: ArrayLike<number>,
  abs = false,
): Float64Array {
  const mag = (v: number) => (abs ? Math.abs(v) : v);
  if (layer.kind === 'conv') {
    return convAnalog(
      Float64Array.from(x, mag),
      input,
      layer,
      Float32Array.from(w, mag),
      out,
    ) as Float64Array;
  }
  const nIn = x.length;
  const y = new Float64Array(out.c);
  for (let o = 0; o < out.c; o++) {
    let s = 0;
    for (let i = 0; i < nIn; i++) s += mag(w[o * nIn + i]!) * mag(x[i]!);
    y[o] = s;
  }
  return y;
}

describe('foldBatchNorm', () => {
  it('equals the unfolded layer + batch norm in double, at float32 rounding level (conv and dense)', () => {
    let worst = 0;
    fc.assert(
      fc.property(layerArb, (c) => {
        const weights = Float32Array.from(c.weights);
        const bias = c.bias === null ? null : Float32Array.from(c.bias);
        const bn = {
          gamma: Float32Array.from(c.gamma),
          beta: Float32Array.from(c.beta),
          mean: Float32Array.from(c.mean),
          variance: Float32Array.from(c.variance),
          eps: c.eps,
        };
        const folded = foldBatchNorm(weights, bias, c.out.c, bn);
        expect(folded.weights.length).toBe(weights.length);
        expect(folded.bias.length).toBe(c.out.c);
        const plane = c.out.h * c.out.w;
        const raw = affine(c.layer, c.input, c.out, weights, c.x);
        const y = affine(c.layer, c.input, c.out, folded.weights, c.x);
        const mag = affine(c.layer, c.input, c.out, folded.weights, c.x, true);
        const xAbs = c.x.reduce((a, v) => a + Math.abs(v), 0);
        for (let i = 0; i < y.length; i++) {
          const ch = Math.floor(i / plane);
          const pre = raw[i]! + (bias === null ? 0 : bias[ch]!);
          const want =
            (bn.gamma[ch]! * (pre - bn.mean[ch]!)) / Math.sqrt(bn.variance[ch]! + bn.eps) +
            bn.beta[ch]!;
          const got = y[i]! + folded.bias[ch]!;
          const scale = mag[i]! + Math.abs(folded.bias[ch]!);
          const bound =
            2 ** -24 * scale +
            2 ** -150 * (xAbs + 1) +
            1e-13 * (scale + Math.abs(want) + Math.abs(pre));
          const err = Math.abs(got - want);
          expect(err).toBeLessThanOrEqual(bound);
          if (scale > 1e-30) worst = Math.max(worst, err / scale);
        }
      }),
      { numRuns: 300, seed: 19 },
    );
    // At rounding level, and not trivially zero (the folded values are rounded to float32).
    expect(worst).toBeLessThanOrEqual(2 ** -24 * 1.0001);
    expect(worst).toBeGreaterThan(0);
  });

  it('is the identity for gamma = sqrt(var + eps), beta = mean, and rejects what has no fold', () => {
    const w = Float32Array.from([0.5, -0.25, 1, 2]);
    const f = foldBatchNorm(w, Float32Array.from([0.1, -0.2]), 2, {
      gamma: [Math.sqrt(4 + 0), Math.sqrt(0.25)],
      beta: [0.3, -0.4],
      mean: [0.3, -0.4],
      variance: [4, 0.25],
      eps: 0,
    });
    expect(f.weights).toEqual(w);
    expect(f.bias).toEqual(Float32Array.from([0.1, -0.2]));
    const bn = { gamma: [1], beta: [0], mean: [0], variance: [-1], eps: 1e-5 };
    expect(() => foldBatchNorm(w, null, 1, bn)).toThrow(/channel 0 has no finite fold/);
    expect(() => foldBatchNorm(w, null, 3, { ...bn, variance: [1] })).toThrow(
      /4 weights do not split into 3 output channels/,
    );
    expect(() => foldBatchNorm(w, [0], 2, { ...bn, variance: [1, 1] })).toThrow(
      /gamma has 1 values, expected 2/,
    );
  });
});
