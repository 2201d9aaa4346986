/**
 * Benchmark of `simulate --workers N` (run: `npm run bench -- simWorkers`, or after it
 * `node .bench-build/bench/simWorkers.js [mnistFrames] [vgg16Frames]`): frames per second with
 * 1 and 2 workers, and their ratio (issue 16's target: at least 1.8x), on
 *
 * 1. the MNIST CNN (bundled trained weights), the first `mnistFrames` test images (default
 *    10,000), and
 * 2. VGG16 (untrained weights, calibrated through the set-up cache in a fresh folder, so the
 *    first run pays the calibration) on `vgg16Frames` CIFAR-10 test images (default 8),
 *
 * both on `mesh22nm` defaults (4-bit weights, 10 steps per window), ideal network. Two figures:
 *
 * - **frames**: the simulation of the frames alone, on a prepared setup with the workers
 *   started and prepared (what a long run sees): `simulateFrames` against the frame pool's
 *   `simulateFramesFrom`;
 * - **run**: the whole `runSimulation` call as `ttfsim simulate --workers N` makes it, wall time
 *   of the engine (`wall.seconds`: set-up of this thread and of the workers included), data and
 *   model already loaded.
 *
 * Frames/s from wall time (worker threads run beside this one), and beside it the CPU time per
 * frame of all threads together (`process.cpuUsage`): equal for 1 and 2 workers when the split
 * adds no work. 1 and 2 alternate, `BENCH_RUNS` times each (default 3); the median ratio and the
 * spread are printed, with the load average. On a shared host the neighbours' load shows in the
 * spread; with Linux's autogroup scheduling (printed when on) the busy sessions share the cores
 * equally, so when another session keeps one core busy on a 2-core host, a second worker finds
 * no core to run on and the ratio stays near 1. Nothing here is a test.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { loadMnist } from '../src/data/mnist.js';
import { loadHardwareConfig } from '../src/hardware/config.js';
import { FramePool } from '../src/run/framePool.js';
import { runSimulation } from '../src/run/simulate.js';
import { simulateFrames, simulateFramesFrom } from '../src/sim/run.js';
import { prepareSimulation, type SimSetup } from '../src/sim/setup.js';
import type { Network } from '../src/snn/network.js';
import { cifarFrames, cpuMs, modelNetwork } from './lib/frames.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function spread(xs: number[], digits = 0): string {
  return `${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)}`;
}

/**
 * A timed measurement: frames per second (wall), CPU ms per frame of all threads and of this
 * (the calling, main) thread alone.
 */
interface Rate {
  fps: number;
  cpuMsPerFrame: number;
  mainCpuMsPerFrame: number;
}

/** CPU time of this thread alone (Linux: /proc/self/task/<pid>/stat, clock ticks), else NaN. */
function mainThreadCpuMs(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat(5), i.e. 11 and 12 after the name.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}

function rate(count: number, t0: number, c0: number, m0: number): Rate {
  return {
    fps: (count * 1000) / (performance.now() - t0),
    cpuMsPerFrame: (cpuMs() - c0) / count,
    mainCpuMsPerFrame: (mainThreadCpuMs() - m0) / count,
  };
}

/** Frames/s of the frames alone: one thread, or `workers` computing the spikes. */
async function framesPerSecond(
  net: Network,
  setup: SimSetup,
  images: Float32Array,
  count: number,
  workers: number,
): Promise<Rate> {
  if (workers === 1) {
    const [c0, m0] = [cpuMs(), mainThreadCpuMs()];
    const t0 = performance.now();
    simulateFrames(setup, { images, count }, { keepTau: false });
    return rate(count, t0, c0, m0);
  }
  const pool = new FramePool(workers, {
    network: net,
    hw: setup.hw,
    options: { model: setup.model, weightsTrained: setup.weightsTrained, mapping: setup.mapping },
  });
  try {
    await pool.ready();
    const [c0, m0] = [cpuMs(), mainThreadCpuMs()];
    const t0 = performance.now();
    pool.begin(setup, images, count, setup.stages[setup.outputStage]!.window + 1);
    await simulateFramesFrom(setup, count, pool, { keepTau: false });
    return rate(count, t0, c0, m0);
  } finally {
    await pool.close();
  }
}

/**
 * Alternates 1 and 2 workers `RUNS` times; prints frames/s of each and the ratios, and the CPU
 * time per frame of all threads together (the work the split adds, if any).
 */
