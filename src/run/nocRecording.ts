import { DetailedNoc } from '../hardware/noc/detailed.js';
import { IdealNoc } from '../hardware/noc/ideal.js';
import type { DeliverFn, NetworkOnChip, NocPacket, NocStats } from '../hardware/noc/network.js';
import type { NocParams } from '../hardware/noc/params.js';
import { lowestPort, neighbour, type RoutingFn } from '../hardware/noc/routing.js';
import type { Kernel } from '../kernel/kernel.js';
import type { NocFactory } from '../sim/setup.js';
import type { EngineNoc } from './engine.js';

/**
 * What a run records about its network-on-chip beyond `NocStats` (simEngine.ts): packet latencies
 * (injection to delivery) in log2 bins, and on the detailed network the congestion part of each
 * latency per router its route passes; then the run's `EngineNoc` record.
 */

/** Log2 latency bins: edges 0, 1, 2, 4, ... ns. */
export class LatencyHistogram {
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
export class RouterCongestion {
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
export class RecordingIdealNoc extends IdealNoc {
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
export function recording(
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

export function nocRecord(
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
