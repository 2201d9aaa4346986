import { DetailedNoc } from '../hardware/noc/detailed.js';
import { IdealNoc } from '../hardware/noc/ideal.js';
import type { DeliverFn, NetworkOnChip, NocPacket, NocStats } from '../hardware/noc/network.js';
import type { NocParams } from '../hardware/noc/params.js';
import {
  getRoutingFunction,
  lowestPort,
  neighbour,
  type RoutingFn,
} from '../hardware/noc/routing.js';
import type { Kernel } from '../kernel/kernel.js';
import type { SimFrameResult, SimRunSummary } from '../sim/frameResult.js';
import {
  type AsyncFrameSource,
  type RunOptions,
  simulateFrames,
  simulateFramesFrom,
} from '../sim/run.js';
import {
  idealNocFactory,
  type NocFactory,
  prepareSimulation,
  type SimOptions,
} from '../sim/setup.js';
import { windowCount } from '../snn/network.js';
import type { Engine, EngineFrame, EngineInput, EngineNoc, EngineRunResult } from './engine.js';
import { FramePool } from './framePool.js';

/**
 * The default engine: the event-driven simulator of `src/sim` (`prepareSimulation` +
 * `simulateFrames`), with the ideal or the detailed network-on-chip, adapted to the per-frame
 * counts of `engine.ts`. The network is wrapped to histogram packet latencies (injection to
 * delivery, log2 bins in ns), which `NocStats` does not keep.
 */

/** Log2 latency bins: edges 0, 1, 2, 4, ... ns. */
class LatencyHistogram {
  readonly counts: number[] = [];

  add(ns: number, count = 1): void {
    const bin = ns < 1 ? 0 : Math.floor(Math.log2(ns)) + 1;
    while (this.counts.length <= bin) this.counts.push(0);
    this.counts[bin]! += count;
  }

  edges(): number[] {
    return [0, ...this.counts.map((_, i) => 2 ** i)];
  }
}

/**
 * Per router, the mean congestion latency (actual - zero-load, ns) of the packets whose route
 * passes it (source and destination included): where packets wait.
 */
class RouterCongestion {
  readonly sum: Float64Array;
  readonly count: Float64Array;

  constructor(
    nodes: number,
    private readonly w: number,
    private readonly h: number,
    private readonly route: RoutingFn,
  ) {
    this.sum = new Float64Array(nodes);
    this.count = new Float64Array(nodes);
  }

  add(src: number, dst: number, extraNs: number): void {
    let here = src;
    for (;;) {
      this.sum[here]! += extraNs;
      this.count[here]!++;
      if (here === dst) return;
      here = neighbour(here, lowestPort(this.route(here, dst, this.w)), this.w, this.h);
    }
  }

  means(): number[] {
    return Array.from(this.sum, (x, i) => (this.count[i]! > 0 ? x / this.count[i]! : 0));
  }
}

/**
 * The ideal network, histogramming each delivery's latency as it records it. Still an
 * {@link IdealNoc}, so the simulator takes its direct path (deliveries scheduled without packet
 * objects, in groups: src/sim/packets.ts), which gives the same deliveries at the same times in
 * the same order as packets through `inject`, and the same statistics.
 */
class RecordingIdealNoc extends IdealNoc {
  constructor(
    w: number,
    h: number,
    params: NocParams,
    private readonly hist: LatencyHistogram,
  ) {
    super(w, h, params);
  }

  override recordDelivery(latency: number): void {
    this.hist.add(latency);
    super.recordDelivery(latency);
  }

  override recordDeliveries(latency: number, count: number): void {
    this.hist.add(latency, count);
    super.recordDeliveries(latency, count);
  }

  override onEvent(kind: number, dst: number, injectNs: number, ref: unknown, kernel: Kernel) {
    this.hist.add(kernel.now - injectNs);
    super.onEvent(kind, dst, injectNs, ref, kernel);
  }
}

/**
 * Wraps a network so that every delivery's latency lands in `hist` and, for the detailed
 * network, its congestion part (latency - zero-load) in `congestion`.
 */