async function compare(
  label: string,
  measure: (workers: number) => Promise<Rate>,
  digits: number,
): Promise<void> {
  const one: Rate[] = [];
  const two: Rate[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const a = await measure(1);
    const b = await measure(2);
    one.push(a);
    two.push(b);
    ratios.push(b.fps / a.fps);
  }
  const fps = (xs: Rate[]) =>
    spread(
      xs.map((x) => x.fps),
      digits,
    );
  const cpu = (xs: Rate[]) =>
    spread(
      xs.map((x) => x.cpuMsPerFrame),
      2,
    );
  console.log(
    `  ${label}: --workers 1 ${fps(one)} frames/s, --workers 2 ${fps(two)} frames/s; ratio ${median(ratios).toFixed(2)}x (median of ${RUNS}, ${spread(ratios, 2)}; target >= 1.8x)`,
  );
  const main = (xs: Rate[]) =>
    spread(
      xs.map((x) => x.mainCpuMsPerFrame),
      2,
    );
  // What two free cores would give: the one-thread CPU time over the longer of the calling
  // thread's part and half the work of all threads (a projection, not a measurement).
  const projected = one.map((a, i) => {
    const b = two[i]!;
    return a.cpuMsPerFrame / Math.max(b.mainCpuMsPerFrame, b.cpuMsPerFrame / 2);
  });
  console.log(
    `    CPU per frame: all threads --workers 1 ${cpu(one)} ms, --workers 2 ${cpu(two)} ms; the calling thread's part with 2 workers ${main(two)} ms; projected ratio on 2 free cores ${median(projected).toFixed(2)}x (${spread(projected, 2)})`,
  );
}

async function benchMnist(frames: number): Promise<void> {
  const hw = loadHardwareConfig('mesh22nm');
  const data = loadMnist('test', { limit: frames });
  const count = Math.min(frames, data.count);
  const { net, trained } = modelNetwork(
    'mnist-cnn',
    [0, 1, 2, 3].map((i) => data.images.subarray(i * 784, (i + 1) * 784)),
  );
  const setup = prepareSimulation(net, hw, { model: 'mnist-cnn', weightsTrained: trained });
  console.log(
    `MNIST CNN (${trained ? 'trained' : 'UNTRAINED, calibrated'} weights, ${setup.weightBits}-bit, ${setup.stepsPerWindow} steps/window), mesh22nm, ideal NoC, ${count} test images`,
  );
  simulateFrames(setup, { images: data.images, count: Math.min(200, count) }, { keepTau: false });
  await compare('frames', (w) => framesPerSecond(net, setup, data.images, count, w), 0);
  await compare(
    'run (runSimulation, set-up included)',
    async (w) => {
      const [c0, m0] = [cpuMs(), mainThreadCpuMs()];
      const r = await runSimulation({
        model: 'mnist-cnn',
        frames: count,
        noc: 'ideal',
        workers: w,
        write: false,
      });
      return {
        fps: r.wall.framesPerSecond,
        cpuMsPerFrame: (cpuMs() - c0) / count,
        mainCpuMsPerFrame: (mainThreadCpuMs() - m0) / count,
      };
    },
    0,
  );
}

async function benchVgg16(frames: number): Promise<void> {
  const hw = loadHardwareConfig('mesh22nm');
  const { images, real } = cifarFrames(frames + 2);
  const calibration = [0, 1].map((i) =>
    images.subarray((frames + i) * 3072, (frames + i + 1) * 3072),
  );
  const { net, trained } = modelNetwork('vgg16', calibration);
  const setup = prepareSimulation(net, hw, { model: 'vgg16', weightsTrained: trained });
  console.log(
    `VGG16 (${trained ? 'trained' : 'UNTRAINED, calibrated'} weights, ${setup.weightBits}-bit), mesh22nm, ideal NoC, ${frames} ${real ? 'CIFAR-10 test images' : 'synthetic images'}`,
  );
  simulateFrames(setup, [images.subarray(0, 3072)], { keepTau: false });
  await compare('frames', (w) => framesPerSecond(net, setup, images, frames, w), 2);
}

/** Linux's per-session CPU share (autogroup): this session's group, when the kernel has one. */
function autogroup(): string {
  try {
    const on = readFileSync('/proc/sys/kernel/sched_autogroup_enabled', 'utf8').trim() === '1';
    return on
      ? `; autogroup scheduling on (${readFileSync('/proc/self/autogroup', 'utf8').trim()}: busy sessions share the cores equally, whatever their threads)`
      : '';
  } catch {
    return '';
  }
}

async function main(): Promise<void> {
  const mnistFrames = Number(process.argv[2] ?? 10_000);
  const vggFrames = Number(process.argv[3] ?? 8);
  console.log(
    `${availableParallelism()} cores, load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')} at the start${autogroup()}; wall times, ${RUNS} alternating runs each`,
  );
  await benchMnist(mnistFrames);
  await benchVgg16(vggFrames);
  console.log(
    `load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')} at the end`,
  );
}

await main();
