import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ACC_ONE,
  dftCase,
  dftGradients,
  dftTau,
  dftTauQuantized,
  dftTauReal,
  NeuronCase,
  spikeTime,
  toAcc,
} from '../../src/snn/neuron.js';

/**
 * Brute force of Eq. 2-5: membrane V(t) = sum_i w_i K(t - t_i) with K(x) = max(x, 0) (Eq. 2, 3),
 * threshold theta(t) = (l + 1) - t inside [l, l + 1] (Eq. 5); returns the first grid time in
 * [l, l + 1) with V >= theta, or Infinity.
 */
function bruteSpikeTime(l: number, w: number[], tIn: number[], gridSteps: number): number {
  for (let k = 0; k < gridSteps; k++) {
    const t = l + k / gridSteps;
    let v = 0;
    for (let i = 0; i < w.length; i++) v += w[i]! * Math.max(t - tIn[i]!, 0);
    if (v >= l + 1 - t) return t;
  }
  return Number.POSITIVE_INFINITY;
}

/** Closed form (Eq. 7) through the fixed-point accumulators, as an absolute time. */
function closedFormTime(l: number, w: number[], tau: number[], steps: number | null): number {
  let a = 0;
  let W = 0;
  for (let i = 0; i < w.length; i++) {
    if (tau[i]! > 0) {
      a += toAcc(w[i]! * tau[i]!);
      W += toAcc(w[i]!);
    }
  }
  const t = steps ? dftTauQuantized(a, W, steps) : dftTau(a, W);
  return spikeTime(l, t);
}

// Dyadic values (multiples of 1/64) keep every sum exact in doubles and in the accumulators.
const dyadicWeight = fc.integer({ min: -96, max: 96 }).map((k) => k / 64);
const dyadicTau = fc.integer({ min: 0, max: 64 }).map((k) => k / 64);
const inputs = fc
  .integer({ min: 0, max: 12 })
  .chain((n) =>
    fc.tuple(
      fc.array(dyadicWeight, { minLength: n, maxLength: n }),
      fc.array(dyadicTau, { minLength: n, maxLength: n }),
    ),
  );

