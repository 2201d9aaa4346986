import { type EventTarget, Kernel } from '../../kernel/kernel.js';
import { createRng } from '../../kernel/rng.js';
import { DetailedNoc, stageDelays } from './detailed.js';
import { xyHops as importedXyHops, type NocPacket } from './network.js';
import type { NocParams } from './params.js';
import { destinationFn, type TrafficPattern } from './traffic.js';
import { zeroLoadLatency } from './zeroLoad.js';

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
  /**
   * A fixed limit on the cycles after the measurement (0: stop at its end, for speed runs).
   * Default: none; the drain follows the network (see {@link runSynthetic}).
   */
  drainCycles?: number;
}

/**
 * A synthetic packet: one destination, in an array the driver may rewrite (it reuses packets);
 * the payload is the cycle it was created in (an integer: stored in the object, where a time in
 * ns would be a boxed number, one more cache miss per delivery past saturation).
 */
interface PooledPacket extends NocPacket {
  dstNodes: number[];
  payload: number;
}

/** Why a point counts as past saturation (see {@link SyntheticResult.pastSaturation}). */
export type SaturationReason =
  | 'undrained'
  | 'accepted-below-offered'
  | 'latency-above-5x-zero-load';

export interface SyntheticResult {
  timing: 'clocked' | 'async';
  /** Unit of the latencies: 'cycles' (clocked) or 'ns' (async). */
  latencyUnit: 'cycles' | 'ns';
  /** Length of one injection cycle in ns (clockNs, or switchAllocNs + crossbarNs when async). */
  cycleNs: number;
  offeredFlitRate: number;
  /** Flits ejected per node per cycle during the measurement window. */
  acceptedFlitRate: number;
  /**
   * Mean latency (creation to tail arrival, source queueing included) of the measured packets
   * that arrived; null when none did (`latencyNote` says why), as are the other latency figures
   * and `avgHops`.
   */
  avgPacketLatency: number | null;
  p50PacketLatency: number | null;
  p99PacketLatency: number | null;
  maxPacketLatency: number | null;
  /** Mean zero-load part of the measured packets' latency. */
  avgZeroLoadLatency: number | null;
  /** Links traversed per measured packet. */
  avgHops: number | null;
  /** Why the latency figures are null (no measured packet created, or none arrived); else null. */
  latencyNote: string | null;
  /** Measured packets (created in the measurement window) and how many arrived. */
  packets: number;
  packetsDelivered: number;
  /**
   * Measured packets were still in flight when the drain ended: the network stopped delivering
   * them (no measured arrival for `stallCycles`), or a fixed `drainCycles` ran out. One fact,
   * not a verdict on saturation (that is `pastSaturation`).
   */
  undrained: boolean;
  /** Cycles the drain ran after the measurement window. */
  drainedCycles: number;
  /** The drain's stall limit: cycles without a measured arrival after which it gives up. */
  stallCycles: number;
  /**
   * Past saturation by the sweep's test: `undrained`, or the accepted throughput below 95% of
   * the offered load (judged only when the measurement window is at least `stallCycles` long: a
   * shorter one starts from an empty network), or the mean latency above 5x its zero-load part;
   * `saturationReasons` lists which hold.
   */
  pastSaturation: boolean;
  saturationReasons: SaturationReason[];
  /** Flit-hops of the whole run (warmup and drain included), for speed measurements. */
  flitHops: number;
  /** Kernel events run. */
  kernelEvents: number;
}

