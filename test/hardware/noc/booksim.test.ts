import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadHardwareConfig } from '../../../src/hardware/config.js';
import { BOOKSIM_IQ_SETS, bookSimZeroLoadCycles } from '../../../src/hardware/noc/booksim.js';
import { xyHops } from '../../../src/hardware/noc/network.js';
import type { NocParams } from '../../../src/hardware/noc/params.js';
import type { RefPacket } from '../../../src/hardware/noc/reference.js';
import { runDetailed } from './helpers.js';

/** The NoC section of mesh22nm with the BookSim recipe and extra `--set`s, as the CLI builds it. */
function booksim(extra: string[] = [], recipe = true): NocParams {
  return loadHardwareConfig('mesh22nm', [
    ...(recipe ? BOOKSIM_IQ_SETS : ['noc.timing=clocked']),
    ...extra,
  ]).noc;
}

describe("BookSim's default iq router through the --set recipe", () => {
  it('zero-load latency T0 = 2 + 5H + (P - 1) cycles, H routers = links + 1, over random meshes, routes, lengths, VCs and buffers', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 8 }),
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 7, max: 16 }),
        fc.constantFrom('xy', 'yx', 'west-first'),
        fc.constantFrom(1, 2.5),
        (w, h, a, b, flits, vcs, depth, routing, clockNs) => {
          const n = w * h;
          const src = a % n;
          const dst = b % n;
          // Buffers of 7+ flits cover BookSim's 7-cycle credit round trip: flits stream.
          const params = booksim([
            `noc.virtualChannels=${vcs}`,
            `noc.bufferDepthFlits=${depth}`,
            `noc.routing="${routing}"`,
            `noc.clocked.clockNs=${clockNs}`,
          ]);
          const p: RefPacket = { id: 0, src, dsts: [dst], flits, cycle: 5 };
          const run = runDetailed(w, h, params, [p], clockNs);
          expect(run.deliveries).toHaveLength(1);
          const links = xyHops(src, dst, w);
          const cycles = run.deliveries[0]!.time / clockNs - 5;
          expect(cycles).toBe(bookSimZeroLoadCycles(links, flits));
          // the zero-load part of the statistics is the whole latency
          expect(run.stats.zeroLoadLatencySum).toBeCloseTo(cycles * clockNs, 9);
          // ttfsim's own clocked default spends no injection or ejection cycle: 3 fewer
          const plain = runDetailed(
            w,
            h,
            booksim([`noc.bufferDepthFlits=${depth}`, `noc.clocked.clockNs=${clockNs}`], false),
            [p],
            clockNs,
          );
          expect(plain.deliveries[0]!.time / clockNs - 5).toBe(cycles - 3);
        },
      ),
      { seed: 1414, numRuns: 200 },
    );
  });

  /** Packets delivered in cycles [from, to) when node 0 of a 2x1 mesh sends `n` 1-flit packets to node 1 at once. */
  function served(params: NocParams, n: number, from: number, to: number): number {
    const packets: RefPacket[] = Array.from({ length: n }, (_, id) => ({
      id,
      src: 0,
      dsts: [1],
      flits: 1,
      cycle: 0,
    }));
    const run = runDetailed(2, 1, params, packets, 1);
    expect(run.deliveries).toHaveLength(n);
    return run.deliveries.filter((d) => d.time >= from && d.time < to).length;
  }

  it('2-node service rate: one single-flit packet per 3 cycles per VC', () => {
    for (const vcs of [1, 2]) {
      for (const depth of [4, 8]) {
        const params = booksim([`noc.virtualChannels=${vcs}`, `noc.bufferDepthFlits=${depth}`]);
        // steady state, 600 cycles: 200 packets per VC
        expect(served(params, 1000, 300, 900)).toBe(200 * vcs);
      }
    }
  });

  it('without the turnaround the single-VC link runs at its credit limit: 4 flits per 7-cycle round trip with 4-flit buffers', () => {
    const params = booksim([
      'noc.virtualChannels=1',
      'noc.bufferDepthFlits=4',
      'noc.clocked.vcTurnaround=false',
    ]);
    expect(served(params, 1000, 300, 1000)).toBe(400);
    // deeper buffers: one packet per cycle (the switch), while with the turnaround they do not help
    const deep = booksim([
      'noc.virtualChannels=1',
      'noc.bufferDepthFlits=16',
      'noc.clocked.vcTurnaround=false',
    ]);
    expect(served(deep, 1000, 300, 600)).toBe(300);
    expect(
      served(booksim(['noc.virtualChannels=1', 'noc.bufferDepthFlits=16']), 1000, 300, 600),
    ).toBe(100);
  });
});
