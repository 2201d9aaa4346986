/**
 * Routing functions against their capacity: for each traffic pattern on an 8x8 mesh, the
 * throughput bound of XY and west-first routes (1 / max channel load, src/hardware/noc/
 * channelLoad.ts) beside the saturation throughput the detailed network measures (clocked,
 * 2 VCs, 4-flit buffers, and async with its defaults), and the ratio measured / bound. It is the
 * evidence docs/noc.md ("West-first against XY") gives: west-first's port choice at zero load
 * (ties to E: XY's routes) keeps XY's bound; the old tie rule (lowest port: N before E) mixes XY
 * and YX routes and halves it on uniform and bit-complement traffic.
 *
 *     npm run bench -- routing       (or: node .bench-build/bench/routing.js --step 0.02)
 */
import { sweepNocRates } from '../src/api/noc.js';
import { channelLoads } from '../src/hardware/noc/channelLoad.js';
import { getRoutingFunction, PORT_E, PORT_N, PORT_S, PORT_W } from '../src/hardware/noc/routing.js';
import type { TrafficPattern } from '../src/hardware/noc/traffic.js';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const step = option('--step', 0.02);
const k = 8;
const patterns: TrafficPattern[] = ['uniform', 'bit-complement', 'transpose', 'hotspot'];
const routings = ['xy', 'west-first'] as const;
const routers = [
  { label: 'clocked, 2 VCs, 4-flit buffers', set: ['noc.timing=clocked', 'noc.virtualChannels=2'] },
  { label: 'async defaults (1 VC, 4-flit)', set: ['noc.timing=async'] },
];
const lowestFirst = [PORT_N, PORT_E, PORT_S, PORT_W];

const rates: number[] = [];
for (let r = step; r <= 0.6 + 1e-9; r += step) rates.push(Math.round(r * 1e4) / 1e4);

console.log(
  `8x8 mesh, 1-flit packets; bound = 1 / max channel load (flits/node/cycle); sweep step ${step}`,
);
console.log(
  'pattern, routing, bound (router ties: E first), bound (ties: lowest port), bound (equal split), ' +
    routers.map((r) => `saturation ${r.label}, ratio`).join(', '),
);
for (const pattern of patterns) {
  for (const routing of routings) {
    const fn = getRoutingFunction(routing);
    const bound = channelLoads(fn, pattern, k, k).throughputBound;
    const lowest = channelLoads(fn, pattern, k, k, lowestFirst).throughputBound;
    const split = channelLoads(fn, pattern, k, k, 'split').throughputBound;
    const cells: string[] = [];
    for (const router of routers) {
      const { saturationThroughput } = sweepNocRates(
        {
          meshWidth: k,
          meshHeight: k,
          pattern,
          packetFlits: 1,
          set: [...router.set, `noc.routing=${routing}`, 'noc.bufferDepthFlits=4'],
          warmupCycles: 2000,
          measureCycles: 10000,
          seed: 1,
        },
        rates,
      );
      cells.push(saturationThroughput.toFixed(3), (saturationThroughput / bound).toFixed(2));
    }
    console.log(
      [pattern, routing, bound.toFixed(3), lowest.toFixed(3), split.toFixed(3), ...cells].join(
        ', ',
      ),
    );
  }
}
