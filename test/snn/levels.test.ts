import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LevelNeuron } from '../../src/snn/levels.js';
import { quantizeLayer, roundHalfEven, tickBitsFor } from '../../src/snn/quantize.js';

/** `s` as `num / den` exactly (den a power of two), apart from src/. */
function exact(x: number): { num: bigint; den: bigint } {
  let k = 0n;
  let v = x;
  while (!Number.isInteger(v)) {
    v *= 2;
    k++;
  }
  return { num: BigInt(v), den: 1n << k };
}

/** Eq. 7 on the integers in BigInt (levels.ts's table), exact time: tau * G, or 0. */
function tickOracle(s: number, G: number, a: number, w: number): number {
  const { num, den } = exact(s);
  const g = BigInt(G);
  const A = BigInt(a);
  const Wt = BigInt(w);
  if (num * A >= den * g) return G; // A >= 1
  if (!(A + Wt > 0n)) return 0;
  // T = floor(G s (a + w) / (G + s w))
  return Number((g * num * (A + Wt)) / (g * den + num * Wt));
}

describe('LevelNeuron: exact comparisons with the scale', () => {
  it('s L >= R decided on the exact binary value of s, not on the rounded product', () => {
    // fl(0.1) > 1/10, fl(0.3) < 3/10: the double products 0.1 * 10 and 0.3 * 10 round to 1 and 3
    expect(0.1 * 10).toBe(1);
    expect(new LevelNeuron(0.1, 2 ** 32, null).compare(10, 1)).toBe(1);
    expect(new LevelNeuron(0.3, 2 ** 32, null).compare(10, 3)).toBe(-1);
    expect(new LevelNeuron(0.25, 2 ** 32, null).compare(8, 2)).toBe(0);
  });

  it('the start case at A = 1 exactly, and one unit below it', () => {
    const G = 2 ** 32;
    const n = new LevelNeuron(0.25, G, null);
    expect(n.tau(4 * G, -3 * G)).toBe(1); // A = 1: start, whatever W
    expect(n.tau(4 * G - 1, 0)).toBeLessThan(1);
    expect(n.tau(4 * G - 1, 0)).toBeGreaterThan(0.99);
  });

  it('levels that cancel (a + w = 0) are silent whatever the scale; any positive sum fires in exact time', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-4, max: 2, noNaN: true }),
        fc.integer({ min: 0, max: 2 ** 20 }),
        (s, a) => {
          const n = new LevelNeuron(s, 2 ** 32, null);
          if (s * a < 2 ** 32) {
            expect(n.tau(a, -a)).toBe(0);
            // one tick above cancelling: the spike lands in the last ticks, or is floored to 0
            expect(n.tau(a, 1 - a)).toBeLessThan(1e-6);
          }
        },
      ),
      { seed: 141 },
    );
  });

  it('the tick equals the BigInt floor, also next to tick boundaries (where doubles cannot tell)', () => {
    const G = 2 ** 32;
    fc.assert(
      fc.property(
        fc.double({ min: 1e-3, max: 1, noNaN: true }),
        fc.integer({ min: -2000, max: 2000 }),
        fc.integer({ min: 1, max: G - 1 }),
        fc.integer({ min: -3, max: 3 }),
        (s, wLevels, T, nudge) => {
          const w = wLevels * G;
          // N near the value that makes G s N / (G + s w) exactly T
          const D = G + s * w;
          if (!(D > 0)) return;
          const N = Math.round((T * D) / (G * s)) + nudge;
          const a = N - w;
          if (N <= 0 || Math.abs(a) >= 2 ** 52) return;
          const neuron = new LevelNeuron(s, G, null);
          expect(neuron.tau(a, w) * G).toBe(tickOracle(s, G, a, w));
        },
      ),
      { numRuns: 3000, seed: 142 },
    );
  });

  it('quantized time: the first step k with s (w k + a n) >= n (n - k), every k tried in BigInt', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-3, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: -3000, max: 3000 }),
        fc.integer({ min: -3000, max: 3000 }),
        (s, n, aRaw, wLevels) => {
          const a = aRaw; // units of s / n: inputs tau = m / n
          const w = wLevels * n;
          const { num, den } = exact(s);
          const N = BigInt(n);
          let want = 0;
          if (num * BigInt(a) >= den * N) want = 1;
          else if (a + w > 0) {
            for (let k = 1; k < n; k++) {
              const L = BigInt(w) * BigInt(k) + BigInt(a) * N;
              if (num * L >= den * N * BigInt(n - k)) {
                want = (n - k) / n;
                break;
              }
            }
          }
          expect(new LevelNeuron(s, n, n).tau(a, w)).toBe(want);
        },
      ),
      { numRuns: 2000, seed: 143 },
    );
  });
});

describe('quantization', () => {
  it('ties at .5 round to the even level, symmetrically (weights and biases)', () => {
    expect([2.5, -2.5, 3.5, -3.5, 0.5, -0.5, 1.5].map(roundHalfEven)).toEqual([
      2, -2, 4, -4, 0, 0, 2,
    ]);
    // scale = 7 / 7 = 1: w / s is the weight itself
    const w = Float32Array.from([7, 2.5, -2.5, 3.5, -3.5, 0.5, 2.4999998]);
    const l = quantizeLayer(w, Float32Array.from([10.5, -10.5, 11.5]), 4);
    expect(l.scale).toBe(1);
    expect(Array.from(l.weights)).toEqual([7, 2, -2, 4, -4, 0, 2]);
    expect(Array.from(l.bias!)).toEqual([10, -10, 12]);
  });

  it('tick bits: 32 while every accumulator stays below 2^53, fewer beyond', () => {
    expect(tickBitsFor(7 * 4608)).toBe(32);
    expect(tickBitsFor(2 ** 19)).toBe(32);
    expect(tickBitsFor(2 ** 20)).toBe(31);
    const b = tickBitsFor(32767 * 4608);
    expect(2 * 32767 * 4608 * 2 ** b).toBeLessThan(2 ** 53);
    expect(2 * 32767 * 4608 * 2 ** (b + 1)).toBeGreaterThanOrEqual(2 ** 53);
  });
});
