/**
 * Old build against new build of `ttfsim noc`, interleaved in one run: 8x8 uniform random
 * traffic, 1-flit packets, XY, default router, at 0.1 and 0.3 flits/node/cycle in both timing
 * styles (issue 16's target: the new build at least 1.5x the old one's flit-hops per second).
 * Each run is a fresh process (bench/lib/nocAbChild.ts) that makes the API call `ttfsim noc`
 * makes, with one build or the other, timed around that call (start-up left out) by the wall
 * clock and by the process's CPU time; on a shared machine CPU time is the fairer figure. Each
 * round runs every case once with each build, alternating which goes first, so that the drift
 * of the machine's speed falls on both alike. Besides the speeds it checks that both builds
 * give the same result (everything but the times): the behaviour must not change.
 *
 *     git worktree add --detach /work/builds/noc-base <old commit>
 *     ln -s "$PWD/node_modules" /work/builds/noc-base/node_modules
 *     (cd /work/builds/noc-base && npm run build)
 *     npm run bench -- nocAb            (NOC_OLD=path/to/old/dist to choose another)
 *     node .bench-build/bench/nocAb.js --rounds 5 --measure 30000
 *
 * Without the old build it says so and exits 0 (the other benchmarks still run).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 ? (process.argv[i + 1] as string) : fallback;
}
/** The builds: their `src` compiled (the old one's `dist`, this one's `.bench-build/src`). */
const oldRoot = option('--old', process.env.NOC_OLD ?? '/work/builds/noc-base/dist');
const newRoot = option('--new', join(here, '..', 'src'));
const child = join(here, 'lib', 'nocAbChild.js');
const rounds = Number(option('--rounds', '3'));
const measureCycles = option('--measure', '30000');
const cases = [
  { timing: 'clocked', rate: '0.1' },
  { timing: 'clocked', rate: '0.3' },
  { timing: 'async', rate: '0.1' },
  { timing: 'async', rate: '0.3' },
] as const;

const synthetic = (root: string) => join(root, 'hardware', 'noc', 'synthetic.js');
if (!existsSync(synthetic(oldRoot)) || !existsSync(synthetic(newRoot))) {
  console.log(
    `nocAb: skipped, no old build at ${oldRoot} (or new one at ${newRoot}): see the header`,
  );
  process.exit(0);
}

interface Run {
  /** Flit-hops per wall second and per CPU second. */
  wall: number;
  cpu: number;
  /** The JSON result without its wall time (must be the same for both builds). */
  result: string;
}

function run(root: string, timing: string, rate: string): Run {
  const p = spawnSync(process.execPath, [child, root, timing, rate, measureCycles], {
    encoding: 'utf8',
  });
  if (p.status !== 0) throw new Error(`${root}: noc run failed: ${p.stderr}`);
  const json = JSON.parse(p.stdout) as Record<string, unknown>;
  const { wallSeconds, cpuSeconds } = json as { wallSeconds: number; cpuSeconds: number };
  delete json.wallSeconds;
  delete json.cpuSeconds;
  const hops = json.flitHops as number;
  return { wall: hops / wallSeconds, cpu: hops / cpuSeconds, result: JSON.stringify(json) };
}

type Which = 'old' | 'new';
const runs = cases.map(() => ({ old: [] as Run[], new: [] as Run[] }));
for (let k = 0; k < rounds; k++) {
  cases.forEach((c, i) => {
    const order: Which[] = (k + i) % 2 === 0 ? ['old', 'new'] : ['new', 'old'];
    for (const which of order) {
      runs[i]![which].push(run(which === 'old' ? oldRoot : newRoot, c.timing, c.rate));
    }
    if (runs[i]!.old[k]!.result !== runs[i]!.new[k]!.result)
      throw new Error(`${c.timing} ${c.rate}: the builds give different results`);
  });
}

const median = (xs: number[]) => {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const millions = (x: number) => (x / 1e6).toFixed(2);
const spread = (xs: number[], f: (x: number) => string) =>
  `${f(Math.min(...xs))}-${f(Math.max(...xs))}`;
console.log(
  `ttfsim noc, old build ${oldRoot} vs new ${newRoot}: 8x8 uniform, 1-flit packets, XY, --measure ${measureCycles}, ${rounds} interleaved rounds; results identical in every run`,
);
for (const unit of ['cpu', 'wall'] as const) {
  console.log(
    `M flit-hops per ${unit === 'cpu' ? 'CPU' : 'wall'} second: median (min-max); ratio new/old of the medians, and of each round (min-max)`,
  );
  console.log('  timing   load  old                  new                  ratio  per round');
  cases.forEach((c, i) => {
    const old = runs[i]!.old.map((r) => r[unit]);
    const now = runs[i]!.new.map((r) => r[unit]);
    const perRound = now.map((v, k) => v / (old[k] as number));
    const col = (xs: number[]) => `${millions(median(xs))} (${spread(xs, millions)})`.padEnd(21);
    console.log(
      `  ${c.timing.padEnd(8)} ${c.rate.padStart(4)}  ${col(old)}${col(now)}${(median(now) / median(old)).toFixed(2).padStart(5)}  ${spread(perRound, (x) => x.toFixed(2))}`,
    );
  });
}
