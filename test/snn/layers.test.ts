import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeDirect, encodeInput, encodePixel, quantizeTau } from '../../src/snn/encoding.js';
import {
  convAccumulate,
  convTargetRange,
  denseAccumulate,
  maxPoolTau,
  weightsToAcc,
} from '../../src/snn/layers.js';
import { stages } from '../../src/snn/network.js';
import {
  biasBits,
  quantizeBias,
  quantizeNetwork,
  quantizeWeights,
} from '../../src/snn/quantize.js';

const tauArb = fc.oneof(fc.constant(0), fc.double({ min: 1e-6, max: 1, noNaN: true }));

describe('convolution', () => {
  it('equals the same layer written as a dense matrix (Toeplitz), shapes and values', () => {
    fc.assert(
      fc.property(
        fc.record({
          c: fc.integer({ min: 1, max: 3 }),
          h: fc.integer({ min: 1, max: 7 }),
          w: fc.integer({ min: 1, max: 7 }),
          oc: fc.integer({ min: 1, max: 3 }),
          k: fc.integer({ min: 1, max: 3 }),
          stride: fc.integer({ min: 1, max: 3 }),
          padding: fc.integer({ min: 0, max: 2 }),
        }),
        fc.integer(),
        (p, seed) => {
          fc.pre(p.h + 2 * p.padding >= p.k && p.w + 2 * p.padding >= p.k);
          const conv = {
            kind: 'conv' as const,
            name: 'c',
            outChannels: p.oc,
            kernel: p.k,
            stride: p.stride,
            padding: p.padding,
          };
          const [s0, s1] = stages({
            input: { c: p.c, h: p.h, w: p.w },
            encoding: { kind: 'pixel', maxValue: 1 },
            layers: [conv],
            readout: 'first-spike',
          });
          const outShape = s1!.shape;
          expect(outShape.h).toBe(Math.floor((p.h + 2 * p.padding - p.k) / p.stride) + 1);
          const [tau, weights] = fc.sample(
            fc.tuple(
              fc.array(tauArb, { minLength: s0!.size, maxLength: s0!.size }),
              fc.array(fc.double({ min: -1, max: 1, noNaN: true }), {
                minLength: p.oc * p.c * p.k * p.k,
                maxLength: p.oc * p.c * p.k * p.k,
              }),
            ),
            { numRuns: 1, seed },
          )[0]!;
          const tauIn = Float64Array.from(tau);
          const w = Float32Array.from(weights);
          const got = convAccumulate(tauIn, s0!.shape, conv, w, weightsToAcc(w), outShape);
          // Toeplitz: the weight of input i for output o, zero where i is outside the field or padding
          const nOut = s1!.size;
          const dense = new Float32Array(nOut * s0!.size);
          for (let oc = 0; oc < outShape.c; oc++)
            for (let oy = 0; oy < outShape.h; oy++)
              for (let ox = 0; ox < outShape.w; ox++)
                for (let ic = 0; ic < p.c; ic++)
                  for (let ky = 0; ky < p.k; ky++)
                    for (let kx = 0; kx < p.k; kx++) {
                      const iy = oy * p.stride + ky - p.padding;
                      const ix = ox * p.stride + kx - p.padding;
                      if (iy < 0 || ix < 0 || iy >= p.h || ix >= p.w) continue;
                      const o = (oc * outShape.h + oy) * outShape.w + ox;
                      dense[o * s0!.size + (ic * p.h + iy) * p.w + ix] =
                        w[((oc * p.c + ic) * p.k + ky) * p.k + kx]!;
                    }
          // zero Toeplitz entries must not count toward W: mask them out of the weight sum
          const want = denseAccumulate(tauIn, nOut, dense, weightsToAcc(dense));
          expect(Array.from(got.aAcc)).toEqual(Array.from(want.aAcc));
          expect(Array.from(got.wAcc)).toEqual(Array.from(want.wAcc));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('conv target range', () => {
  it('lists exactly the outputs whose receptive field holds the input position', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 1, max: 12 }),
        (k, stride, padding, inSize) => {
          fc.pre(inSize + 2 * padding >= k);
          const outSize = Math.floor((inSize + 2 * padding - k) / stride) + 1;
          for (let i = 0; i < inSize; i++) {
            const want: number[] = [];
            for (let o = 0; o < outSize; o++)
              if (i >= o * stride - padding && i < o * stride - padding + k) want.push(o);
            const [lo, hi] = convTargetRange(i, k, stride, padding, outSize);
            const got: number[] = [];
            for (let o = lo; o <= hi; o++) got.push(o);
            expect(got).toEqual(want);
          }
        },
      ),
    );
  });
});

describe('max pooling as earliest spike', () => {
  it('each output is the largest tau of its region, silent if the region is silent', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 2, max: 8 }),
        fc.integer({ min: 2, max: 8 }),
        fc.integer(),
        (c, h, w, seed) => {
          const tau = Float64Array.from(
            fc.sample(fc.array(tauArb, { minLength: c * h * w, maxLength: c * h * w }), {
              numRuns: 1,
              seed,
            })[0]!,
          );
          const oh = Math.floor(h / 2);
          const ow = Math.floor(w / 2);
          const out = maxPoolTau(tau, { c, h, w }, 2, 2, { c, h: oh, w: ow });
          // scatter formulation: every input proposes itself to its one region
          const want = new Float64Array(c * oh * ow);
          for (let ch = 0; ch < c; ch++)
            for (let y = 0; y < 2 * oh; y++)
              for (let x = 0; x < 2 * ow; x++) {
                const o = (ch * oh + (y >> 1)) * ow + (x >> 1);
                want[o] = Math.max(want[o]!, tau[(ch * h + y) * w + x]!);
              }
          expect(Array.from(out)).toEqual(Array.from(want));
        },
      ),
    );
  });
});

