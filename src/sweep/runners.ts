/**
 * What computes one sweep point (the spec's `runner`):
 *
 * - `simulate` (default): the event-driven simulator, `runSimulation` of `src/run/simulate.ts`;
 *   the point's result is the full `RunResult` that `ttfsim simulate` computes.
 * - `estimate`: a static estimate from the real model and mapping, no spikes simulated: every
 *   neuron of every weighted layer spikes exactly once per frame (the TTFS upper bound), every
 *   neuron of a layer with a bias takes one bias SOP (as if no bias were zero), packets
 *   and hops from the mapping's unicast core-to-core traffic with XY hop counts, energy by Eq. 12
 *   with the point's coefficients (the ledger of src/hardware/energy.ts; leakage mode on one
 *   window of chip time per frame, the pipelined throughput), latency = windows x steps per
 *   window x step time. Accuracy is null. It ignores multicast and congestion (see the notes it records).
 * - `synthetic`: a FAKE for tests and benchmarks of the sweep machinery only. Its metrics are
 *   numbers derived from the point's content id, and it burns `syntheticWork` rounds of sha256
 *   (x1000) of CPU. Never use it for a study.
 */
import { createHash } from 'node:crypto';
import type { HardwareConfig } from '../hardware/config.js';
import { energyLedger, theoreticalEnergy as eq11 } from '../hardware/energy.js';
import { coreTraffic, mapNetwork, weightedHops } from '../mapping/index.js';
import { loadManifest } from '../model/load.js';
import type { RunSummary } from '../report/runResult.js';
import { runSimulation } from '../run/simulate.js';
import { stages, weightCount } from '../snn/network.js';
import type { SweepPoint } from './points.js';
import type { PointResult } from './results.js';

export type PointRunner = (point: SweepPoint) => Promise<PointResult>;

/**
 * Eq. 11 / Table 2: normalized energy from latency `L` (steps) and spikes `S` per frame, both
 * architectures (`theoreticalEnergy` of src/hardware/energy.ts, the one home of the equation).
 */
export function theoreticalEnergy(latencySteps: number, spikes: number) {
  return {
    trueNorth: eq11(latencySteps, spikes, 'truenorth'),
    spiNNaker: eq11(latencySteps, spikes, 'spinnaker'),
  };
}

/**
 * Eq. 12 per frame, in joules, from the energy ledger of src/hardware/energy.ts (what
 * `ttfsim simulate` uses): SOPs (`biasSops` of them bias SOPs), spike hops, and the static term
 * on `chipNsPerFrame` of chip time in leakage mode.
 */
export function estimateEnergyJ(
  hw: HardwareConfig,
  counts: { sops: number; biasSops: number; hops: number; chipNsPerFrame: number },
) {
  const l = energyLedger(
    {
      frames: 1,
      layers: [
        {
          stage: 0,
          name: 'frame',
          sops: counts.sops,
          biasSops: counts.biasSops,
          hops: counts.hops,
        },
      ],
      frameLatencyNs: counts.chipNsPerFrame,
    },
    hw.energy,
  ).perFrame;
  return { sop: l.sopJ, hop: l.hopJ + l.controlHopJ, static: l.staticJ, total: l.totalJ };
}

