import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseRateRange, resolveNocParams } from '../../../src/cli/commands/noc.js';
import { destinationFn, TRAFFIC_PATTERNS } from '../../../src/hardware/noc/traffic.js';
import { createRng } from '../../../src/kernel/rng.js';
import { UserError } from '../../../src/util/errors.js';
import { runNoc } from './runNoc.js';

describe('ttfsim noc', () => {
  afterEach(() => vi.restoreAllMocks());

  it('--json prints one object with latency, throughput, hops, packets and timing', async () => {
    const out = await runNoc([
      '--mesh',
      '3x3',
      '--rate',
      '0.1',
      '--warmup',
      '100',
      '--measure',
      '600',
      '--timing',
      'clocked',
      '--json',
      '--set',
      'router.bufferDepthFlits=8',
    ]);
    const r = JSON.parse(out);
    expect(r.timing).toBe('clocked');
    expect(r.avgPacketLatency).toBeGreaterThan(0);
    expect(r.acceptedFlitRate).toBeGreaterThan(0.05);
    expect(r.avgHops).toBeGreaterThan(1);
    expect(r.packets).toBeGreaterThan(0);
    const text = await runNoc([
      '--mesh',
      '3x3',
      '--rate',
      '0.1',
      '--warmup',
      '100',
      '--measure',
      '300',
      '--traffic',
      'transpose',
    ]);
    expect(text).toMatch(/avg packet latency\s+[\d.]+ ns/);
    expect(text).toMatch(/accepted throughput/);
  });

  it('--sweep-rates prints a CSV curve that stops past saturation', async () => {
    const out = await runNoc([
      '--mesh',
      '3x3',
      '--warmup',
      '100',
      '--measure',
      '3000',
      '--timing',
      'clocked',
      '--sweep-rates',
      '0.05:1:0.3',
    ]);
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^offered_flit_rate,accepted_flit_rate,avg_packet_latency/);
    expect(lines.length).toBeGreaterThan(2);
    expect(lines.length).toBeLessThan(1 + 4); // stopped before 0.95: a 3x3 mesh saturates well below it
    expect(lines.at(-1)).toMatch(/,true,[a-z0-9 -]+$/);
  });

  it('rejects bad input with a UserError naming the option or field', async () => {
    await expect(runNoc(['--mesh', '8by8'])).rejects.toThrow(/--mesh/);
    await expect(runNoc(['--set', 'noc.bufferDepthFlits=0'])).rejects.toThrow(
      /noc\.bufferDepthFlits/,
    );
    await expect(runNoc(['--set', 'router.bogus=1'])).rejects.toThrow(/bogus/);
    await expect(runNoc(['--set', 'energy.x=1'])).rejects.toThrow(UserError);
    await expect(runNoc(['--sweep-rates', '0.5:0.1:0.1'])).rejects.toThrow(/--sweep-rates/);
    expect(() => resolveNocParams(undefined, ['router.routing=west-first'])).not.toThrow();
    expect(parseRateRange('0.02:0.1:0.02')).toEqual([0.02, 0.04, 0.06, 0.08, 0.1]);
  });
});

describe('traffic patterns', () => {
  it('send where their definitions say', () => {
    const rng = createRng(3);
    const t = destinationFn('transpose', 4, 4);
    expect(t(1, rng)).toBe(4); // (1,0) -> (0,1)
    const bc = destinationFn('bit-complement', 4, 4);
    for (let s = 0; s < 16; s++) expect(bc(s, rng)).toBe(15 - s);
    const nn = destinationFn('nearest-neighbour', 4, 4);
    for (let i = 0; i < 200; i++) {
      const s = i % 16;
      const d = nn(s, rng);
      expect(Math.abs((s % 4) - (d % 4)) + Math.abs((s >> 2) - (d >> 2))).toBe(1);
    }
    const hs = destinationFn('hotspot', 4, 4);
    let hot = 0;
    for (let i = 0; i < 4000; i++) if (hs(0, rng) === 10) hot++;
    expect(hot / 4000).toBeGreaterThan(0.2);
    expect(hot / 4000).toBeLessThan(0.3);
    for (const p of TRAFFIC_PATTERNS) {
      const f = destinationFn(p, 4, 4);
      for (let s = 0; s < 16; s++) {
        const d = f(s, rng);
        expect(d >= 0 && d < 16).toBe(true);
      }
    }
    expect(() => destinationFn('transpose', 4, 2)).toThrow(/square/);
  });
});
