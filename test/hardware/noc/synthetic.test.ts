import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nocSchema } from '../../../src/hardware/noc/params.js';
import { runSynthetic, sweepCsv } from '../../../src/hardware/noc/synthetic.js';
import { runNoc } from './runNoc.js';

/** Issue 14, part 4: `ttfsim noc` edge cases. */

const clocked = nocSchema.parse({ timing: 'clocked' });
const base = {
  meshWidth: 4,
  meshHeight: 4,
  params: clocked,
  pattern: 'uniform' as const,
  packetFlits: 1,
  seed: 3,
};

describe('latency when no measured packet arrives', () => {
  it('is null with the reason, not 0: none created, or none arrived before the drain ended', async () => {
    const none = runSynthetic({ ...base, rate: 0, warmupCycles: 10, measureCycles: 5 });
    expect(none.packets).toBe(0);
    expect(none.avgPacketLatency).toBeNull();
    expect(none.avgHops).toBeNull();
    expect(none.p99PacketLatency).toBeNull();
    expect(none.latencyNote).toMatch(/no packet was created in the 5-cycle measurement window/);
    const cut = runSynthetic({
      ...base,
      rate: 0.5,
      warmupCycles: 0,
      measureCycles: 2,
      drainCycles: 0,
    });
    expect(cut.packets).toBeGreaterThan(0);
    expect(cut.packetsDelivered).toBe(0);
    expect(cut.avgPacketLatency).toBeNull();
    expect(cut.undrained).toBe(true);
    expect(cut.latencyNote).toMatch(
      /none of the \d+ measured packets arrived before the drain ended/,
    );
    expect(sweepCsv([cut]).trim().split('\n')[1]).toMatch(
      /^0\.5,[\d.]+,,,,,,,\d+,0,cycles,clocked,true,undrained/,
    );
    const arrived = runSynthetic({ ...base, rate: 0.1, warmupCycles: 100, measureCycles: 200 });
    expect(arrived.avgPacketLatency).toBeGreaterThan(0);
    expect(arrived.latencyNote).toBeNull();
    // the CLI prints n/a and the reason; --json prints null
    const text = await runNoc(['--mesh', '2x2', '--rate', '0', '--warmup', '0', '--measure', '3']);
    expect(text).toMatch(/avg packet latency\s+n\/a \(no packet was created/);
    expect(text).toMatch(/avg hops\s+n\/a/);
    const json = JSON.parse(
      await runNoc(['--mesh', '2x2', '--rate', '0', '--measure', '3', '--json']),
    );
    expect(json.avgPacketLatency).toBeNull();
    expect(json.latencyNote).toMatch(/no packet was created/);
  });
});

describe('one meaning per key', () => {
  it('undrained is a fact about the drain, pastSaturation the sweep verdict with its reasons', async () => {
    const json = JSON.parse(
      await runNoc([
        '--mesh',
        '3x3',
        '--rate',
        '0.9',
        '--warmup',
        '100',
        '--measure',
        '400',
        '--timing',
        'clocked',
        '--json',
      ]),
    );
    expect(json).not.toHaveProperty('saturated');
    expect(json.undrained).toBe(false); // every measured packet arrived, behind the backlog
    expect(json.pastSaturation).toBe(true);
    expect(json.saturationReasons).toContain('accepted-below-offered');
    expect(json.drainedCycles).toBeGreaterThan(0);
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 300 }),
        (rate, measure) => {
          const r = runSynthetic({ ...base, rate, warmupCycles: 50, measureCycles: measure });
          expect(r.pastSaturation).toBe(r.saturationReasons.length > 0);
          expect(r.undrained).toBe(r.saturationReasons.includes('undrained'));
          expect(r.undrained).toBe(r.packetsDelivered < r.packets);
        },
      ),
      { seed: 144, numRuns: 40 },
    );
  });
});

describe('the drain follows the network, not the measurement window', () => {
  it('tiny windows at light load (--warmup 0 --measure 1) are not flagged', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom(0.02, 0.05, 0.1),
        fc.constantFrom('clocked', 'async'),
        fc.nat(1000),
        (warmup, measure, rate, timing, seed) => {
          const r = runSynthetic({
            ...base,
            meshWidth: 8,
            meshHeight: 8,
            params: nocSchema.parse({ timing }),
            rate,
            warmupCycles: warmup,
            measureCycles: measure,
            seed,
          });
          expect(r.undrained).toBe(false);
          expect(r.pastSaturation).toBe(false);
          expect(r.packetsDelivered).toBe(r.packets);
          // the drain took about what a packet takes, not a multiple of the window
          expect(r.drainedCycles).toBeLessThan(r.stallCycles);
        },
      ),
      { seed: 145, numRuns: 40 },
    );
  });
});
