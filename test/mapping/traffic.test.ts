import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { coreTraffic, mapNetwork, spikeDestinations } from '../../src/mapping/index.js';
import type { Mapping } from '../../src/mapping/types.js';
import { type Architecture, stages } from '../../src/snn/network.js';

/** Packets between cores by brute force: every emitted neuron, every target, distinct cores. */
function bruteTraffic(
  arch: Architecture,
  m: Mapping,
): { packets: Map<string, number>; perNeuron: number[][][] } {
  const all = stages(arch);
  const out = new Map<string, number>();
  const perNeuron: number[][][] = [];
  for (let i = 0; i + 1 < m.stages.length; i++) {
    const lists: number[][] = [];
    perNeuron.push(lists);
    const emit = all[m.stages[i]!.emitStage]!;
    const next = all[m.stages[i + 1]!.stage]!;
    const layer = next.layer!;
    const srcLookup = m.coreOfNeuron[emit.stage]!;
    const dstLookup = m.coreOfNeuron[next.stage]!;
    const { c, h, w } = emit.shape;
    for (let ch = 0; ch < c; ch++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const src = srcLookup[(ch * h + y) * w + x]!;
          const dsts = new Set<number>();
          if (layer.kind === 'dense') {
            for (const d of dstLookup) dsts.add(d);
          } else if (layer.kind === 'conv') {
            const { kernel: k, stride: s, padding: p } = layer;
            for (let o = 0; o < next.shape.c; o++) {
              for (let oy = 0; oy < next.shape.h; oy++) {
                for (let ox = 0; ox < next.shape.w; ox++) {
                  const ky = y - (oy * s - p);
                  const kx = x - (ox * s - p);
                  if (ky >= 0 && ky < k && kx >= 0 && kx < k) {
                    dsts.add(dstLookup[(o * next.shape.h + oy) * next.shape.w + ox]!);
                  }
                }
              }
            }
          }
          lists.push([...dsts].sort((a, b) => a - b));
          for (const d of dsts) {
            const key = `${src}>${d}`;
            out.set(key, (out.get(key) ?? 0) + 1);
          }
        }
      }
    }
  }
  return { packets: out, perNeuron };
}

describe('core traffic and spike destinations', () => {
  it('equals a brute-force count of (spike, destination core) packets', () => {
    const arb = fc.record({
      h: fc.integer({ min: 3, max: 10 }),
      w: fc.integer({ min: 3, max: 10 }),
      c1: fc.integer({ min: 1, max: 4 }),
      c2: fc.integer({ min: 1, max: 4 }),
      k: fc.integer({ min: 1, max: 3 }),
      s: fc.integer({ min: 1, max: 3 }),
      p: fc.integer({ min: 0, max: 1 }),
      pool: fc.integer({ min: 0, max: 2 }),
      flatten: fc.boolean(),
      neuronsPerCore: fc.integer({ min: 12, max: 120 }),
    });
    let checked = 0;
    fc.assert(
      fc.property(arb, ({ h, w, c1, c2, k, s, p, pool, flatten, neuronsPerCore }) => {
        const arch: Architecture = {
          input: { c: c1, h, w },
          encoding: { kind: 'pixel', maxValue: 1 },
          layers: [
            { kind: 'conv', name: 'a', outChannels: c2, kernel: k, stride: s, padding: p },
            ...(pool > 0 ? [{ kind: 'pool' as const, name: 'p', size: pool, stride: pool }] : []),
            { kind: 'conv', name: 'b', outChannels: c1, kernel: k, stride: 1, padding: p },
            ...(flatten ? [{ kind: 'flatten' as const, name: 'f' }] : []),
            { kind: 'dense', name: 'd', units: 7 },
          ],
          readout: 'first-spike',
        };
        try {
          stages(arch);
        } catch {
          return;
        }
        if (2 * w > neuronsPerCore) return;
        const m = mapNetwork(arch, {
          chip: { neuronsPerCore, meshWidth: null, meshHeight: null, placement: 'row-major' },
        });
        const t = coreTraffic(arch, m);
        const got = new Map<string, number>();
        for (let i = 0; i < t.src.length; i++) got.set(`${t.src[i]}>${t.dst[i]}`, t.packets[i]!);
        const brute = bruteTraffic(arch, m);
        expect(got).toEqual(brute.packets);
        const dests = spikeDestinations(arch, m);
        expect(dests.length).toBe(m.stages.length - 1);
        dests.forEach((d, i) => {
          expect(d.emitStage).toBe(m.stages[i]!.emitStage);
          const lists = brute.perNeuron[i]!;
          expect(d.offsets.length).toBe(lists.length + 1);
          const got = lists.map((_, n) =>
            Array.from(d.cores.subarray(d.offsets[n]!, d.offsets[n + 1]!)),
          );
          expect(got).toEqual(lists);
        });
        checked++;
      }),
      { seed: 3, numRuns: 150 },
    );
    expect(checked).toBeGreaterThan(75);
  });
});