function recording(
  inner: NetworkOnChip,
  hist: LatencyHistogram,
  congestion: RouterCongestion,
): NetworkOnChip {
  const injected = new Map<number, { t: number; left: number }>();
  const detailed = inner instanceof DetailedNoc ? inner : null;
  let kernelRef: Kernel | undefined;
  return {
    kind: inner.kind,
    meshWidth: inner.meshWidth,
    meshHeight: inner.meshHeight,
    attach(kernel: Kernel, onDeliver: DeliverFn): void {
      kernelRef = kernel;
      inner.attach(kernel, (p, d, t) => {
        const rec = injected.get(p.id);
        if (rec !== undefined) {
          const latency = t - rec.t;
          hist.add(latency);
          if (detailed !== null) {
            congestion.add(p.srcNode, d, Math.max(0, latency - detailed.lastZeroLoadLatency));
          }
          if (--rec.left === 0) injected.delete(p.id);
        }
        onDeliver(p, d, t);
      });
    },
    inject(packet: NocPacket): void {
      if (packet.dstNodes.length > 0) {
        injected.set(packet.id, { t: kernelRef!.now, left: packet.dstNodes.length });
      }
      inner.inject(packet);
    },
    stats: () => inner.stats(),
    resetStats: () => inner.resetStats(),
  };
}

export const detailedNocFactory: NocFactory = (w, h, params) => new DetailedNoc(w, h, params);

function nocRecord(
  s: NocStats,
  kind: 'ideal' | 'detailed',
  timing: 'async' | 'clocked' | 'ideal',
  w: number,
  h: number,
  hist: LatencyHistogram,
  congestion: RouterCongestion,
): EngineNoc {
  const linkFlits: Record<string, number> = {};
  if (s.linkFlits !== undefined) {
    const keys: [string, number][] = [];
    for (let i = 0; i < s.linkFlits.length; i++) {
      const k = s.linkFlits[i]!;
      if (k === 0) continue;
      const from = i >> 2;
      const to = neighbour(from, i & 3, w, h);
      if (to >= 0) keys.push([`${from}->${to}`, k]);
    }
    keys.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (const [name, k] of keys) linkFlits[name] = k;
  }
  const n = s.packetsDelivered;
  const mean = n > 0 ? s.latencySum / n : 0;
  const zeroLoadMean = n > 0 ? s.zeroLoadLatencySum / n : 0;
  return {
    kind,
    timing,
    packets: s.packetsInjected,
    hops: s.hops,
    flitHops: s.flitHops,
    directionFlits: [...s.directionFlits],
    routerFlits: Array.from(s.routerFlits),
    routerCongestion: congestion.means(),
    linkFlits,
    latencyNs: {
      mean,
      p50: s.latencyP50 ?? mean,
      p99: s.latencyP99 ?? s.latencyMax,
      max: s.latencyMax,
      zeroLoadMean,
      congestionMean: mean - zeroLoadMean,
    },
    latencyHistogram: { edgesNs: hist.edges(), counts: [...hist.counts] },
  };
}

/**
 * The event-driven engine. With `workers` > 1 (and more than one frame) the frames' spikes are
 * computed on that many worker threads (framePool.ts) while this thread runs their physical
 * time; the results are the same bit for bit.
 */
export const simEngine: Engine = async (input, onFrame) => {
  const workers = Math.min(input.workers ?? 1, input.count);
  const timeMode = input.stepsPerWindow === null ? 'exact' : 'quantized';
  const simOptions = {
    timeMode,
    weightBits: input.weightBits,
    weightsTrained: input.weightsTrained,
    model: input.model,
    mapping: input.mapping,
  } as const;
  // Started first: the workers' set-up runs while this thread prepares its own.
  const pool =
    workers > 1
      ? new FramePool(workers, { network: input.network, hw: input.config, options: simOptions })
      : null;
  try {
    return await runEngine(input, onFrame, simOptions, pool);
  } finally {
    await pool?.close();
  }
};

