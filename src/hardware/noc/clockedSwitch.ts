import { roundRobinPick as importedPick } from './arbiter.js';
import { Fabric, type FabricConfig } from './fabric.js';

/** Ports per router and the local port (local copies: imported bindings are slower under tsx). */
const PORTS = 5;
const PORT_LOCAL = 4;
/** Local binding of the arbiter function (a call through an import binding costs more). */
const roundRobinPick = importedPick;

/** Kinds of the clocked engine's timing-wheel entries (see {@link ClockedSwitch.wheelPush}). */
export const EV_ARRIVE = 0;
export const EV_EJECT = 1;
export const EV_CREDIT = 2;

/**
 * The clocked router's state per cycle and its switch: which input VCs are *ready* to compete,
 * and the separable input-first allocation that grants them, with the flits' traversal. The
 * cycle loop, its timing wheel and the kernel are {@link ClockedFabric}'s (clocked.ts).
 *
 * An input VC is ready from the first cycle its front flit may compete, max(arrival + (head ?
 * rc + va : 0), last departure + 1), until that flit leaves. The cycle is known when the front
 * changes (a flit enters an empty FIFO, or the front leaves); a VC not ready yet waits in
 * `readyWheel` (per cycle slot, its VCs). A router is visited only while it has ready VCs
 * (`readyCount`, and the bit set `readyRouters` of those routers, read in increasing order);
 * with one VC per port `readyPorts` is the set of its ready ports.
 */
export abstract class ClockedSwitch extends Fabric {
  /** Last cycle processed (the engine's current time). */
  lastTick = -1;
  private readonly isReady: Uint8Array;
  private readonly readyCount: Int32Array;
  /** Routers with a ready VC: bit `r & 31` of word `r >> 5`. */
  protected readonly readyRouters: Int32Array;
  private readonly readyPorts: Int32Array;
  private readyWheel: Int32Array[];
  private readonly readyFill: Int32Array;
  private readonly readyMask: number;
  private readonly vcReq: Int32Array;
  private readonly portReq = new Int32Array(PORTS);
  private readonly portVc = new Int32Array(PORTS);
  private readonly portGrant = new Int32Array(PORTS);

  /** Schedules an arrival, an ejection or a credit (`type`: EV_*) at cycle t. */
  protected abstract wheelPush(t: number, type: number, a: number, b: number, c: number): void;

  constructor(config: FabricConfig) {
    super(config, 1);
    this.integrateOnChange = false;
    this.vcReq = new Int32Array(this.vcs);
    this.isReady = new Uint8Array(this.buf.queues);
    this.readyCount = new Int32Array(this.nodes);
    this.readyRouters = new Int32Array((this.nodes + 31) >> 5);
    this.readyPorts = new Int32Array(this.nodes);
    let readySize = 4;
    while (readySize < Math.max(this.st.rcva, 1) + 2) readySize *= 2;
    this.readyWheel = Array.from({ length: readySize }, () => new Int32Array(16));
    this.readyFill = new Int32Array(readySize);
    this.readyMask = readySize - 1;
  }

  protected currentTime(): number {
    return this.lastTick;
  }

  /**
   * The front of q changed (a flit entered it empty, or its front left): q is ready from the
   * new front's eligibility cycle (at once when that is the current cycle).
   */
  protected frontChanged(q: number): void {
    if (this.buf.count(q) === 0) return;
    const t = this.eligibleTime(q);
    if (t <= this.lastTick) this.setReady(q);
    else {
      const i = t & this.readyMask;
      let slot = this.readyWheel[i];
      const n = this.readyFill[i];
      if (n === slot.length) {
        const grown = new Int32Array(slot.length * 2);
        grown.set(slot);
        this.readyWheel[i] = slot = grown;
      }
      slot[n] = q;
      this.readyFill[i] = n + 1;
    }
  }

  private setReady(q: number): void {
    this.isReady[q] = 1;
    const r = (q / this.queuesPerRouter) | 0;
    if (this.readyCount[r]++ === 0) this.readyRouters[r >> 5] |= 1 << (r & 31);
    if (this.vcs === 1) this.readyPorts[r] |= 1 << (q - r * PORTS);
  }

  /** The VCs whose front flit may compete from cycle c on (the ready wheel's slot of c). */
  protected readyFrom(c: number): void {
    const ri = c & this.readyMask;
    const readySlot = this.readyWheel[ri];
    for (let i = 0, n = this.readyFill[ri]; i < n; i++) this.setReady(readySlot[i]);
    this.readyFill[ri] = 0;
  }

  protected override arrive(q: number, w: number, seq: number, now: number): void {
    this.bufferPush(q, w, seq, now);
    if (this.buf.count(q) === 1) this.frontChanged(q);
  }

  protected afterPop(q: number): void {
    // The front left: q is ready again once the new front may compete.
    if (this.isReady[q] !== 0) {
      this.isReady[q] = 0;
      const r = (q / this.queuesPerRouter) | 0;
      if (--this.readyCount[r] === 0) this.readyRouters[r >> 5] &= ~(1 << (r & 31));
      if (this.vcs === 1) this.readyPorts[r] &= ~(1 << (q - r * PORTS));
    }
    this.frontChanged(q);
  }

