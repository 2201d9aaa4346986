/**
 * VGG16 on the detailed network-on-chip against the ideal one (run: `npm run bench --
 * nocVgg16`, or after it `node .bench-build/bench/nocVgg16.js`): one CIFAR-sized frame (CIFAR-10
 * test image 0 when the data is there, see bench/lib/frames.ts), seeded weights calibrated to
 * the paper's firing fraction, on `mesh22nm` with its own network (async timing, XY, unicast,
 * one VC, 4-flit buffers). Target (issue 16): the detailed frame within 5x the ideal one (issue 4
 * asked for 10x).
 *
 * Ideal and detailed runs alternate, `BENCH_RUNS` times each (default 4), in a process that
 * runs nothing else, and the least CPU time of each counts: a shared host's speed drifts by tens
 * of percent over minutes, and the two bests then come from the same stretch. Both runs must
 * give the same decision and SOPs (spike times never depend on the network).
 */
import { loadHardwareConfig } from '../src/hardware/config.js';
import { DetailedNoc } from '../src/hardware/noc/detailed.js';
import type { SimFrameResult } from '../src/sim/frameResult.js';
import { simulateFrames } from '../src/sim/run.js';
import { prepareSimulation, type SimSetup } from '../src/sim/setup.js';
import { best, cifarFrames, modelNetwork } from './lib/frames.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 4);

const hw = loadHardwareConfig('mesh22nm');
const { images, real } = cifarFrames(3);
const frame = images.subarray(0, 3072);
const { net, trained } = modelNetwork('vgg16', [
  images.subarray(3072, 6144),
  images.subarray(6144, 9216),
]);
const ideal = prepareSimulation(net, hw, { model: 'vgg16', weightsTrained: trained });
const detailed = prepareSimulation(net, hw, {
  model: 'vgg16',
  weightsTrained: trained,
  mapping: ideal.mapping,
  noc: (w, h, p) => new DetailedNoc(w, h, p),
});

function run(setup: SimSetup): { result: SimFrameResult; flitHops: number } {
  let result: SimFrameResult | undefined;
  const summary = simulateFrames(setup, [frame], {}, (r) => {
    result = r;
  });
  return { result: result as SimFrameResult, flitHops: summary.noc.flitHops };
}

// Warm-up (JIT) of both, then the alternating timed runs.
let idealRun = run(ideal);
let detailedRun = run(detailed);
let idealT = { cpu: Number.POSITIVE_INFINITY, wall: 0 };
let detailedT = { cpu: Number.POSITIVE_INFINITY, wall: 0 };
for (let i = 0; i < RUNS; i++) {
  const d = best(1, () => {
    detailedRun = run(detailed);
  });
  if (d.cpu < detailedT.cpu) detailedT = d;
  const s = best(1, () => {
    idealRun = run(ideal);
  });
  if (s.cpu < idealT.cpu) idealT = s;
}
const a = idealRun.result;
const b = detailedRun.result;
if (a.decision !== b.decision || a.sops !== b.sops)
  throw new Error('the detailed network changed the frame result');
const noc = hw.noc;
console.log(
  `VGG16 (${trained ? 'trained' : 'UNTRAINED, calibrated'} weights, ${ideal.weightBits}-bit, ${ideal.stepsPerWindow ?? 'exact'} steps/window) on mesh22nm, ${real ? 'CIFAR-10 test image 0' : 'synthetic image'}: ${ideal.mapping.coresUsed} cores on ${ideal.mapping.meshWidth}x${ideal.mapping.meshHeight}, ${a.spikePackets.toLocaleString('en')} spike packets, ${a.sops.toLocaleString('en')} SOPs, decision ${a.decision} on both networks`,
);
console.log(
  `  ideal NoC: ${idealT.cpu.toFixed(0)} ms CPU/frame (wall ${idealT.wall.toFixed(0)} ms); latency ${(a.latencyNs / 1000).toFixed(1)} us`,
);
console.log(
  `  detailed ${noc.timing} NoC (${noc.routing}, ${noc.multicast}, ${noc.virtualChannels} VC, ${noc.bufferDepthFlits}-flit buffers): ${detailedT.cpu.toFixed(0)} ms CPU/frame (wall ${detailedT.wall.toFixed(0)} ms), ${detailedRun.flitHops.toLocaleString('en')} flit-hops, ${((detailedRun.flitHops / detailedT.cpu) * 1e-3).toFixed(2)} M flit-hops/CPU-s; latency ${(b.latencyNs / 1000).toFixed(1)} us`,
);
console.log(
  `  ratio detailed / ideal = ${(detailedT.cpu / idealT.cpu).toFixed(1)} (CPU), ${(detailedT.wall / idealT.wall).toFixed(1)} (wall), best of ${RUNS} alternating runs each; target <= 5`,
);