describe('encoding (Eq. 1)', () => {
  it('pixel: tau = a / a_max, zero silent, saturating', () => {
    expect(encodePixel(0, 255)).toBe(0);
    expect(encodePixel(255, 255)).toBe(1);
    expect(encodePixel(300, 255)).toBe(1);
    expect(encodePixel(51, 255)).toBeCloseTo(0.2, 15);
    expect(Array.from(encodeInput([0, 128, 256], 256, null))).toEqual([0, 0.5, 1]);
  });
  it('quantized: moves the spike to the next step, silent below one step', () => {
    expect(quantizeTau(0.3, 10)).toBe(0.3);
    expect(quantizeTau(0.35, 10)).toBe(0.3);
    expect(quantizeTau(0.05, 10)).toBe(0);
    expect(quantizeTau(1, 10)).toBe(1);
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 64 }),
        (tau, n) => {
          const q = quantizeTau(tau, n);
          expect(q).toBeLessThanOrEqual(tau + 1e-9);
          expect(q).toBeGreaterThan(tau - 1 / n - 1e-9);
          expect(Math.abs(q * n - Math.round(q * n))).toBeLessThan(1e-9);
        },
      ),
    );
  });
  it('direct: clamps the analog value to [0, 1]', () => {
    expect(Array.from(encodeDirect(Float64Array.from([-0.5, 0, 0.25, 1.5]), null))).toEqual([
      0, 0, 0.25, 1,
    ]);
  });
});

describe('weight quantization', () => {
  it('k-bit symmetric per layer: at most 2^(k-1)-1 levels each side, error at most half a step', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 1, maxLength: 50 }),
        fc.integer({ min: 2, max: 8 }),
        (ws, bits) => {
          const w = Float32Array.from(ws);
          const q = quantizeWeights(w, bits);
          const maxAbs = Math.max(...w.map(Math.abs));
          const step = maxAbs / (2 ** (bits - 1) - 1);
          const levels = new Set(Array.from(q, (x) => (step > 0 ? Math.round(x / step) : 0)));
          expect(levels.size).toBeLessThanOrEqual(2 ** bits - 1);
          for (let i = 0; i < w.length; i++)
            expect(Math.abs(q[i]! - w[i]!)).toBeLessThanOrEqual(step / 2 + 1e-6);
        },
      ),
    );
  });

  it("biases: the weights' scale, 2k-bit levels, zero exact, error at most half a step unless clipped", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 1, maxLength: 30 }),
        fc.array(fc.oneof(fc.constant(0), fc.double({ min: -40, max: 40, noNaN: true })), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.integer({ min: 2, max: 8 }),
        (ws, bs, bits) => {
          const w = Float32Array.from(ws);
          const b = Float32Array.from(bs);
          expect(biasBits(bits)).toBe(2 * bits);
          const qMax = 2 ** (2 * bits - 1) - 1;
          const maxAbs = Math.max(...w.map(Math.abs));
          const step =
            maxAbs > 0 ? maxAbs / (2 ** (bits - 1) - 1) : Math.max(...b.map(Math.abs)) / qMax;
          const { bias: q, clipped } = quantizeBias(b, w, bits);
          let over = 0;
          for (let i = 0; i < b.length; i++) {
            if (b[i] === 0) expect(q[i] === 0).toBe(true);
            if (step === 0) {
              expect(q[i] === 0).toBe(true);
              continue;
            }
            const level = Math.round(q[i]! / step);
            expect(Math.abs(level)).toBeLessThanOrEqual(qMax);
            expect(Math.abs(q[i]! - Math.fround(level * step))).toBe(0);
            if (Math.abs(b[i]! / step) >= qMax + 0.5) {
              over++;
              expect(Math.abs(level)).toBe(qMax);
            } else {
              expect(Math.abs(q[i]! - b[i]!)).toBeLessThanOrEqual(step / 2 + 1e-6 * step);
            }
          }
          expect(clipped).toBe(over);
          // quantizeNetwork carries the biases through; weights exactly as before.
          const arch = {
            input: { c: 1, h: 1, w: w.length },
            encoding: { kind: 'pixel' as const, maxValue: 1 },
            layers: [
              { kind: 'flatten' as const, name: 'f' },
              { kind: 'dense' as const, name: 'd', units: 1, bias: true },
            ],
            readout: 'membrane' as const,
          };
          const net = quantizeNetwork(
            { arch, weights: [new Float32Array(0), w], biases: [null, b.subarray(0, 1)] },
            bits,
          );
          expect(net.weights[1]).toEqual(quantizeWeights(w, bits));
          expect(net.biases![1]).toEqual(quantizeBias(b.subarray(0, 1), w, bits).bias);
          expect(net.biases![0]).toBeNull();
        },
      ),
      { seed: 19 },
    );
  });
});
