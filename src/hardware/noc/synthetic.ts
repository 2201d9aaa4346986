import { type EventTarget, Kernel } from '../../kernel/kernel.js';
import { createRng } from '../../kernel/rng.js';
import { DetailedNoc } from './detailed.js';
import { xyHops as importedXyHops, type NocPacket } from './network.js';
import type { NocParams } from './params.js';
import { destinationFn, type TrafficPattern } from './traffic.js';

/** Local binding (a call through an import binding costs more under tsx). */
const xyHops = importedXyHops;

export interface SyntheticConfig {
  meshWidth: number;
  meshHeight: number;
  params: NocParams;
  pattern: TrafficPattern;
  /** Offered load in flits per node per cycle (Bernoulli: a packet with p = rate / flits). */
  rate: number;
  packetFlits: number;
  warmupCycles: number;
  measureCycles: number;
  seed: number | string;
  /** Cycles allowed after the measurement for measured packets to arrive (default 10 x measure). */
  drainCycles?: number;
}

export interface SyntheticResult {
  timing: 'clocked' | 'async';
  /** Unit of the latencies: 'cycles' (clocked) or 'ns' (async). */
  latencyUnit: 'cycles' | 'ns';
  /** Length of one injection cycle in ns (clockNs, or switchAllocNs + crossbarNs when async). */
  cycleNs: number;
  offeredFlitRate: number;
  /** Flits ejected per node per cycle during the measurement window. */
  acceptedFlitRate: number;
  /** Mean latency (creation to tail arrival, source queueing included) of measured packets. */
  avgPacketLatency: number;
  p50PacketLatency: number;
  p99PacketLatency: number;
  maxPacketLatency: number;
  /** Mean zero-load part of the measured packets' latency. */
  avgZeroLoadLatency: number;
  /** Links traversed per measured packet. */
  avgHops: number;
  /** Measured packets (created in the measurement window) and how many arrived. */
  packets: number;
  packetsDelivered: number;
  /** True when measured packets were still in flight after the drain: past saturation. */
  saturated: boolean;
  /** Flit-hops of the whole run (warmup and drain included), for speed measurements. */
  flitHops: number;
  /** Kernel events run. */
  kernelEvents: number;
}

/**
 * The open-loop synthetic-traffic experiment of BookSim: every cycle each node creates a packet
 * with probability rate / packetFlits (Bernoulli) into an unbounded source queue; packets created
 * during `warmup` are not measured, those created during the next `measure` cycles are, and the
 * run continues (with traffic) until they have all arrived or `drainCycles` pass. Latency is
 * creation to tail arrival; accepted throughput counts flits arriving during the measurement
 * window. When async, a "cycle" is one flit time of a port, `switchAllocNs + crossbarNs`.
 */
