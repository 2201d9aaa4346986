import { emptyNocStats, type NocStats } from './network.js';

/**
 * Accumulates {@link NocStats} for one network. Both networks feed it; it owns the delivery
 * latencies (for percentiles) and the per-link flit counts, and turns them into a snapshot on
 * demand.
 *
 * Latency percentiles are exact (nearest rank over every delivery, as a full sort would give)
 * without storing one value per delivery: {@link LatencyCounts} keeps a count per distinct latency
 * value. The ideal network has few distinct latencies (hop counts x a fixed delay), so its table
 * stays tiny however many packets are delivered; when the values are mostly distinct (a detailed
 * network under load), it falls back to a plain list of values, sorted on demand.
 */
export class NocStatsCollector {
  stats: NocStats;
  readonly linkFlits: Float64Array;
  private readonly latencies = new LatencyCounts();
  /** Kernel time at which the stats interval started. */
  startTime = 0;
  flitsInjected = 0;
  stalls = 0;
  creditStalls = 0;
  bufferMaxFlits = 0;
  /** Integral over time of the number of buffered flits (flit x time). */
  bufferAreaFlitTime = 0;
  /**
   * Whether deliveries go into the latency table (for p50 and p99); a driver that measures
   * latency itself turns it off, and the snapshot's percentiles then read 0.
   */
  latencyQuantiles = true;

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
    if (this.latencyQuantiles) this.latencies.add(latency);
  }

  /**
   * Records `count` deliveries with the same latency and zero-load latency: the same as
   * `count` calls of {@link recordDelivery} (the sums are added up one by one, as they would be).
   */
  recordDeliveries(latency: number, zeroLoadLatency: number, count: number): void {
    if (count <= 0) return;
    const s = this.stats;
    s.packetsDelivered += count;
    let sum = s.latencySum;
    let zsum = s.zeroLoadLatencySum;
    for (let i = 0; i < count; i++) {
      sum += latency;
      zsum += zeroLoadLatency;
    }
    s.latencySum = sum;
    s.zeroLoadLatencySum = zsum;
    if (latency > s.latencyMax) s.latencyMax = latency;
    if (this.latencyQuantiles) this.latencies.addMany(latency, count);
  }

  /** Starts a fresh interval at kernel time `now`. */
  reset(now: number): void {
    this.stats = emptyNocStats(this.nodes);
    this.linkFlits.fill(0);
    this.latencies.clear();
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
    const [p50, p99] = this.latencies.ranks([0.5, 0.99]);
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
      latencyP50: p50,
      latencyP99: p99,
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

/** Start size of the distinct-value table (a power of two). */
const TABLE_START = 64;
/** Past this many distinct values, the counts give way to a plain list if most values differ. */
const TABLE_MAX_DISTINCT = 1 << 16;

/**
 * A multiset of doubles that answers nearest-rank quantiles exactly: the value at rank
 * `min(n - 1, ceil(q n) - 1)` of the values sorted as `Float64Array.prototype.sort` sorts them
 * (what sorting every value would give, -0 before +0 included).
 *
 * Values are counted per distinct bit pattern in an open-addressing hash table (keys as two
 * 32-bit halves, linear probing, grown at half load), with the last value seen as a shortcut:
 * O(1) per value and memory per *distinct* value. If the table grows past
 * {@link TABLE_MAX_DISTINCT} entries while holding more than a quarter as many entries as values
 * (mostly distinct values: counting saves nothing), it turns into a list of every value (what
 * the collector did before), sorted when quantiles are asked for.
 */
export class LatencyCounts {
  private readonly scratch = new Float64Array(1);
  private readonly bits = new Uint32Array(this.scratch.buffer);
  private lo = new Uint32Array(TABLE_START);
  private hi = new Uint32Array(TABLE_START);
  private counts = new Float64Array(TABLE_START);
  private distinct = 0;
  /** Values added. */
  total = 0;
  /** The last value added (never 0 or NaN: those go through the table) and its slot. */
  private last = Number.NaN;
  private lastSlot = -1;
  /** List mode: every value, when counting does not pay. */
  private list: Float64Array | null = null;

  add(v: number): void {
    this.total++;
    if (v === this.last) {
      this.counts[this.lastSlot]++;
      return;
    }
    const list = this.list;
    if (list !== null) {
      const i = this.total - 1;
      if (i === list.length) {
        const grown = new Float64Array(list.length * 2);
        grown.set(list);
        grown[i] = v;
        this.list = grown;
      } else list[i] = v;
      return;
    }
    const slot = this.slotOf(v);
    if (slot < 0) {
      // Just switched to list mode.
      this.list![this.total - 1] = v;
      return;
    }
    this.counts[slot]++;
    if (v !== 0) {
      this.last = v;
      this.lastSlot = slot;
    }
  }

  /** Adds `v` `count` times (as `count` calls of {@link add}). */
  addMany(v: number, count: number): void {
    if (count <= 0) return;
    this.add(v);
    if (v === this.last) {
      // Counted in the table with `v` as the shortcut: the other calls would only count it.
      this.counts[this.lastSlot] += count - 1;
      this.total += count - 1;
      return;
    }
    for (let i = 1; i < count; i++) this.add(v);
  }

  clear(): void {
    this.lo = new Uint32Array(TABLE_START);
    this.hi = new Uint32Array(TABLE_START);
    this.counts = new Float64Array(TABLE_START);
    this.distinct = 0;
    this.total = 0;
    this.last = Number.NaN;
    this.lastSlot = -1;
    this.list = null;
  }

  /** Nearest-rank quantiles (0 when empty). */
  ranks(qs: readonly number[]): number[] {
    const n = this.total;
    if (n === 0) return qs.map(() => 0);
    const idx = qs.map((q) => Math.min(n - 1, Math.ceil(q * n) - 1));
    if (this.list !== null) {
      const sorted = this.list.slice(0, n).sort();
      return idx.map((i) => sorted[i]!);
    }
    // Distinct values in sort order, with their counts.
    const keys = new Float64Array(this.distinct);
    const cnt = new Float64Array(this.distinct);
    let k = 0;
    for (let s = 0; s < this.counts.length; s++) {
      if (this.counts[s]! > 0) keys[k++] = this.valueAt(s);
    }
    keys.sort();
    for (let i = 0; i < keys.length; i++) cnt[i] = this.counts[this.find(keys[i]!)]!;
    return idx.map((target) => {
      let below = 0;
      for (let i = 0; i < keys.length; i++) {
        below += cnt[i]!;
        if (target < below) return keys[i]!;
      }
      return keys[keys.length - 1]!;
    });
  }

  private valueAt(slot: number): number {
    this.bits[0] = this.lo[slot]!;
    this.bits[1] = this.hi[slot]!;
    return this.scratch[0]!;
  }

  /** Slot of `v`'s bit pattern (which must be present). */
  private find(v: number): number {
    this.scratch[0] = v;
    const l = this.bits[0]!;
    const h = this.bits[1]!;
    const mask = this.counts.length - 1;
    let s = hashBits(l, h) & mask;
    while (this.lo[s] !== l || this.hi[s] !== h) s = (s + 1) & mask;
    return s;
  }

  /** Slot of `v`'s bit pattern, claimed (count 0) when new. */
  private slotOf(v: number): number {
    this.scratch[0] = v;
    const l = this.bits[0]!;
    const h = this.bits[1]!;
    const mask = this.counts.length - 1;
    let s = hashBits(l, h) & mask;
    for (;;) {
      if (this.counts[s] === 0) break;
      if (this.lo[s] === l && this.hi[s] === h) return s;
      s = (s + 1) & mask;
    }
    // A new distinct value.
    if (2 * (this.distinct + 1) > this.counts.length) {
      if (this.distinct + 1 > TABLE_MAX_DISTINCT && 4 * (this.distinct + 1) > this.total) {
        this.toList();
        return -1;
      }
      this.grow();
      return this.slotOf(v);
    }
    this.lo[s] = l;
    this.hi[s] = h;
    this.distinct++;
    return s;
  }

  private grow(): void {
    const { lo, hi, counts } = this;
    const size = counts.length * 2;
    this.lo = new Uint32Array(size);
    this.hi = new Uint32Array(size);
    this.counts = new Float64Array(size);
    const mask = size - 1;
    for (let i = 0; i < counts.length; i++) {
      if (counts[i] === 0) continue;
      let s = hashBits(lo[i]!, hi[i]!) & mask;
      while (this.counts[s] !== 0) s = (s + 1) & mask;
      this.lo[s] = lo[i]!;
      this.hi[s] = hi[i]!;
      this.counts[s] = counts[i]!;
    }
    this.last = Number.NaN;
    this.lastSlot = -1;
  }

  /**
   * Switches to list mode while a value is being added (counted in `total`, not yet stored):
   * writes every counted value out; {@link add} stores the new one.
   */
  private toList(): void {
    let size = 1024;
    while (size < 2 * this.total) size *= 2;
    const list = new Float64Array(size);
    let n = 0;
    for (let s = 0; s < this.counts.length; s++) {
      const c = this.counts[s]!;
      if (c === 0) continue;
      const v = this.valueAt(s);
      for (let j = 0; j < c; j++) list[n++] = v;
    }
    this.list = list;
    this.last = Number.NaN;
    this.lastSlot = -1;
  }
}

/** A 32-bit hash of a double's two halves. */
function hashBits(lo: number, hi: number): number {
  const x = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
  return (x ^ (x >>> 15)) >>> 0;
}
