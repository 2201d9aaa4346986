import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stageDelays } from '../../../src/hardware/noc/detailed.js';
import { xyHops } from '../../../src/hardware/noc/network.js';
import { nocSchema } from '../../../src/hardware/noc/params.js';
import { runSynthetic } from '../../../src/hardware/noc/synthetic.js';
import { uniformAverageHops } from '../../../src/hardware/noc/traffic.js';
import { runDetailed } from './helpers.js';

const stages = fc.record({
  rc: fc.integer({ min: 0, max: 2 }),
  va: fc.integer({ min: 0, max: 2 }),
  sa: fc.integer({ min: 0, max: 2 }),
  xb: fc.integer({ min: 0, max: 2 }),
  link: fc.integer({ min: 1, max: 3 }),
  credit: fc.integer({ min: 0, max: 2 }),
});

describe('textbook checks', () => {
  it('zero-load latency = (H+1)(rc+va+sa+xb) + H link + (F-1) t_flit, in both timing styles', () => {
    fc.assert(
      fc.property(
        stages,
        fc.constantFrom('clocked', 'async'),
        fc.nat(15),
        fc.nat(15),
        fc.integer({ min: 1, max: 6 }),
        (g, timing, src, dst, flits) => {
          const clockNs = 2;
          // Deep buffers (beyond the credit round trip): serialization is the only extra term.
          const params = nocSchema.parse({
            timing,
            bufferDepthFlits: 32,
            clocked: {
              clockNs,
              routeCycles: g.rc,
              vcAllocCycles: g.va,
              switchAllocCycles: g.sa,
              crossbarCycles: g.xb,
              linkCycles: g.link,
              creditCycles: g.credit,
            },
            async: {
              routeNs: g.rc / 2,
              vcAllocNs: g.va / 2,
              switchAllocNs: g.sa / 2,
              crossbarNs: g.xb / 2,
              linkNs: g.link / 2,
              creditNs: g.credit / 2,
            },
          });
          const st = stageDelays(params);
          const H = xyHops(src, dst, 4);
          const tFlit = timing === 'clocked' ? 1 : st.sa + st.xb;
          const unit = timing === 'clocked' ? clockNs : 1;
          const want =
            ((H + 1) * (st.rcva + st.sa + st.xb) + H * st.link + (flits - 1) * tFlit) * unit;
          const run = runDetailed(
            4,
            4,
            params,
            [{ id: 0, src, dsts: [dst], flits, cycle: 3 }],
            clockNs,
          );
          expect(run.deliveries).toHaveLength(1);
          expect(run.deliveries[0].time - 3 * clockNs).toBeCloseTo(want, 9);
          // The stats split it: all zero-load, no congestion part.
          expect(run.stats.zeroLoadLatencySum).toBeCloseTo(want, 9);
        },
      ),
      { seed: 11, numRuns: 200 },
    );
  });

  it('the zero-load part equals the latency of a lone packet even when credits throttle it', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('clocked', 'async'),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 12 }),
        (timing, depth, flits) => {
          const params = nocSchema.parse({ timing, bufferDepthFlits: depth });
          const run = runDetailed(
            4,
            4,
            params,
            [{ id: 0, src: 0, dsts: [15], flits, cycle: 0 }],
            1,
          );
          expect(run.stats.zeroLoadLatencySum).toBeCloseTo(run.stats.latencySum, 9);
        },
      ),
      { seed: 12, numRuns: 60 },
    );
  });

  it('average hops of uniform random traffic on k x k meshes match (k^2-1)/(3k) per dimension', () => {
    for (const k of [3, 4, 8]) {
      const r = runSynthetic({
        meshWidth: k,
        meshHeight: k,
        params: nocSchema.parse({ timing: 'clocked' }),
        pattern: 'uniform',
        rate: 0.05,
        packetFlits: 1,
        warmupCycles: 100,
        measureCycles: 3000,
        seed: k,
      });
      const want = uniformAverageHops(k, k);
      // Standard error of the mean hop count is about 0.02 here; allow 4 sigma-ish.
      expect(Math.abs(r.avgHops! - want)).toBeLessThan(0.08 + 0.01 * want);
      expect(r.undrained).toBe(false);
      expect(r.pastSaturation).toBe(false);
    }
  });

  it('the latency curve rises with load and throughput saturates (4x4, uniform, XY)', () => {
    for (const timing of ['clocked', 'async'] as const) {
      const points = [0.05, 0.3, 0.9].map((rate) =>
        runSynthetic({
          meshWidth: 4,
          meshHeight: 4,
          params: nocSchema.parse({ timing }),
          pattern: 'uniform',
          rate,
          packetFlits: 1,
          warmupCycles: 300,
          measureCycles: 1500,
          seed: 5,
          drainCycles: 3000,
        }),
      );
      const [low, mid, high] = points;
      expect(Math.abs(low.acceptedFlitRate - 0.05)).toBeLessThan(0.01); // below saturation: accepted = offered
      expect(low.avgPacketLatency!).toBeLessThan(low.avgZeroLoadLatency! * 1.3);
      expect(mid.avgPacketLatency!).toBeGreaterThan(low.avgPacketLatency!);
      expect(high.avgPacketLatency!).toBeGreaterThan(3 * mid.avgPacketLatency!);
      expect(high.acceptedFlitRate).toBeLessThan(0.8); // saturated: accepted < offered
      expect(high.acceptedFlitRate).toBeGreaterThan(mid.acceptedFlitRate * 0.9);
    }
  });
});