async function runEngine(
  input: EngineInput,
  onFrame: (frame: EngineFrame) => void,
  simOptions: Omit<SimOptions, 'noc'>,
  pool: FramePool | null,
): Promise<EngineRunResult> {
  const hist = new LatencyHistogram();
  const { meshWidth, meshHeight } = input.mapping;
  // Adaptive routing picks among minimal routes; congestion is attributed along the XY one.
  const routing = input.config.noc.routing === 'yx' ? 'yx' : 'xy';
  const congestion = new RouterCongestion(
    meshWidth * meshHeight,
    meshWidth,
    meshHeight,
    getRoutingFunction(routing),
  );
  const base = input.noc === 'detailed' ? detailedNocFactory : idealNocFactory;
  const setup = prepareSimulation(input.network, input.config, {
    ...simOptions,
    noc:
      input.noc === 'ideal'
        ? (w, h, p) => new RecordingIdealNoc(w, h, p, hist)
        : (w, h, p) => recording(base(w, h, p), hist, congestion),
  });
  const framesInFlight = Math.min(
    input.count,
    input.framesInFlight ?? windowCount(input.network.arch),
  );
  const runOptions: RunOptions = {
    labels: input.labels,
    keepTau: false,
    ...(input.framesInFlight !== null ? { maxFramesInFlight: input.framesInFlight } : {}),
  };
  const onResult = (r: SimFrameResult) => {
    const frame: EngineFrame = {
      index: input.firstIndex + r.frame,
      label: input.labels[r.frame]!,
      decision: r.decision,
      tau: r.tau,
      stageSpikes: r.spikes,
      stageSops: r.sopsIn,
      stageBiasSops: r.biasSopsIn,
      stagePackets: r.packets,
      stageHops: r.hops,
      controlPackets: r.controlPackets,
      controlHops: r.controlHops,
      coreSops: r.coreSops,
      latencySteps: r.latencySteps,
      latencyNs: r.latencyNs,
    };
    onFrame(frame);
  };
  // The first frame alone on the chip (a run of its own, nothing else in flight), unless the
  // run's frames were alone anyway; the network is not the recorded one (its figures stay the
  // stream's). Its spikes are the stream's first frame's (kept when they come from the pool).
  let first: { tau: Float64Array[]; membrane: Float64Array } | null = null;
  let summary: SimRunSummary;
  if (pool === null) {
    summary = simulateFrames(
      setup,
      { images: input.images, count: input.count },
      runOptions,
      onResult,
    );
  } else {
    pool.begin(setup, input.images, input.count, framesInFlight);
    const keepFirst: AsyncFrameSource = {
      has: (f) => pool.has(f),
      until: (f) => pool.until(f),
      load: (f, tau, membrane) => {
        pool.load(f, tau, membrane);
        if (f === 0)
          first = {
            tau: tau.map((t) => Float64Array.from(t)),
            membrane: Float64Array.from(membrane),
          };
      },
    };
    summary = await simulateFramesFrom(setup, input.count, keepFirst, runOptions, onResult);
  }
  let latencyAlone: EngineRunResult['latencyAlone'];
  if (framesInFlight > 1) {
    const size = setup.stages[0]!.size;
    const alone = { ...setup, createNoc: base };
    const options: RunOptions = { maxFramesInFlight: 1, keepTau: false };
    const onAlone = (r: SimFrameResult) => {
      latencyAlone = { ns: r.latencyNs, steps: r.latencySteps, frames: 1 };
    };
    const kept = first as { tau: Float64Array[]; membrane: Float64Array } | null;
    if (kept === null) {
      simulateFrames(alone, { images: input.images.subarray(0, size), count: 1 }, options, onAlone);
    } else {
      const source: AsyncFrameSource = {
        has: () => true,
        until: () => Promise.resolve(),
        load: (_f, tau, membrane) => {
          kept.tau.forEach((t, s) => {
            tau[s]!.set(t);
          });
          membrane.set(kept.membrane);
        },
      };
      await simulateFramesFrom(alone, 1, source, options, onAlone);
    }
  }
  const timing = input.noc === 'ideal' ? 'ideal' : input.config.noc.timing;
  const notes: string[] = [];
  if (input.stepsPerWindow === null) {
    notes.push(
      `exact (continuous) spike times; latency in steps uses the chip's ${input.config.timing.stepsPerWindow} steps per window`,
    );
  }
  return {
    framesPerSecond: summary.framesPerSecond,
    framesInFlight,
    ...(latencyAlone !== undefined ? { latencyAlone } : {}),
    engine: 'sim',
    notes,
    noc: nocRecord(summary.noc, input.noc, timing, meshWidth, meshHeight, hist, congestion),
  };
}

/** The engine `runSimulation` uses unless told otherwise. */
export const defaultEngine: Engine = simEngine;