/**
 * The open-loop synthetic-traffic experiment of BookSim: every cycle each node creates a packet
 * with probability rate / packetFlits (Bernoulli) into an unbounded source queue; packets created
 * during `warmup` are not measured, those created during the next `measure` cycles are, and the
 * run continues (with traffic) until they have all arrived. Latency is creation to tail arrival;
 * accepted throughput counts flits arriving during the measurement window. When async, a
 * "cycle" is one flit time of a port, `switchAllocNs + crossbarNs`.
 *
 * The drain follows the network, not the length of the measurement: it goes on as long as
 * measured packets keep arriving, and gives up (`undrained`) only when none has arrived for
 * `stallCycles = 10 x T0max` (T0max: the zero-load latency of the mesh's longest route, the most
 * a lone packet needs), or at a fixed `drainCycles` if one is given. Past saturation the measured
 * packets still arrive (behind a growing backlog) and the drain lasts until they have; the point
 * is flagged by its accepted throughput and latency instead (`pastSaturation`).
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
  // The driver measures latency itself: the network's own table of latencies is not needed.
  const noc = new DetailedNoc(w, h, params, { latencyQuantiles: false });
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
  const drainEnd =
    cfg.drainCycles === undefined ? Number.POSITIVE_INFINITY : measureEnd + cfg.drainCycles;
  // Zero-load latency of the longest route, in cycles (the engine's unit when clocked, ns async).
  const t0 = zeroLoadLatency(
    w - 1 + h - 1,
    cfg.packetFlits,
    stageDelays(params),
    params.bufferDepthFlits,
    clocked,
  );
  const stallCycles = Math.ceil(10 * (clocked ? t0 : t0 / cycleNs)) + 1;
  let lastMeasuredArrival = 0;
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
  // Delivered packets are reused: every packet here has one destination, so after its delivery
  // the network holds no reference to it. Steady traffic then allocates nothing per packet, and
  // a backlog past saturation is not copied by the garbage collector again and again.
  const spare: PooledPacket[] = [];
  noc.attach(kernel, (packet, dst, time) => {
    const c = time / cycleNs;
    if (c >= measureStart && c < measureEnd) acceptedFlits += cfg.packetFlits;
    if (packet.id >= firstMeasured && packet.id < endMeasured && firstMeasured >= 0) {
      if (latencyCount === latencies.length) {
        const grown = new Float64Array(latencies.length * 2);
        grown.set(latencies);
        latencies = grown;
      }
      // The creation time, cycle x cycleNs, is the generator's event time (the same product).
      latencies[latencyCount++] = (time - (packet as PooledPacket).payload * cycleNs) / unit;
      zeroLoadSum += noc.lastZeroLoadLatency / unit;
      hopsSum += xyHops(packet.srcNode, dst, w); // every routing is minimal
      outstanding--;
      lastMeasuredArrival = c;
    }
    spare.push(packet as PooledPacket);
  });
  const generator: EventTarget = {
    onEvent() {
      if (cycle === measureStart) firstMeasured = nextId;
      if (cycle === measureEnd) endMeasured = nextId;
      for (let src = 0; src < n; src++) {
        if (nextPacketCycle[src] !== cycle) continue;
        nextPacketCycle[src] = cycle + 1 + gap();
        const d = dest(src, rng);
        let packet = spare.pop();
        if (packet === undefined) {
          packet = {
            id: 0,
            srcNode: 0,
            dstNodes: [0],
            flits: cfg.packetFlits,
            kind: 'spike',
            payload: 0,
          };
        }
        packet.id = nextId++;
        packet.srcNode = src;
        packet.dstNodes[0] = d;
        packet.payload = cycle;
        if (cycle >= measureStart && cycle < measureEnd) outstanding++;
        noc.inject(packet);
      }
      cycle++;
      if (going()) kernel.scheduleAt(cycle * cycleNs, -1, generator, 0);
    },
  };
  // Generate (and drain) while measured packets are due or on their way and still arriving.
  const going = () =>
    cycle < drainEnd &&
    (cycle <= measureEnd ||
      (outstanding > 0 && cycle - Math.max(lastMeasuredArrival, measureEnd) < stallCycles));
  if (measureStart === 0) firstMeasured = 0;
  kernel.scheduleAt(0, -1, generator, 0);
  // Run until the generator stops; flits still in flight after it are not needed.
  while (kernel.pending > 0 && going()) kernel.step();
  if (endMeasured === Number.POSITIVE_INFINITY) endMeasured = nextId;
  // Numeric ascending, like sort((x, y) => x - y) (latencies are finite and >= 0), but native.
  const sorted = latencies.slice(0, latencyCount).sort();
  const rank = (q: number) =>
    sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  const count = sorted.length;
  const packets = endMeasured - firstMeasured;
  const none = count === 0;
  const accepted = acceptedFlits / (n * cfg.measureCycles);
  const avg = none ? null : sumInOrder(sorted) / count;
  const avgZero = none ? null : zeroLoadSum / count;
  const undrained = count < packets;
  const reasons: SaturationReason[] = [];
  if (undrained) reasons.push('undrained');
  // Throughput is judged only over a window long enough to reach a steady state (at least the
  // stall limit, 10 x the longest zero-load latency): shorter ones start from an empty network.
  if (cfg.measureCycles >= stallCycles && accepted < 0.95 * cfg.rate)
    reasons.push('accepted-below-offered');
  if (avg !== null && avgZero !== null && avg > 5 * avgZero)
    reasons.push('latency-above-5x-zero-load');
  return {
    timing: params.timing,
    latencyUnit: clocked ? 'cycles' : 'ns',
    cycleNs,
    offeredFlitRate: cfg.rate,
    acceptedFlitRate: accepted,
    avgPacketLatency: avg,
    p50PacketLatency: none ? null : rank(0.5),
    p99PacketLatency: none ? null : rank(0.99),
    maxPacketLatency: none ? null : sorted[count - 1],
    avgZeroLoadLatency: avgZero,
    avgHops: none ? null : hopsSum / count,
    latencyNote: !none
      ? null
      : packets === 0
        ? `no packet was created in the ${cfg.measureCycles}-cycle measurement window (rate ${cfg.rate}): nothing to measure; lengthen --measure`
        : `none of the ${packets} measured packets arrived before the drain ended (${undrained && cycle >= drainEnd ? `--drain limit of ${cfg.drainCycles} cycles` : `no measured arrival for ${stallCycles} cycles`}): the network is not delivering them`,
    packets,
    packetsDelivered: count,
    undrained,
    drainedCycles: Math.max(0, cycle - measureEnd),
    stallCycles,
    pastSaturation: reasons.length > 0,
    saturationReasons: reasons,
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
 * network accepting under 95% of the offered load, or latency above 5x its zero-load value
 * (`r.pastSaturation`, with the reasons in `r.saturationReasons`).
 */
