import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { activate, activationBackward } from '../../src/train/activation.js';
import { Arena, type Buf } from '../../src/train/wasm/kernels.js';

/**
 * The DFT neuron's backward pass with `--dft-grad-floor d`: the denominator `1 + W` of Eq. 9-10
 * becomes `max(1 + W, d)`. Checked lane by lane (the SIMD body and the scalar tail) against the
 * formula, with d = 0 the exact gradient.
 */
describe('DFT gradient floor', () => {
  const rows = 3;
  const C = 7; // 4 SIMD lanes + 3 scalar ones per row
  const ld = 8;
  const arena = new Arena();
  const bufs: Record<string, Buf> = {};
  for (const [name, n] of [
    ['y', 2 * rows * ld],
    ['out', rows * C],
    ['g', rows * C],
    ['gy', 2 * rows * ld],
  ] as const) {
    arena.reserve(n, (b) => {
      bufs[name] = b;
    });
  }
  const k = arena.commit();
  const { y, out, g, gy } = bufs as Record<'y' | 'out' | 'g' | 'gy', Buf>;
  const sh = { rows, channels: C, ld, dual: true };

  const sample = fc.record({
    a: fc.array(fc.float({ min: -3, max: 2, noNaN: true }), {
      minLength: rows * C,
      maxLength: rows * C,
    }),
    w: fc.array(fc.float({ min: -3, max: 3, noNaN: true }), {
      minLength: rows * C,
      maxLength: rows * C,
    }),
    g: fc.array(fc.float({ min: -2, max: 2, noNaN: true }), {
      minLength: rows * C,
      maxLength: rows * C,
    }),
    floor: fc.oneof(fc.constant(0), fc.float({ min: Math.fround(0.01), max: 1, noNaN: true })),
  });

  it('divides by max(1 + W, floor) inside, passes nothing elsewhere, never NaN', () => {
    fc.assert(
      fc.property(sample, ({ a, w, g: gv, floor }) => {
        for (let r = 0; r < rows; r++) {
          for (let c = 0; c < C; c++) {
            y.f32[r * ld + c] = a[r * C + c]!;
            y.f32[rows * ld + r * ld + c] = w[r * C + c]!;
            g.f32[r * C + c] = gv[r * C + c]!;
          }
        }
        activate(k, 'dft', y, out, sh);
        activationBackward(k, 'dft', g, y, out, gy, sh, 0, floor);
        for (let r = 0; r < rows; r++) {
          for (let c = 0; c < C; c++) {
            const A = Math.fround(a[r * C + c]!);
            const W = Math.fround(w[r * C + c]!);
            const tau = out.f32[r * C + c]!;
            const gA = gy.f32[r * ld + c]!;
            const gW = gy.f32[rows * ld + r * ld + c]!;
            expect(Number.isNaN(gA) || Number.isNaN(gW)).toBe(false);
            const inside = A < 1 && Math.fround(A + W) > 0;
            if (!inside) {
              expect(gA).toBe(0);
              expect(gW).toBe(0);
              continue;
            }
            const d = Math.max(Math.fround(1 + W), floor);
            const want = gv[r * C + c]! / d;
            expect(gA).toBeCloseTo(want, 4);
            expect(gW).toBeCloseTo(want * (1 - tau), 4);
            if (floor > 0)
              expect(Math.abs(gA)).toBeLessThanOrEqual(Math.abs(gv[r * C + c]!) / floor + 1e-6);
          }
        }
      }),
      { numRuns: 200, seed: 20261207 },
    );
  });
});