/** The `estimate` runner (see the file comment). */
export async function estimatePoint(point: SweepPoint): Promise<PointResult> {
  const { manifest, arch } = loadManifest(point.modelPath);
  const hw = point.hardware;
  const mapping = mapNetwork(arch, hw, { model: manifest.name });
  const traffic = coreTraffic(arch, mapping);
  const hops = weightedHops(traffic, mapping.nodeOfCore, mapping.meshWidth);
  let packets = 0;
  for (let i = 0; i < traffic.packets.length; i++) packets += traffic.packets[i]!;
  const st = stages(arch);
  let spikes = 0;
  let sops = 0;
  let biasSops = 0;
  for (let i = 1; i < st.length; i++) {
    const s = st[i]!;
    if (!s.weighted) continue;
    spikes += s.size;
    // Every neuron of the stage receives one SOP per weight of its receptive field: a dense
    // layer's weights, or for a conv outC x H x W x (inC x k x k), padding ignored (upper bound).
    const layer = s.layer!;
    const weights = weightCount(layer, st[i - 1]!.shape);
    sops += layer.kind === 'conv' ? (weights / layer.outChannels) * s.size : weights;
    // Bias SOPs on the chip (a direct encoding's host conv adds its bias on the host).
    const host = i === 1 && arch.encoding.kind === 'direct';
    if ((layer.kind === 'conv' || layer.kind === 'dense') && layer.bias && !host) {
      biasSops += s.size;
    }
  }
  sops += biasSops;
  // 'exact' time still counts latency in the config's steps (as simulate does).
  const sw = point.options.stepsPerWindow;
  const stepsPerWindow = typeof sw === 'number' ? sw : hw.timing.stepsPerWindow;
  const windows = st[st.length - 1]!.window + 1;
  const latencySteps = windows * stepsPerWindow;
  const latencyNs = latencySteps * hw.timing.stepNs;
  // Pipelined through the layers: one frame per window of chip time (as simulate's throughput).
  const chipNsPerFrame = stepsPerWindow * hw.timing.stepNs;
  const summary: RunSummary = {
    frames: point.frames[1] - point.frames[0],
    accuracy: null,
    sparsity: 0,
    spikes,
    sops,
    biasSops,
    packets,
    hops,
    latencySteps,
    latencyNs,
    energyJ: estimateEnergyJ(hw, { sops, biasSops, hops, chipNsPerFrame }),
    framesPerSecond: 1e9 / chipNsPerFrame,
    coresUsed: mapping.cores.length,
    mesh: { width: mapping.meshWidth, height: mapping.meshHeight },
    theoreticalEnergy: theoreticalEnergy(latencySteps, spikes),
  };
  return {
    kind: 'estimate',
    notes: [
      'static estimate: every neuron spikes once per frame (upper bound), no spikes simulated, accuracy not computed',
      'unicast XY traffic from the mapping: multicast, routing other than XY and congestion are not modelled',
    ],
    placement: mapping.placement,
    summary,
  };
}

/** The `synthetic` runner: a FAKE (see the file comment). */
export async function syntheticPoint(point: SweepPoint): Promise<PointResult> {
  let h = createHash('sha256').update(point.id).digest();
  for (let i = 0; i < point.syntheticWork * 1000; i++) h = createHash('sha256').update(h).digest();
  const seedHash = createHash('sha256').update(`metrics:${point.id}`).digest();
  const u = (k: number) => seedHash.readUInt32BE(4 * k) / 2 ** 32;
  const latencySteps = 10 + Math.floor(u(0) * 100);
  const latencyNs = latencySteps * 100;
  const sops = 1e5 * (1 + u(1));
  const hops = 1e4 * (1 + u(2));
  const e = { sop: sops * 20e-12, hop: hops * 100e-12, static: 3.52e-6 };
  const spikes = Math.floor(1e4 * (1 + u(3)));
  return {
    kind: 'synthetic',
    notes: ['FAKE: synthetic runner for testing the sweep machinery; these numbers mean nothing'],
    workDigest: h.toString('hex').slice(0, 16),
    summary: {
      frames: point.frames[1] - point.frames[0],
      accuracy: Math.round(u(4) * 1000) / 1000,
      sparsity: u(5),
      spikes,
      sops,
      packets: hops / 2,
      hops,
      latencySteps,
      latencyNs,
      energyJ: { ...e, total: e.sop + e.hop + e.static },
      framesPerSecond: 1e9 / latencyNs,
      coresUsed: 1 + Math.floor(u(6) * 20),
      mesh: { width: 5, height: 5 },
      theoreticalEnergy: theoreticalEnergy(latencySteps, spikes),
    },
  };
}

/**
 * The `simulate` runner: `runSimulation` of `src/run/simulate.ts` (what `ttfsim simulate` runs),
 * computing the `RunResult` without writing a results folder (the sweep writes its own files).
 */
export async function simulatePoint(point: SweepPoint): Promise<PointResult> {
  const o = point.options;
  const result = await runSimulation({
    hw: point.hardwarePath,
    set: point.hardwareOverrides,
    model: point.modelPath,
    ...(point.data === null ? {} : { data: point.data }),
    frames: point.frames,
    noc: o.noc,
    ...(o.stepsPerWindow === null ? {} : { stepsPerWindow: o.stepsPerWindow }),
    ...(o.weightBits === null ? {} : { weightBits: o.weightBits }),
    seed: point.seed,
    write: false,
    // The sweep's pool already runs a point per core: one thread per point, no nested pool.
    workers: 1,
  });
  return result as unknown as PointResult;
}

export const RUNNERS: Record<SweepPoint['runner'], PointRunner> = {
  simulate: simulatePoint,
  estimate: estimatePoint,
  synthetic: syntheticPoint,
};

/** Runs a point with the runner its spec chose. */
export function runPointByName(point: SweepPoint): Promise<PointResult> {
  return RUNNERS[point.runner](point);
}