export function pastSaturation(r: SyntheticResult): boolean {
  return r.pastSaturation;
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
    const r = runSynthetic({ ...base, rate });
    points.push(r);
    best = Math.max(best, r.acceptedFlitRate);
    if (pastSaturation(r)) break;
  }
  return { points, saturationThroughput: best };
}

/** CSV of a sweep: one row per offered rate. */
export function sweepCsv(points: readonly SyntheticResult[]): string {
  const head =
    'offered_flit_rate,accepted_flit_rate,avg_packet_latency,p50_latency,p99_latency,max_latency,zero_load_latency,avg_hops,packets,delivered,latency_unit,timing,past_saturation,saturation_reasons';
  // null latencies (no measured packet arrived) are empty cells
  const f = (x: number | null, d: number) => (x === null ? '' : x.toFixed(d));
  const rows = points.map((r) =>
    [
      r.offeredFlitRate,
      r.acceptedFlitRate.toFixed(5),
      f(r.avgPacketLatency, 3),
      f(r.p50PacketLatency, 3),
      f(r.p99PacketLatency, 3),
      f(r.maxPacketLatency, 3),
      f(r.avgZeroLoadLatency, 3),
      f(r.avgHops, 4),
      r.packets,
      r.packetsDelivered,
      r.latencyUnit,
      r.timing,
      r.pastSaturation,
      r.saturationReasons.join(' '),
    ].join(','),
  );
  return `${[head, ...rows].join('\n')}\n`;
}
