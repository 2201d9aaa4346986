import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stages } from '../../src/snn/network.js';
import { quantizeNetwork } from '../../src/snn/quantize.js';
import { prepareNetwork, referenceBatch, referenceForward } from '../../src/snn/reference.js';
import { ExactForward, roundHalfUp } from '../../src/train/exact.js';
import { measureExact } from '../../src/train/measure.js';
import { networkAndInputArb } from '../snn/arb.js';

describe('fast exact forward pass (measurement)', () => {
  it('roundHalfUp equals Math.round on ties, edges and random products w * tau * 2^32', () => {
    const edges = [0.49999999999999994, -0.49999999999999994, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5];
    for (const x of edges) expect(roundHalfUp(x) + 0).toBe(Math.round(x) + 0);
    fc.assert(
      fc.property(
        fc.float({ min: -4, max: 4, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
        (w, tau, k) => {
          const x = Math.fround(w) * tau * 2 ** 32;
          expect(roundHalfUp(x) + 0).toBe(Math.round(x) + 0);
          expect(roundHalfUp(k + 0.5) + 0).toBe(Math.round(k + 0.5) + 0);
          expect(roundHalfUp(k / 1024) + 0).toBe(Math.round(k / 1024) + 0);
        },
      ),
      { numRuns: 20000, seed: 3 },
    );
  });

  it('equals referenceForward bit for bit: decision and spikes, any time mode and precision', () => {
    fc.assert(
      fc.property(
        networkAndInputArb({ encoding: 'any', maxLayers: 3 }),
        fc.constantFrom(null, 4, 10),
        fc.constantFrom(null, 4),
        ({ net, input }, steps, bits) => {
          const q = quantizeNetwork(net, bits);
          const ref = referenceForward(prepareNetwork(q), input, { stepsPerWindow: steps });
          const mine = new ExactForward(q, steps).frame(input);
          expect(mine.decision).toBe(ref.decision);
          expect(mine.spikes).toBe(ref.weightedSpikes);
        },
      ),
      { numRuns: 150, seed: 77 },
    );
  });

  it('measureExact over worker threads equals referenceBatch', async () => {
    const sample = fc.sample(networkAndInputArb({ encoding: 'pixel', maxLayers: 2 }), {
      numRuns: 1,
      seed: 5,
    })[0]!;
    const { net } = sample;
    const size = sample.input.length;
    const outputs = stages(net.arch).at(-1)!.size;
    const frames = 24;
    const images = new Float32Array(frames * size);
    for (let f = 0; f < frames; f++)
      for (let i = 0; i < size; i++) images[f * size + i] = (sample.input[i]! * (f + 3)) % 256;
    const labels = Uint8Array.from({ length: frames }, (_, f) => f % outputs);
    const ref = referenceBatch(prepareNetwork(net), images, labels, frames);
    const got = await measureExact(net, images, labels, frames, { workers: 2 });
    expect(got.correct).toBe(ref.correct);
    expect(got.sparsity).toBeCloseTo(ref.sparsity, 12);
  });
});
