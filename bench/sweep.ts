/**
 * Sweep pool benchmark: the same 8-point sweep on 1 worker and on 2 workers, wall time and
 * speed-up. Points run the real simulator (detailed NoC) on the MNIST CNN, 32 frames each, over
 * buffer depth x multicast x placement; each run writes into a fresh folder, so nothing is
 * skipped. `--runner estimate --model vgg16` times the static estimate instead.
 *
 *   node .bench-build/bench/sweep.js [--runner simulate|estimate] [--model mnist-cnn] [--frames 32]
 *
 * Prints one line per run and the ratio t(1 worker) / t(2 workers); > 1 means 2 workers are
 * faster. It needs two idle cores to show the full 2x.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runSweep } from '../src/sweep/runner.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const runner = arg('runner', 'simulate');
const model = arg('model', 'mnist-cnn');
const frames = Number(arg('frames', '32'));
const dir = mkdtempSync(join(tmpdir(), 'ttfsim-bench-sweep-'));
const spec = join(dir, 'spec.json');
writeFileSync(
  spec,
  JSON.stringify({
    name: 'bench-sweep',
    model,
    runner,
    frames,
    noc: 'detailed',
    axes: [
      { field: 'noc.bufferDepthFlits', values: [2, 8] },
      { field: 'noc.multicast', values: ['unicast', 'xy-tree'] },
      { field: 'chip.placement', values: ['row-major', 'layer-affinity'] },
    ],
  }),
);

/** Wall seconds of one run; prints wall and CPU time (all threads: >1 core busy = parallel). */
async function timed(workers: number): Promise<number> {
  const out = join(dir, `out-${workers}`);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await runSweep({ specPath: spec, outDir: out, workers });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  if (r.ran !== 8 || r.failed.length > 0) {
    throw new Error(`bench: expected 8 points, got ${JSON.stringify(r)}`);
  }
  console.log(
    `sweep ${model}/${runner}, 8 points, ${workers} worker${workers > 1 ? 's' : ''}: ${seconds.toFixed(2)} s wall, ${cpuSeconds.toFixed(2)} s CPU (${(cpuSeconds / seconds).toFixed(2)} cores busy)`,
  );
  return seconds;
}

try {
  console.log(
    `cpus ${availableParallelism()}, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  await timed(1); // warm-up: file cache, tsx transpile cache
  rmSync(join(dir, 'out-1'), { recursive: true, force: true });
  const t1 = await timed(1);
  const t2 = await timed(2);
  console.log(`speed-up 2 workers vs 1: ${(t1 / t2).toFixed(2)}x`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
