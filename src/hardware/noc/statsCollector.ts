import { emptyNocStats, type NocStats } from './network.js';

/**
 * Accumulates {@link NocStats} for one network. Both networks feed it; it owns the growable list
 * of delivery latencies (for percentiles) and the per-link flit counts, and turns them into a
 * snapshot on demand.
 */
export class NocStatsCollector {
  stats: NocStats;
  readonly linkFlits: Float64Array;
  private latencies = new Float64Array(1024);
  private latencyCount = 0;
  /** Kernel time at which the stats interval started. */
  startTime = 0;
  flitsInjected = 0;
  stalls = 0;
  creditStalls = 0;
  bufferMaxFlits = 0;
  /** Integral over time of the number of buffered flits (flit x time). */
  bufferAreaFlitTime = 0;

  constructor(private readonly nodes: number) {
    this.stats = emptyNocStats(nodes);
    this.linkFlits = new Float64Array(nodes * 4);
  }

  /** Records one delivery (packet, destination) with its latency and zero-load latency. */
  recordDelivery(latency: number, zeroLoadLatency: number): void {
    const s = this.stats;
    s.packetsDelivered++;
    s.latencySum += latency;
    s.zeroLoadLatencySum += zeroLoadLatency;
    if (latency > s.latencyMax) s.latencyMax = latency;
    if (this.latencyCount === this.latencies.length) {
      const grown = new Float64Array(this.latencies.length * 2);
      grown.set(this.latencies);
      this.latencies = grown;
    }
    this.latencies[this.latencyCount++] = latency;
  }

  /** Starts a fresh interval at kernel time `now`. */
  reset(now: number): void {
    this.stats = emptyNocStats(this.nodes);
    this.linkFlits.fill(0);
    this.latencyCount = 0;
    this.startTime = now;
    this.flitsInjected = 0;
    this.stalls = 0;
    this.creditStalls = 0;
    this.bufferMaxFlits = 0;
    this.bufferAreaFlitTime = 0;
  }

  /**
   * A copy of the statistics at kernel time `now`. `flitTime` is how long one flit occupies a
   * link (utilization = flits x flitTime / elapsed); `buffers` the number of input buffers (VCs)
   * for the mean occupancy; `linkExists(i)` tells the links at the mesh edge apart.
   */
  snapshot(
    now: number,
    flitTime: number,
    buffers: number,
    linkExists: (link: number) => boolean,
  ): NocStats {
    const s = this.stats;
    const elapsed = now - this.startTime;
    const sorted = this.latencies.slice(0, this.latencyCount).sort();
    const rank = (q: number) =>
      sorted.length === 0
        ? 0
        : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
    const utilization = new Float64Array(this.linkFlits.length);
    let utilSum = 0;
    let utilMax = 0;
    let links = 0;
    for (let i = 0; i < utilization.length; i++) {
      if (!linkExists(i)) continue;
      const u = elapsed > 0 ? (this.linkFlits[i] * flitTime) / elapsed : 0;
      utilization[i] = u;
      utilSum += u;
      if (u > utilMax) utilMax = u;
      links++;
    }
    return {
      ...s,
      directionFlits: [...s.directionFlits] as NocStats['directionFlits'],
      routerFlits: s.routerFlits.slice(),
      latencyP50: rank(0.5),
      latencyP99: rank(0.99),
      flitsInjected: this.flitsInjected,
      linkFlits: this.linkFlits.slice(),
      linkUtilization: utilization,
      linkUtilizationMean: links > 0 ? utilSum / links : 0,
      linkUtilizationMax: utilMax,
      bufferMaxFlits: this.bufferMaxFlits,
      bufferMeanFlits:
        elapsed > 0 && buffers > 0 ? this.bufferAreaFlitTime / (elapsed * buffers) : 0,
      stalls: this.stalls,
      creditStalls: this.creditStalls,
      elapsed,
    };
  }
}
