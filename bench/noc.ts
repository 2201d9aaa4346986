/**
 * Benchmark of the detailed network-on-chip: flit-hops per wall-clock second for 8x8 uniform
 * random traffic (1-flit packets, XY, default router) at a low and at a near-saturation load,
 * in both timing styles. Target: >= 2 M flit-hops/s on one core in both styles. CPU time is
 * printed beside wall time: on a shared machine it is the fairer figure. Each case runs
 * `--repeat` times (default 3) and the fastest run is reported (the others only measure the
 * neighbours' load); every run gives the same simulation result.
 *
 *     npm run bench -- noc              (compiled; or: node .bench-build/bench/noc.js --cycles N)
 *
 * To compare two versions of the code, bench/nocAb.ts runs an old build and this one
 * interleaved in one run and prints the ratio with its spread.
 */
import { nocSchema } from '../src/hardware/noc/params.js';
import { runSynthetic } from '../src/hardware/noc/synthetic.js';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const cycles = option('--cycles', 30_000);
const repeat = option('--repeat', 3);
/** Loads (flits/node/cycle): low, and about 90% of the measured saturation throughput. */
const cases = [
  { timing: 'clocked', low: 0.1, near: 0.18 },
  { timing: 'async', low: 0.1, near: 0.3 },
] as const;

function measure(timing: 'clocked' | 'async', rate: number, measureCycles: number) {
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const r = runSynthetic({
    meshWidth: 8,
    meshHeight: 8,
    params: nocSchema.parse({ timing }),
    pattern: 'uniform',
    rate,
    packetFlits: 1,
    warmupCycles: 1000,
    measureCycles,
    seed: 1,
    drainCycles: 0,
  });
  const wallS = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  return { r, wallS, cpuS, flitHopsPerS: r.flitHops / wallS };
}

// Warm the JIT up on both engines first.
measure('clocked', 0.1, 3000);
measure('async', 0.1, 3000);
console.log(
  `NoC benchmark: 8x8 mesh, uniform, 1-flit packets, XY; ${cycles} measured cycles; best of ${repeat} runs (least CPU time)`,
);
console.log(
  'timing   load   accepted  latency   flit-hops     wall s   M flit-hops/s   cpu s  M flit-hops/cpu-s',
);
for (const c of cases) {
  for (const rate of [c.low, c.near]) {
    let best = measure(c.timing, rate, cycles);
    for (let k = 1; k < repeat; k++) {
      const m = measure(c.timing, rate, cycles);
      if (m.r.flitHops !== best.r.flitHops) throw new Error('runs of one case differ');
      if (m.cpuS < best.cpuS) best = m;
    }
    const { r, wallS, cpuS, flitHopsPerS } = best;
    console.log(
      `${c.timing.padEnd(8)} ${rate.toFixed(2).padStart(5)}  ${r.acceptedFlitRate.toFixed(3).padStart(8)}  ${(r.avgPacketLatency ?? Number.NaN).toFixed(1).padStart(7)}  ${String(r.flitHops).padStart(10)}  ${wallS.toFixed(2).padStart(8)}  ${(flitHopsPerS / 1e6).toFixed(2).padStart(14)}  ${cpuS.toFixed(2).padStart(6)}  ${(r.flitHops / cpuS / 1e6).toFixed(2).padStart(18)}`,
    );
  }
}