  /** Switch allocation and traversal at every router with a ready VC, in increasing order. */
  protected allocateAll(c: number): void {
    // Allocation at router r changes only r's readiness: a word read once stays right for the
    // routers after r.
    const words = this.readyRouters;
    const one = this.vcs === 1;
    for (let k = 0; k < words.length; k++) {
      for (let bits = words[k]; bits !== 0; bits &= bits - 1) {
        const r = (k << 5) + 31 - Math.clz32(bits & -bits);
        if (one) this.allocateOneVc(r, c);
        else this.allocate(r, c);
      }
    }
  }

  /**
   * Input VC q (router r, port p) won output o in cycle c: it takes the output VC and a credit,
   * leaves its FIFO at c + sa and reaches the next buffer at c + sa + xb + link (a sink at
   * c + sa + xb + eject).
   */
  private grant(q: number, r: number, p: number, o: number, c: number): void {
    const s = this.st;
    // One output to serve (its route's only one: not a multicast fork), one VC, no trace.
    if (this.vcs === 1 && this.route[q] === 1 << o && this.trace === undefined) {
      this.grantOne(q, r, p, o, c);
      return;
    }
    this.reserve(q, r, o);
    const tArrive = o === PORT_LOCAL ? c + s.sa + s.xb + s.eject : c + s.sa + s.xb + s.link;
    this.depart(q, r, p, o, c, c + s.sa, tArrive);
  }

  /**
   * {@link grant} (reserve, then depart: the same steps in the same order) for a flit with one
   * output to serve and one VC per port, where input VC q is input port `r * 5 + p` and the
   * output VC is output port `r * 5 + o`: no VC loops, no multicast bookkeeping.
   */
  private grantOne(q: number, r: number, p: number, o: number, c: number): void {
    const buf = this.buf;
    const slot = buf.front(q);
    const w = buf.worm(slot);
    const seq = buf.seq(slot);
    const tail = seq === this.worms.flits(w) - 1;
    const ro = r * PORTS + o;
    const qo = q * PORTS + o;
    // reserve: a head takes the output VC (the only one: the round-robin pointer stays 0).
    if (this.outVc[qo] < 0) {
      this.owner[ro] = q;
      this.outVc[qo] = ro;
    }
    if (o !== PORT_LOCAL) this.credits[ro]--;
    if (tail) this.owner[ro] = -1;
    // depart
    const st = this.st;
    const collector = this.stats;
    const s = collector.stats;
    s.directionFlits[o]++;
    this.flitsInside++;
    this.lastMove = c;
    if (o !== PORT_LOCAL) {
      s.flitHops++;
      if (seq === 0) s.hops++;
      collector.linkFlits[r * 4 + o]++;
      const m = this.nbr[ro];
      this.wheelPush(c + st.sa + st.xb + st.link, EV_ARRIVE, m * PORTS + ((o + 2) & 3), w, seq);
    } else this.scheduleEject(c + st.sa + st.xb + st.eject, r, w, seq);
    buf.pop(q);
    this.flitsInside--;
    s.routerFlits[r]++;
    this.lastPop[q] = c;
    this.remaining[q] = -1;
    if (tail) {
      this.outVc[qo] = -1;
      this.route[q] = -1;
    }
    const tCredit = Math.max(c + 1, c + st.sa + st.credit);
    if (p === PORT_LOCAL) this.wheelPush(tCredit, EV_CREDIT, r, 1, 0);
    else {
      const up = this.nbr[r * PORTS + p];
      this.wheelPush(tCredit, EV_CREDIT, up * PORTS + ((p + 2) & 3), 0, 0);
    }
    this.afterPop(q);
  }