export function runSynthetic(cfg: SyntheticConfig): SyntheticResult {
  const { meshWidth: w, meshHeight: h, params } = cfg;
  const n = w * h;
  const clocked = params.timing === 'clocked';
  const a = params.async;
  const cycleNs = clocked
    ? params.clocked.clockNs
    : a.switchAllocNs + a.crossbarNs > 0
      ? a.switchAllocNs + a.crossbarNs
      : 1;
  const unit = clocked ? cycleNs : 1;
  const kernel = new Kernel();
  const noc = new DetailedNoc(w, h, params);
  const rng = createRng(cfg.seed);
  const dest = destinationFn(cfg.pattern, w, h);
  const pPacket = cfg.rate / cfg.packetFlits;
  if (!(pPacket >= 0 && pPacket <= 1))
    throw new RangeError(`rate ${cfg.rate} needs 0 <= rate / packetFlits <= 1`);
  // Bernoulli(p) per node and cycle, drawn as geometric gaps between packets: one random
  // number per packet instead of one per node and cycle (same distribution).
  const logQ = Math.log1p(-pPacket);
  const gap = () => (pPacket >= 1 ? 0 : Math.floor(Math.log(1 - rng.next()) / logQ));
  const nextPacketCycle = new Float64Array(n);
  for (let src = 0; src < n; src++)
    nextPacketCycle[src] = pPacket > 0 ? gap() : Number.POSITIVE_INFINITY;
  const measureStart = cfg.warmupCycles;
  const measureEnd = cfg.warmupCycles + cfg.measureCycles;
  const drainEnd = measureEnd + (cfg.drainCycles ?? 10 * cfg.measureCycles);
  let nextId = 0;
  let firstMeasured = -1;
  let endMeasured = Number.POSITIVE_INFINITY;
  // Latencies of measured packets (growable typed array: sorted natively at the end).
  let latencies = new Float64Array(1024);
  let latencyCount = 0;
  let zeroLoadSum = 0;
  let hopsSum = 0;
  let acceptedFlits = 0;
  let outstanding = 0;
  let cycle = 0;
  noc.attach(kernel, (packet, dst, time) => {
    const c = time / cycleNs;
    if (c >= measureStart && c < measureEnd) acceptedFlits += packet.flits;
    if (packet.id >= firstMeasured && packet.id < endMeasured && firstMeasured >= 0) {
      if (latencyCount === latencies.length) {
        const grown = new Float64Array(latencies.length * 2);
        grown.set(latencies);
        latencies = grown;
      }
      latencies[latencyCount++] = (time - (packet.payload as number)) / unit;
      zeroLoadSum += noc.lastZeroLoadLatency / unit;
      hopsSum += xyHops(packet.srcNode, dst, w); // every routing is minimal
      outstanding--;
    }
  });
  const generator: EventTarget = {
    onEvent() {
      if (cycle === measureStart) firstMeasured = nextId;
      if (cycle === measureEnd) endMeasured = nextId;
      const now = kernel.now;
      for (let src = 0; src < n; src++) {
        if (nextPacketCycle[src] !== cycle) continue;
        nextPacketCycle[src] = cycle + 1 + gap();
        const packet: NocPacket = {
          id: nextId++,
          srcNode: src,
          dstNodes: [dest(src, rng)],
          flits: cfg.packetFlits,
          kind: 'spike',
          payload: now,
        };
        if (cycle >= measureStart && cycle < measureEnd) outstanding++;
        noc.inject(packet);
      }
      cycle++;
      if (cycle < drainEnd && (cycle <= measureEnd || outstanding > 0))
        kernel.scheduleAt(cycle * cycleNs, -1, generator, 0);
    },
  };
  if (measureStart === 0) firstMeasured = 0;
  kernel.scheduleAt(0, -1, generator, 0);
  // Run until the generator stops; flits still in flight after it are not needed.
  while (kernel.pending > 0 && cycle < drainEnd && (cycle <= measureEnd || outstanding > 0))
    kernel.step();
  if (endMeasured === Number.POSITIVE_INFINITY) endMeasured = nextId;
  // Numeric ascending, like sort((x, y) => x - y) (latencies are finite and >= 0), but native.
  const sorted = latencies.slice(0, latencyCount).sort();
  const rank = (q: number) =>
    sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  const count = sorted.length;
  const packets = endMeasured - firstMeasured;
  return {
    timing: params.timing,
    latencyUnit: clocked ? 'cycles' : 'ns',
    cycleNs,
    offeredFlitRate: cfg.rate,
    acceptedFlitRate: acceptedFlits / (n * cfg.measureCycles),
    avgPacketLatency: count > 0 ? sumInOrder(sorted) / count : 0,
    p50PacketLatency: rank(0.5),
    p99PacketLatency: rank(0.99),
    maxPacketLatency: count > 0 ? sorted[count - 1] : 0,
    avgZeroLoadLatency: count > 0 ? zeroLoadSum / count : 0,
    avgHops: count > 0 ? hopsSum / count : 0,
    packets,
    packetsDelivered: count,
    saturated: count < packets,
    flitHops: noc.flitHops,
    kernelEvents: kernel.eventsRun,
  };
}

/** Sum from first to last (the order of `reduce`, so the rounding is the same). */
function sumInOrder(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

/**
 * Whether a point is past saturation: measured packets still undelivered after the drain, the
 * network accepting under 95% of the offered load, or latency above 5x its zero-load value.
 */
export function pastSaturation(r: SyntheticResult): boolean {
  return (
    r.saturated ||
    r.acceptedFlitRate < 0.95 * r.offeredFlitRate ||
    r.avgPacketLatency > 5 * r.avgZeroLoadLatency
  );
}

/**
 * The latency-vs-offered-load curve: runs each rate in turn and stops after the first point past
 * saturation. The saturation throughput is the largest accepted rate seen.
 */
export function sweepRates(
  base: Omit<SyntheticConfig, 'rate'>,
  rates: readonly number[],
): { points: SyntheticResult[]; saturationThroughput: number } {
  const points: SyntheticResult[] = [];
  let best = 0;
  for (const rate of rates) {
    const r = runSynthetic({
      ...base,
      rate,
      drainCycles: base.drainCycles ?? 2 * base.measureCycles,
    });
    points.push(r);
    best = Math.max(best, r.acceptedFlitRate);
    if (pastSaturation(r)) break;
  }
  return { points, saturationThroughput: best };
}

/** CSV of a sweep: one row per offered rate. */
export function sweepCsv(points: readonly SyntheticResult[]): string {
  const head =
    'offered_flit_rate,accepted_flit_rate,avg_packet_latency,p50_latency,p99_latency,max_latency,zero_load_latency,avg_hops,packets,delivered,latency_unit,timing,past_saturation';
  const rows = points.map((r) =>
    [
      r.offeredFlitRate,
      r.acceptedFlitRate.toFixed(5),
      r.avgPacketLatency.toFixed(3),
      r.p50PacketLatency.toFixed(3),
      r.p99PacketLatency.toFixed(3),
      r.maxPacketLatency.toFixed(3),
      r.avgZeroLoadLatency.toFixed(3),
      r.avgHops.toFixed(4),
      r.packets,
      r.packetsDelivered,
      r.latencyUnit,
      r.timing,
      pastSaturation(r),
    ].join(','),
  );
  return `${[head, ...rows].join('\n')}\n`;
}
