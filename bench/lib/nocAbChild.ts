/**
 * One `ttfsim noc` experiment of bench/nocAb.ts, run with the build under `root` (a folder with
 * `hardware/`: `dist` or `.bench-build/src`): what `ttfsim noc --json` runs with the default
 * hardware config (`runSynthetic` with its `noc` section; modules every build since the NoC
 * has had), timed by the wall clock and by this process's CPU time around that call (start-up
 * left out). Prints one JSON object: the result, `wallSeconds` and `cpuSeconds`.
 *
 *     node .bench-build/bench/lib/nocAbChild.js ROOT TIMING RATE MEASURE_CYCLES
 */
import { pathToFileURL } from 'node:url';

const [root, timing, rate, measure] = process.argv.slice(2) as [string, string, string, string];
const load = async (path: string) => import(pathToFileURL(`${root}/${path}`).href);
const config = (await load('hardware/config.js')) as {
  parseHardwareConfig(raw: unknown, label: string): { noc: Record<string, unknown> };
};
const synthetic = (await load('hardware/noc/synthetic.js')) as {
  runSynthetic(cfg: Record<string, unknown>): Record<string, unknown>;
};
const params = { ...config.parseHardwareConfig({}, 'defaults').noc, timing };
const started = performance.now();
const cpu0 = process.cpuUsage();
const result = synthetic.runSynthetic({
  meshWidth: 8,
  meshHeight: 8,
  params,
  pattern: 'uniform',
  packetFlits: 1,
  rate: Number(rate),
  warmupCycles: 1000,
  measureCycles: Number(measure),
  seed: '1',
});
const cpu = process.cpuUsage(cpu0);
const wallSeconds = (performance.now() - started) / 1000;
process.stdout.write(
  `${JSON.stringify({ ...result, wallSeconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 })}\n`,
);
