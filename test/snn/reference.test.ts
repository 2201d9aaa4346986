import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { convAnalog } from '../../src/snn/layers.js';
import { layerBias, type Network, stages } from '../../src/snn/network.js';
import { prepareNetwork, referenceBatch, referenceForward } from '../../src/snn/reference.js';
import { networkAndInputArb } from '../../src/testing/index.js';

/**
 * An independent oracle: the whole network simulated literally in time on a grid of `n` steps
 * per window. Each neuron evaluates its membrane V(t) = sum_i w_i max(t - t_i, 0) (Eq. 2, 3)
 * against the threshold (l + 1) - t (Eq. 5) at t = l + k/n and fires at the first k with
 * V >= threshold. Pooling takes the earliest input time. No closed form, no accumulators.
 * A bias `b` is what SPEC section 3 says it is: one more synapse of weight `b` whose input
 * spikes at the start of the input window (`t_i = l - 1`); the host conv adds `b` to its sum.
 * With dyadic weights and inputs and a power-of-two n every quantity is exact in doubles.
 */
function timeSteppedNetwork(
  net: Network,
  input: Float32Array,
  n: number,
): { times: Float64Array[]; membrane: Float64Array } {
  const st = stages(net.arch);
  const times: Float64Array[] = [];
  const enc = net.arch.encoding;
  let start = 1;
  const encodeTime = (tau: number) => {
    // the first grid step at or after t = 1 - tau, inside window 0
    for (let k = 0; k < n; k++) if (k / n >= 1 - tau) return k / n;
    return Number.POSITIVE_INFINITY;
  };
  if (enc.kind === 'pixel') {
    times.push(
      Float64Array.from(input, (a) =>
        a > 0 ? encodeTime(Math.min(a / enc.maxValue, 1)) : Number.POSITIVE_INFINITY,
      ),
    );
  } else {
    const layer = net.arch.layers[0]!;
    if (layer.kind !== 'conv') throw new Error('direct needs conv');
    times.push(Float64Array.from(input));
    const analog = convAnalog(input, st[0]!.shape, layer, net.weights[0]!, st[1]!.shape);
    const b0 = layerBias(net, 0);
    const plane0 = st[1]!.shape.h * st[1]!.shape.w;
    if (b0) for (let i = 0; i < analog.length; i++) analog[i]! += b0[Math.floor(i / plane0)]!;
    times.push(
      Float64Array.from(analog, (x) =>
        x > 0 ? encodeTime(Math.min(x, 1)) : Number.POSITIVE_INFINITY,
      ),
    );
    start = 2;
  }
  let membrane = new Float64Array(0);
  for (let s = start; s < st.length; s++) {
    const layer = net.arch.layers[s - 1]!;
    const inS = st[s - 1]!.shape;
    const outS = st[s]!.shape;
    const tin = times[s - 1]!;
    const out = new Float64Array(st[s]!.size).fill(Number.POSITIVE_INFINITY);
    if (layer.kind === 'flatten') {
      out.set(tin);
    } else if (layer.kind === 'pool') {
      for (let c = 0; c < outS.c; c++)
        for (let y = 0; y < outS.h; y++)
          for (let x = 0; x < outS.w; x++) {
            let best = Number.POSITIVE_INFINITY;
            for (let py = 0; py < layer.size; py++)
              for (let px = 0; px < layer.size; px++)
                best = Math.min(
                  best,
                  tin[(c * inS.h + y * layer.stride + py) * inS.w + x * layer.stride + px]!,
                );
            out[(c * outS.h + y) * outS.w + x] = best;
          }
    } else {
      // list (weight, input time) pairs per output neuron, by brute force over the input
      const W = net.weights[s - 1]!;
      const l = st[s]!.window;
      const isOut = s === st.length - 1;
      if (isOut) membrane = new Float64Array(out.length);
      for (let o = 0; o < out.length; o++) {
        const syn: [number, number][] = [];
        if (layer.kind === 'dense') {
          for (let i = 0; i < tin.length; i++) syn.push([W[o * tin.length + i]!, tin[i]!]);
        } else {
          const oc = Math.floor(o / (outS.h * outS.w));
          const oy = Math.floor(o / outS.w) % outS.h;
          const ox = o % outS.w;
          for (let ic = 0; ic < inS.c; ic++)
            for (let ky = 0; ky < layer.kernel; ky++)
              for (let kx = 0; kx < layer.kernel; kx++) {
                const iy = oy * layer.stride + ky - layer.padding;
                const ix = ox * layer.stride + kx - layer.padding;
                if (iy < 0 || ix < 0 || iy >= inS.h || ix >= inS.w) continue;
                syn.push([
                  W[((oc * inS.c + ic) * layer.kernel + ky) * layer.kernel + kx]!,
                  tin[(ic * inS.h + iy) * inS.w + ix]!,
                ]);
              }
        }
        const bias = layerBias(net, s - 1);
        if (bias) syn.push([bias[Math.floor(o / (outS.h * outS.w))]!, l - 1]);
        const V = (t: number) => syn.reduce((v, [w, ti]) => v + w * Math.max(t - ti, 0), 0);
        if (isOut) membrane[o] = V(l + 1);
        if (isOut && net.arch.readout === 'membrane') continue;
        for (let k = 0; k < n; k++) {
          const t = l + k / n;
          if (V(t) >= l + 1 - t) {
            out[o] = t;
            break;
          }
        }
      }
    }
    times.push(out);
  }
  return { times, membrane };
}