describe('DFT neuron (Eq. 7) against brute force of Eq. 2-5', () => {
  it('quantized time equals the first grid step where V >= threshold (power-of-two grids, exact)', () => {
    fc.assert(
      fc.property(
        inputs,
        fc.constantFrom(4, 8, 16, 64, 256),
        fc.integer({ min: 1, max: 5 }),
        ([w, tau], n, l) => {
          const tIn = tau.map((x) => (x > 0 ? l - x : Number.POSITIVE_INFINITY));
          expect(closedFormTime(l, w, tau, n)).toBe(bruteSpikeTime(l, w, tIn, n));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('quantized time equals brute force on a 10-step grid except at exact ties', () => {
    const realW = fc.double({ min: -1.5, max: 1.5, noNaN: true });
    const realTau = fc.oneof(fc.constant(0), fc.double({ min: 1e-3, max: 1, noNaN: true }));
    fc.assert(
      fc.property(fc.array(fc.tuple(realW, realTau), { maxLength: 10 }), (pairs) => {
        const w = pairs.map((p) => p[0]);
        const tau = pairs.map((p) => p[1]);
        const l = 2;
        const tIn = tau.map((x) => (x > 0 ? l - x : Number.POSITIVE_INFINITY));
        const brute = bruteSpikeTime(l, w, tIn, 10);
        const closed = closedFormTime(l, w, tau, 10);
        if (brute !== closed) {
          // Only a tie at a grid point (|V - theta| ~ rounding) may disagree.
          const t = Math.min(brute, closed);
          let v = 0;
          for (let i = 0; i < w.length; i++) v += w[i]! * Math.max(t - tIn[i]!, 0);
          expect(Math.abs(v - (l + 1 - t))).toBeLessThan(1e-9);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('exact time lies within one fine grid step before the brute-force crossing', () => {
    const N = 4096;
    fc.assert(
      fc.property(inputs, ([w, tau]) => {
        const l = 1;
        const tIn = tau.map((x) => (x > 0 ? l - x : Number.POSITIVE_INFINITY));
        const brute = bruteSpikeTime(l, w, tIn, N);
        const exact = closedFormTime(l, w, tau, null);
        if (brute === Number.POSITIVE_INFINITY) {
          // silent, or crossing after the last grid point
          expect(exact === Number.POSITIVE_INFINITY || exact > l + 1 - 1 / N).toBe(true);
        } else {
          expect(exact).toBeLessThanOrEqual(brute);
          expect(exact).toBeGreaterThan(brute - 1 / N - 1e-12);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('DFT neuron cases (SPEC section 2)', () => {
  const acc = (A: number, W: number) => [toAcc(A), toAcc(W)] as const;
  it('start: A >= 1 fires at the window start, even when W < -1', () => {
    expect(dftTau(...acc(1, 0))).toBe(1);
    expect(dftTau(...acc(1.5, -3))).toBe(1);
    expect(dftCase(...acc(1, -2))).toBe(NeuronCase.start);
    expect(dftTauQuantized(...acc(1, -2), 10)).toBe(1);
  });
  it('inside: tau = (A + W) / (1 + W)', () => {
    expect(dftTau(...acc(0.5, 0.5))).toBeCloseTo(1 / 1.5, 15);
    expect(dftCase(...acc(0.25, 0.25))).toBe(NeuronCase.inside);
  });
  it('silent: A + W = 0 (the half-open window), W <= -1 with A < 1, no input', () => {
    expect(dftTau(...acc(0.5, -0.5))).toBe(0);
    expect(dftTau(...acc(0.9, -1))).toBe(0);
    expect(dftTau(...acc(0.9, -2))).toBe(0);
    expect(dftTau(0, 0)).toBe(0);
    expect(dftCase(0, 0)).toBe(NeuronCase.silent);
    expect(dftTauQuantized(0, 0, 10)).toBe(0);
    expect(spikeTime(3, 0)).toBe(Number.POSITIVE_INFINITY);
  });
  it('quantized: rounds the exact time up to the next step; silent at the window end', () => {
    // exact tau = 0.55 -> s = 0.45 -> k = 5 -> tau_q = 0.5
    const [a, w] = [toAcc(0.55), 0];
    expect(dftTau(a, w)).toBeCloseTo(0.55, 9);
    expect(dftTauQuantized(a, w, 10)).toBe(0.5);
    // exact tau = 0.05 -> s = 0.95 -> k = 10 = n -> silent
    expect(dftTauQuantized(toAcc(0.05), 0, 10)).toBe(0);
    // exactly on a step stays there
    expect(dftTauQuantized(toAcc(0.5), 0, 10)).toBe(0.5);
  });
  it('matches the real-valued closed form within the accumulator resolution', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -3, max: 3, noNaN: true }),
        fc.double({ min: -3, max: 3, noNaN: true }),
        (A, W) => {
          const fixed = dftTau(toAcc(A), toAcc(W));
          const real = dftTauReal(A, W);
          if (Math.abs(A + W) > 1e-6 && Math.abs(A - 1) > 1e-6 && Math.abs(1 + W) > 1e-3) {
            expect(Math.abs(fixed - real)).toBeLessThan(1e-6);
          }
        },
      ),
    );
    expect(ACC_ONE).toBe(2 ** 32);
  });
});

describe('analytic gradients (Eq. 9, 10) against finite differences', () => {
  it('d tau / d w and d tau / d tau_in match central differences in the inside case', () => {
    const h = 1e-6;
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.double({ min: -1, max: 1, noNaN: true }),
            fc.double({ min: 0.05, max: 1, noNaN: true }),
          ),
          {
            minLength: 1,
            maxLength: 8,
          },
        ),
        fc.nat(),
        (pairs, pick) => {
          const j = pick % pairs.length;
          const tauOf = (ps: [number, number][]) => {
            let A = 0;
            let W = 0;
            for (const [w, t] of ps) {
              A += w * t;
              W += w;
            }
            return { A, W, tau: dftTauReal(A, W) };
          };
          const base = tauOf(pairs);
          // stay away from case boundaries
          fc.pre(base.A < 1 - 1e-3 && base.A + base.W > 1e-3 && 1 + base.W > 1e-2);
          const bump = (dw: number, dt: number) =>
            tauOf(
              pairs.map(([w, t], i) => (i === j ? [w + dw, t + dt] : [w, t]) as [number, number]),
            ).tau;
          const fdW = (bump(h, 0) - bump(-h, 0)) / (2 * h);
          const fdT = (bump(0, h) - bump(0, -h)) / (2 * h);
          const g = dftGradients(base.A, base.W, pairs[j]![1], pairs[j]![0]);
          expect(g.dTauDw).toBeCloseTo(fdW, 4);
          expect(g.dTauDTauIn).toBeCloseTo(fdT, 4);
        },
      ),
      { numRuns: 500 },
    );
  });
  it('start and silent cases pass no gradient', () => {
    expect(dftGradients(1.2, 0.3, 0.5, 0.3)).toEqual({ dTauDw: 0, dTauDTauIn: 0 });
    expect(dftGradients(0.2, -0.5, 0.5, -0.5)).toEqual({ dTauDw: 0, dTauDTauIn: 0 });
  });
});
