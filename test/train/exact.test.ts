import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stages } from '../../src/snn/network.js';
import { quantizeNetwork } from '../../src/snn/quantize.js';
import { prepareNetwork, referenceBatch, referenceForward } from '../../src/snn/reference.js';
import { networkAndInputArb } from '../../src/testing/index.js';
import { ExactForward } from '../../src/train/exact.js';
import { measureExact } from '../../src/train/measure.js';

describe('fast exact forward pass (measurement)', () => {
  it('rounds like the reference on exact ties (weights and biases with a 2^-33 bit: ties to even)', () => {
    // tie * 2^32 = k + 0.5: toAcc rounds it to the even k, Math.round would give k + 1, which is
    // what `above` (exactly k + 1 units) gives. The membrane readout then decides on that unit.
    const tie = Math.fround(2 ** -10 + 2 ** -33);
    const above = Math.fround(2 ** -10 + 2 ** -32);
    expect(tie * 2 ** 32 - Math.floor(tie * 2 ** 32)).toBe(0.5);
    const arch = {
      input: { c: 1, h: 1, w: 2 },
      encoding: { kind: 'pixel' as const, maxValue: 1 },
      layers: [
        { kind: 'flatten' as const, name: 'flatten' },
        { kind: 'dense' as const, name: 'fc1', units: 2, bias: true },
      ],
      readout: 'membrane' as const,
    };
    const input = Float32Array.from([1, 1]);
    for (const [weights, biases] of [
      [
        [tie, 0, 0, above],
        [0, 0],
      ],
      [
        [0, 0, 0, 0],
        [tie, above],
      ],
    ]) {
      const net = {
        arch,
        weights: [new Float32Array(0), Float32Array.from(weights!)],
        biases: [null, Float32Array.from(biases!)],
      };
      const ref = referenceForward(prepareNetwork(net), input);
      expect(ref.decision).toBe(1); // V_1 - V_0 = 2 units of 2^-32
      expect(new ExactForward(net, null).frame(input).decision).toBe(ref.decision);
    }
  });

  it('equals referenceForward bit for bit: decision and spikes, any time mode and precision, with and without biases', () => {
    fc.assert(
      fc.property(
        networkAndInputArb({ encoding: 'any', maxLayers: 3, bias: true }),
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

  it('measureExact over worker threads equals referenceBatch (a network with biases)', async () => {
    const sample = fc
      .sample(networkAndInputArb({ encoding: 'pixel', maxLayers: 2, bias: true }), {
        numRuns: 20,
        seed: 5,
      })
      .find((s) => s.net.biases!.some((b) => b?.some((x) => x !== 0)))!;
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