describe('dense reference forward pass', () => {
  it('equals a literal time-stepped simulation of Eq. 2-5, every spike of every layer, biases as input spikes (n = 16, dyadic)', () => {
    fc.assert(
      fc.property(
        networkAndInputArb({ dyadic: true, encoding: 'any', bias: true }),
        ({ net, input }) => {
          const n = 16;
          const prep = prepareNetwork(net);
          const ref = referenceForward(prep, input, { stepsPerWindow: n });
          const brute = timeSteppedNetwork(net, input, n);
          const st = prep.stages;
          const first = net.arch.encoding.kind === 'direct' ? 1 : 0;
          for (let s = first; s < st.length; s++) {
            const l = st[s]!.window;
            const refTimes = Array.from(ref.tau[s]!, (tau) =>
              tau > 0 ? l + 1 - tau : Number.POSITIVE_INFINITY,
            );
            expect(refTimes).toEqual(Array.from(brute.times[s]!));
          }
          expect(Array.from(ref.outputMembrane)).toEqual(Array.from(brute.membrane));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('decides by the first output spike (ties to the lower index) or by the largest membrane', () => {
    fc.assert(
      fc.property(networkAndInputArb({ encoding: 'any' }), ({ net, input }) => {
        const prep = prepareNetwork(net);
        const r = referenceForward(prep, input);
        const out = r.tau[r.tau.length - 1]!;
        if (net.arch.readout === 'first-spike') {
          const best = Math.max(...out);
          expect(r.decision).toBe(best > 0 ? out.indexOf(best) : -1);
        } else {
          expect(Array.from(out).every((t) => t === 0)).toBe(true);
          expect(r.decision).toBe(r.outputMembrane.indexOf(Math.max(...r.outputMembrane)));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('counts sparsity as spikes of weighted layers over the paper neuron count', () => {
    fc.assert(
      fc.property(networkAndInputArb({ encoding: 'any' }), ({ net, input }) => {
        const prep = prepareNetwork(net);
        const r = referenceForward(prep, input);
        let spikes = 0;
        prep.stages.forEach((s, i) => {
          if (s.weighted) spikes += Array.from(r.tau[i]!).filter((t) => t > 0).length;
        });
        expect(r.weightedSpikes).toBe(spikes);
        expect(r.sparsity).toBeCloseTo(spikes / prep.neurons, 12);
      }),
      { numRuns: 100 },
    );
  });

  it('summarizes a batch', () => {
    fc.assert(
      fc.property(networkAndInputArb({ encoding: 'pixel' }), ({ net, input }) => {
        const prep = prepareNetwork(net);
        const inputs = new Float32Array(input.length * 3);
        inputs.set(input, 0);
        inputs.set(input, input.length);
        inputs.set(input, 2 * input.length);
        const one = referenceForward(prep, input);
        const b = referenceBatch(prep, inputs, [one.decision, one.decision, 0], 3);
        expect(Array.from(b.decisions)).toEqual([one.decision, one.decision, one.decision]);
        expect(b.correct).toBe(2 + (one.decision === 0 ? 1 : 0));
        expect(b.sparsity).toBeCloseTo(one.sparsity, 12);
      }),
      { numRuns: 50 },
    );
  });
});
