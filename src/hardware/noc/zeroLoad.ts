/**
 * Zero-load latency of one packet alone on an empty network: the exact schedule of its flits
 * under the router model (credits included), by a recurrence over flits k and routers h along
 * its path (h = 0 the source's router, h = H the destination's).
 *
 * Clocked (times in cycles, gap g = 1; `inj` and `ej` the injection and ejection channels):
 *   a[0][k] = max(a[0][k-1] + 1, credit back from flit k - D at router 0) + inj   (injection)
 *   d[h][k] = max(a[h][k] + (k = 0 ? rc + va : 0), d[h][k-1] + 1,
 *                 credit back from flit k - D at router h + 1)               (allocation)
 *   a[h+1][k] = d[h][k] + sa + xb + link,      tail ejected at d[H][F-1] + sa + xb + ej,
 *   credit back from a flit that left router h at d: max(d + 1, d + sa + credit).
 * Asynchronous (ns, gap 0): the same with the allocation decision s, the grant g = s + sa, the
 * port busy until g + xb (so s[h][k] >= g[h][k-1] + xb), credits back at g + credit.
 *
 * (A lone packet has no packet ahead of it in any VC, so the per-VC turnaround never applies.)
 * When the buffers are deep enough to cover the credit round trip this reduces to the textbook
 *   T0 = inj + (H + 1) (rc + va + sa + xb) + H link + ej + (F - 1) t_flit,
 * with t_flit = 1 cycle (clocked) or sa + xb (async): BookSim's iq router (inj = 2, ej = 1, every
 * stage 1) gives `T0 = 2 + 5 R + (F - 1)` with R = H + 1 routers.
 */
export interface StageDelays {
  /** Route computation plus VC allocation (head flits only). */
  rcva: number;
  sa: number;
  xb: number;
  link: number;
  credit: number;
  /** Injection channel: source queue to the local input buffer (clocked only; else 0). */
  inject: number;
  /** Ejection channel: destination crossbar to the sink (clocked only; else 0). */
  eject: number;
  /**
   * Per-VC turnaround (clocked only): a head's route computation starts only once the packet
   * ahead of it in its VC has left, so it may compete from `max(arrival, last departure + 1) +
   * rc + va` instead of `max(arrival + rc + va, last departure + 1)`.
   */
  turnaround: boolean;
}

export function zeroLoadLatency(
  hops: number,
  flits: number,
  st: StageDelays,
  depthFlits: number,
  clocked: boolean,
): number {
  const H = hops;
  // dep[h * flits + k]: time flit k leaves router h's buffer (clocked: allocation cycle d;
  // async: grant time g). dec: async decision time s.
  const dep = new Float64Array((H + 1) * flits);
  const gap = clocked ? 1 : 0;
  const creditBack = (h: number, k: number) => {
    if (k < depthFlits) return Number.NEGATIVE_INFINITY;
    const d = dep[h * flits + k - depthFlits];
    return clocked ? Math.max(d + 1, d + st.sa + st.credit) : d + st.credit;
  };
  let inj = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < flits; k++) {
    inj = Math.max(k === 0 ? 0 : inj + gap, creditBack(0, k));
    let arrive = inj + st.inject;
    for (let h = 0; h <= H; h++) {
      const prev = k > 0 ? dep[h * flits + k - 1] : Number.NEGATIVE_INFINITY;
      let e = Math.max(arrive + (k === 0 ? st.rcva : 0), prev + gap);
      if (h < H) e = Math.max(e, creditBack(h + 1, k));
      let d: number;
      if (clocked) d = e;
      else {
        const busyUntil = k > 0 ? prev + st.xb : Number.NEGATIVE_INFINITY;
        d = Math.max(e, busyUntil) + st.sa;
      }
      dep[h * flits + k] = d;
      arrive = clocked ? d + st.sa + st.xb + st.link : d + st.xb + st.link;
    }
  }
  const last = dep[H * flits + flits - 1];
  return clocked ? last + st.sa + st.xb + st.eject : last + st.xb;
}

/** Hops and flits below these are memoized in a flat table (the rest in a Map). */
const TABLE_HOPS = 128;
const TABLE_FLITS = 16;

/** Memoizes {@link zeroLoadLatency} by (hops, flits). */
export class ZeroLoadCache {
  private readonly cache = new Map<number, number>();
  /** `hops * TABLE_FLITS + flits` -> latency, NaN when not computed yet. */
  private readonly table = new Float64Array(TABLE_HOPS * TABLE_FLITS).fill(Number.NaN);
  constructor(
    private readonly st: StageDelays,
    private readonly depthFlits: number,
    private readonly clocked: boolean,
  ) {}

  get(hops: number, flits: number): number {
    if (hops < TABLE_HOPS && flits < TABLE_FLITS) {
      const i = hops * TABLE_FLITS + flits;
      let t = this.table[i];
      if (Number.isNaN(t)) {
        t = zeroLoadLatency(hops, flits, this.st, this.depthFlits, this.clocked);
        this.table[i] = t;
      }
      return t;
    }
    const key = hops * 65536 + flits;
    let v = this.cache.get(key);
    if (v === undefined) {
      v = zeroLoadLatency(hops, flits, this.st, this.depthFlits, this.clocked);
      this.cache.set(key, v);
    }
    return v;
  }
}