  /**
   * {@link allocate} for one VC per port (the common case), with the input stage trivial: the
   * same grants, fewer steps.
   */
  private allocateOneVc(r: number, c: number): void {
    const credits = this.credits;
    const owner = this.owner;
    const outVc = this.outVc;
    const remaining = this.remaining;
    const st = this.stats;
    const base = r * PORTS;
    // Requests per input port (bit o: output o), then per output the ports asking.
    let r0 = 0;
    let r1 = 0;
    let r2 = 0;
    let r3 = 0;
    let r4 = 0;
    let anyReq = 0;
    let lastReq = 0;
    let ports = 0;
    for (let readyPorts = this.readyPorts[r]; readyPorts !== 0; readyPorts &= readyPorts - 1) {
      const p = 31 - Math.clz32(readyPorts & -readyPorts);
      const q = base + p;
      if (remaining[q] < 0) this.setupFront(q, r);
      const rem = remaining[q];
      let req = 0;
      for (let m = rem; m !== 0; m &= m - 1) {
        const o = 31 - Math.clz32(m & -m);
        const held = outVc[q * PORTS + o];
        const ov = held >= 0 ? held : base + o;
        if (credits[ov] > 0 && (held >= 0 || owner[ov] < 0)) req |= 1 << o;
      }
      if (req === 0) {
        st.stalls++;
        st.creditStalls++;
        continue;
      }
      anyReq |= req;
      lastReq = req;
      ports |= 1 << p;
      if (p === 0) r0 = req;
      else if (p === 1) r1 = req;
      else if (p === 2) r2 = req;
      else if (p === 3) r3 = req;
      else r4 = req;
    }
    if (anyReq === 0) return;
    if ((ports & (ports - 1)) === 0) {
      // A single requesting port: every output arbiter grants it.
      const p = 31 - Math.clz32(ports);
      for (let m = lastReq; m !== 0; m &= m - 1) {
        this.outPtr[base + 31 - Math.clz32(m & -m)] = p + 1 === PORTS ? 0 : p + 1;
      }
      for (let m = lastReq; m !== 0; m &= m - 1)
        this.grant(base + p, r, p, 31 - Math.clz32(m & -m), c);
      return;
    }
    const portReq = this.portReq;
    portReq[0] = r0;
    portReq[1] = r1;
    portReq[2] = r2;
    portReq[3] = r3;
    portReq[4] = r4;
    const grant = this.portGrant;
    for (let p = 0; p < PORTS; p++) grant[p] = 0;
    for (let o = 0; o < PORTS; o++) {
      if (!((anyReq >> o) & 1)) continue;
      const bit = 1 << o;
      const mask =
        ((r0 & bit) >> o) |
        (((r1 & bit) >> o) << 1) |
        (((r2 & bit) >> o) << 2) |
        (((r3 & bit) >> o) << 3) |
        (((r4 & bit) >> o) << 4);
      // Round robin: the first requester at or after the pointer, cyclically.
      const atOrAfter = mask & (-1 << this.outPtr[base + o]);
      const low = atOrAfter !== 0 ? atOrAfter : mask;
      const p = 31 - Math.clz32(low & -low);
      grant[p] |= bit;
      this.outPtr[base + o] = p + 1 === PORTS ? 0 : p + 1;
    }
    for (let p = 0; p < PORTS; p++) {
      const g = grant[p];
      if (g === 0) {
        if (portReq[p] !== 0) st.stalls++;
        continue;
      }
      for (let m = g; m !== 0; m &= m - 1) this.grant(base + p, r, p, 31 - Math.clz32(m & -m), c);
    }
  }

  /** Separable input-first switch allocation at router r in cycle c, then traversal. */
  private allocate(r: number, c: number): void {
    const V = this.vcs;
    const buf = this.buf;
    const st = this.stats;
    const portReq = this.portReq;
    const portVc = this.portVc;
    const vcReq = this.vcReq;
    const { ring, slotInts, slotTimes } = buf;
    const depth = this.depthFlits;
    const lastPop = this.lastPop;
    let anyReq = 0;
    for (let p = 0; p < PORTS; p++) {
      portReq[p] = 0;
      portVc[p] = -1;
      let vcMask = 0;
      const base = (r * PORTS + p) * V;
      for (let v = 0; v < V; v++) {
        const q = base + v;
        if (ring[2 * q + 1] === 0) continue;
        const slot = q * depth + ring[2 * q];
        const ready = this.readyTime(
          slotTimes[slot * 2 + 1],
          slotInts[slot * 4 + 1] === 0,
          lastPop[q] + 1,
        );
        if (ready > c) continue;
        this.setupFront(q, r);
        const rem = this.remaining[q];
        let req = 0;
        for (let o = 0; o < PORTS; o++) {
          if ((rem >> o) & 1 && this.canUse(q, r, o)) req |= 1 << o;
        }
        if (req === 0) {
          st.stalls++;
          st.creditStalls++;
          continue;
        }
        vcReq[v] = req;
        vcMask |= 1 << v;
      }
      if (vcMask === 0) continue;
      const v = roundRobinPick(vcMask, this.inPtr[r * PORTS + p], V);
      portVc[p] = v;
      portReq[p] = vcReq[v];
      anyReq |= vcReq[v];
      // Input-stage losers stall this cycle.
      let others = vcMask & ~(1 << v);
      while (others !== 0) {
        others &= others - 1;
        st.stalls++;
      }
    }
    if (anyReq === 0) return;
    const grant = this.portGrant;
    for (let p = 0; p < PORTS; p++) grant[p] = 0;
    for (let o = 0; o < PORTS; o++) {
      if (!((anyReq >> o) & 1)) continue;
      let mask = 0;
      for (let p = 0; p < PORTS; p++) if ((portReq[p] >> o) & 1) mask |= 1 << p;
      const p = roundRobinPick(mask, this.outPtr[r * PORTS + o], PORTS);
      grant[p] |= 1 << o;
      this.outPtr[r * PORTS + o] = p + 1 === PORTS ? 0 : p + 1;
    }
    for (let p = 0; p < PORTS; p++) {
      const g = grant[p];
      if (g === 0) {
        if (portReq[p] !== 0) st.stalls++;
        continue;
      }
      const v = portVc[p];
      const q = (r * PORTS + p) * V + v;
      this.inPtr[r * PORTS + p] = v + 1 === V ? 0 : v + 1;
      for (let m = g; m !== 0; m &= m - 1) this.grant(q, r, p, 31 - Math.clz32(m & -m), c);
    }
  }
}
