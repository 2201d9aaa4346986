import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { channelLoads, destinationWeights } from '../../../src/hardware/noc/channelLoad.js';
import {
  PORT_E,
  PORT_N,
  PORT_S,
  PORT_W,
  westFirstRoute,
  xyRoute,
  yxRoute,
} from '../../../src/hardware/noc/routing.js';
import {
  destinationFn,
  TRAFFIC_PATTERNS,
  uniformAverageHops,
} from '../../../src/hardware/noc/traffic.js';
import { createRng } from '../../../src/kernel/rng.js';

describe('channel loads and throughput bounds (Dally and Towles, ch. 3.3.1)', () => {
  it('XY on a k x k mesh: uniform traffic loads the bisection links with k/4 (bound 4/k), bit-complement with k/2', () => {
    for (const k of [2, 4, 6, 8, 10]) {
      const uniform = channelLoads(xyRoute, 'uniform', k, k);
      expect(Math.max(...uniform.linkLoad)).toBeCloseTo(k / 4, 12);
      // Below k = 4 the injection channel (load 1) is the busier one.
      expect(uniform.throughputBound).toBeCloseTo(Math.min(1, 4 / k), 12);
      const complement = channelLoads(xyRoute, 'bit-complement', k, k);
      expect(Math.max(...complement.linkLoad)).toBeCloseTo(k / 2, 12);
    }
    // Nearest-neighbour traffic crosses one link per flit: an edge node's single neighbour
    // sends it a quarter or a third of its own traffic; no link carries more than 1/2.
    const nn = channelLoads(xyRoute, 'nearest-neighbour', 8, 8);
    expect(Math.max(...nn.linkLoad)).toBeCloseTo(1 / 2, 12);
    // The inner node diagonal to a corner hears from two edge nodes (1/3 of theirs each) and two
    // inner ones (1/4): its ejection channel is the busiest.
    expect(nn.maxLoad).toBeCloseTo(2 / 3 + 2 / 4, 12);
    expect(nn.ejectionBound).toBe(true);
    // Hotspot: the hot node ejects 20% of everyone's traffic plus its uniform share.
    const hot = channelLoads(xyRoute, 'hotspot', 8, 8);
    expect(hot.maxLoad).toBeCloseTo(64 * (0.2 + 0.8 / 64), 10);
    expect(hot.ejectionBound).toBe(true);
  });

  it('mean hops are the textbook figure and the loads add up to them (flit-hops per cycle per node)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 7 }),
        fc.constantFrom(xyRoute, yxRoute, westFirstRoute),
        fc.constantFrom(...TRAFFIC_PATTERNS.filter((p) => p !== 'transpose')),
        fc.constantFrom<'split' | number[]>('split', [PORT_E, PORT_N, PORT_S, PORT_W]),
        (w, h, route, pattern, order) => {
          const c = channelLoads(route, pattern, w, h, order);
          const sum = c.linkLoad.reduce((a, b) => a + b, 0);
          expect(sum / (w * h)).toBeCloseTo(c.meanHops, 10);
          if (pattern === 'uniform') expect(c.meanHops).toBeCloseTo(uniformAverageHops(w, h), 10);
          expect(c.throughputBound).toBeCloseTo(1 / c.maxLoad, 12);
          expect(c.ejectionLoad.reduce((a, b) => a + b, 0)).toBeCloseTo(w * h, 10);
          expect(c.maxLoad).toBeGreaterThanOrEqual(1);
        },
      ),
      { seed: 31, numRuns: 80 },
    );
  });

  it('west-first at zero load (ties to E) keeps XY routes; ties to the lowest port mix XY and YX and halve the bound', () => {
    for (const pattern of TRAFFIC_PATTERNS) {
      const xy = channelLoads(xyRoute, pattern, 8, 8);
      const wf = channelLoads(westFirstRoute, pattern, 8, 8);
      expect([...wf.linkLoad]).toEqual([...xy.linkLoad]);
    }
    const lowestFirst = [PORT_N, PORT_E, PORT_S, PORT_W];
    expect(channelLoads(westFirstRoute, 'uniform', 8, 8, lowestFirst).maxLoad).toBeCloseTo(
      3.75,
      12,
    );
    expect(channelLoads(westFirstRoute, 'bit-complement', 8, 8, lowestFirst).maxLoad).toBeCloseTo(
      8,
      12,
    );
  });

  it('destination weights are the distribution the traffic generator samples', () => {
    const w = 5;
    const h = 4;
    const samples = 20_000;
    for (const pattern of TRAFFIC_PATTERNS.filter((p) => p !== 'transpose')) {
      const pick = destinationFn(pattern, w, h);
      const rng = createRng(`weights-${pattern}`);
      for (const src of [0, 7, 19]) {
        const weights = destinationWeights(pattern, src, w, h);
        expect(weights.reduce((a, [, p]) => a + p, 0)).toBeCloseTo(1, 12);
        const counts = new Map<number, number>();
        for (let i = 0; i < samples; i++) {
          const d = pick(src, rng);
          counts.set(d, (counts.get(d) ?? 0) + 1);
        }
        const want = new Map<number, number>();
        for (const [d, p] of weights) want.set(d, (want.get(d) ?? 0) + p);
        for (const d of counts.keys()) expect(want.has(d)).toBe(true);
        for (const [d, p] of want) {
          const sigma = Math.sqrt((p * (1 - p)) / samples);
          expect(Math.abs((counts.get(d) ?? 0) / samples - p)).toBeLessThan(5 * sigma + 1e-12);
        }
      }
    }
    const t = destinationFn('transpose', 6, 6);
    for (let src = 0; src < 36; src++)
      expect(destinationWeights('transpose', src, 6, 6)).toEqual([[t(src, createRng(1)), 1]]);
  });
});
