import type { Kernel } from '../../kernel/kernel.js';
import { AsyncFabric } from './async.js';
import { K_EJECT, K_ELIGIBLE, SEQ_BITS } from './asyncWakes.js';
import { W_DST, W_FLITS, WORM_INTS } from './worms.js';

/** Ports per router and the local port (local copies: imported bindings are slower under tsx). */
const PORTS = 5;
const PORT_LOCAL = 4;

/**
 * The asynchronous engine's fast path for the default router: one virtual channel per port and
 * a deterministic routing function (XY, YX, or one given in the options). It takes exactly the
 * decisions of {@link AsyncFabric}, in the same order, for every unicast worm (a tree-multicast
 * worm, or a run with a flit trace, goes through the general code). With one VC the input VC is
 * the input port (`q = r * 5 + p`) and the output VC is the output port (`ov = r * 5 + o`), a
 * unicast flit wants one output, and its route is a single bit: so route set-up, the request
 * test, switch start, departure, the downstream write and the credit return collapse into two
 * methods (and arbitration into a third) without VC loops, mask loops or round-robin VC
 * pointers (they stay at 0 with one VC).
 *
 * That this path and the general one agree is tested: the same random traffic gives the same
 * deliveries at the same times and the same statistics (test/hardware/noc/asyncOneVc.test.ts).
 */
export class OneVcAsyncFabric extends AsyncFabric {
  /** The input buffers' arrays, one load away (read on every hop). */
  private readonly bufRing = this.buf.ring;
  private readonly slotInts = this.buf.slotInts;
  private readonly slotTimes = this.buf.slotTimes;
  /** Node number step through each link port (N, E, S, W): the neighbour without a lookup. */
  private readonly step = Int32Array.of(-this.meshWidth, 1, this.meshWidth, -1);

  /** The front flit of q (= input port r * 5 + p) may compete from now. */
  protected override becomeEligible(q: number): void {
    const slot = q * this.depthFlits + this.bufRing[2 * q];
    const w = this.slotInts[slot * 4];
    const dst = this.worms.ints[w * WORM_INTS + W_DST];
    if (dst < 0 || this.trace !== undefined) {
      super.becomeEligible(q);
      return;
    }
    const r = (q / PORTS) | 0;
    const now = (this.kernel as Kernel).now;
    const head = this.slotInts[slot * 4 + 1] === 0;
    let rem = this.remaining[q];
    // Set up a new front: route computation for a head; body flits follow their head's route.
    // (`eligible`, `remaining` and `route` are written below only where someone reads them.)
    const fresh = rem < 0;
    if (fresh) rem = head ? this.routing.route(r, dst) : this.route[q];
    const o = 31 - Math.clz32(rem);
    const ro = r * PORTS + o;
    this.creditsBack(ro, now);
    const returns = this.linkReturns;
    // canUse: a head needs the output VC free (it holds none yet: the previous worm's tail
    // released what this input VC held), a body flit holds it; either needs a credit.
    const usable = this.credits[ro] > 0 && (!head || this.owner[ro] < 0);
    if (usable) {
      const outFree = this.portTime[ro * 4];
      const inFree = this.portTime[q * 4 + 2];
      if (outFree > now) this.wakeOut(ro, outFree);
      else if (inFree > now) this.wakeIn(q, inFree);
      else if (this.portTime[ro * 4 + 1] !== now && this.portTime[q * 4 + 3] !== now) {
        // It goes now: only a multi-flit head's route outlives this call (for its body).
        if (fresh && head && this.worms.flits(w) > 1) this.route[q] = rem;
        this.startOne(q, r, q - r * PORTS, o, false);
        return;
      }
    } else if (returns.count[ro] !== 0) this.wakeOut(ro, returns.first(ro));
    // Not served: it waits, eligible, and requests output o (updateWant with one VC).
    this.eligible[q] = 1;
    if (fresh) {
      this.remaining[q] = rem;
      if (head) this.route[q] = rem;
    }
    const old = this.portWant[q];
    if (old !== rem) {
      this.portWant[q] = rem;
      const pBit = 1 << (q - r * PORTS);
      for (let diff = old ^ rem; diff !== 0; diff &= diff - 1) {
        this.outWant[r * PORTS + 31 - Math.clz32(diff & -diff)] ^= pBit;
      }
    }
    this.stats.stalls++;
    if (!usable) this.stats.creditStalls++;
  }

  /**
   * {@link AsyncFabric.arbitrate} with one VC: output o of router r, if free, serves the next
   * requesting input port (round-robin) whose input is free and that may use the output VC (it
   * holds it, or it is free; with one VC every requester wants the same one, so without a
   * credit nobody can go and the output waits for the next credit back).
   */
  protected override arbitrate(r: number, o: number): void {
    const ro = r * PORTS + o;
    const ports = this.outWant[ro];
    if (ports === 0) return;
    const now = (this.kernel as Kernel).now;
    const times = this.portTime;
    const outFree = times[ro * 4];
    if (outFree > now) {
      this.wakeOut(ro, outFree);
      return;
    }
    // Input ports busy now wake this output again when they are free.
    let avail = ports;
    for (let m = ports; m !== 0; m &= m - 1) {
      const p = 31 - Math.clz32(m & -m);
      const inFree = times[(r * PORTS + p) * 4 + 2];
      if (inFree > now) {
        avail &= ~(1 << p);
        this.wakeIn(r * PORTS + p, inFree);
      }
    }
    if (avail === 0) return;
    this.creditsBack(ro, now);
    const returns = this.linkReturns;
    if (this.credits[ro] > 0) {
      const bit = 1 << o;
      const first = this.outPtr[ro];
      for (let i = 0; i < PORTS; i++) {
        let p = first + i;
        if (p >= PORTS) p -= PORTS;
        if (((avail >> p) & 1) === 0) continue;
        const q = r * PORTS + p;
        const rem = this.remaining[q];
        if (this.eligible[q] === 0 || (rem & bit) === 0 || rem < 0) continue;
        if (this.outVc[q * PORTS + o] < 0 && this.owner[ro] >= 0) continue;
        this.start(q, r, p, o);
        return;
      }
    }
    if (returns.count[ro] !== 0) this.wakeOut(ro, returns.first(ro));
  }

  /** Counts the credits of output VC ro (= output port) back by now (syncOutput with one VC). */
  private creditsBack(ro: number, now: number): void {
    const returns = this.linkReturns;
    if (returns.count[ro] !== 0 && returns.first(ro) <= now) {
      this.credits[ro] += returns.takeDue(ro, now);
    }
  }

  protected override start(q: number, r: number, p: number, o: number): void {
    const w = this.slotInts[(q * this.depthFlits + this.bufRing[2 * q]) * 4];
    if (this.worms.dst(w) < 0 || this.trace !== undefined) super.start(q, r, p, o);
    else this.startOne(q, r, p, o, true);
  }

  /**
   * {@link AsyncFabric.start} for a unicast flit with one VC: input port q of router r (port
   * p) wins output o now; it leaves its FIFO at g = now + sa, the ports are free at g + xb,
   * the flit reaches the next input buffer at g + xb + link (a sink at g + xb), and its credit
   * is back upstream at g + credit. `waited`: the flit was eligible and requesting before now
   * (false when it goes the moment it becomes eligible: then it never set its request masks).
   */
  private startOne(q: number, r: number, p: number, o: number, waited: boolean): void {
    const now = (this.kernel as Kernel).now;
    const ro = r * PORTS + o;
    const buf = this.buf;
    const slot = q * this.depthFlits + this.bufRing[2 * q];
    const w = this.slotInts[slot * 4];
    const seq = this.slotInts[slot * 4 + 1];
    const tail = seq === this.worms.ints[w * WORM_INTS + W_FLITS] - 1;
    // Output-VC allocation (a head takes the free output VC, a tail releases it: a one-flit
    // worm does both at once and leaves it as it was) and one credit.
    const single = tail && seq === 0;
    const qo = q * PORTS + o;
    if (!single) {
      if (this.outVc[qo] < 0) {
        this.owner[ro] = q;
        this.outVc[qo] = ro;
      }
      if (tail) this.owner[ro] = -1;
    }
    if (o !== PORT_LOCAL) this.credits[ro]--;
    this.outPtr[ro] = p + 1 === PORTS ? 0 : p + 1;
    const st = this.st;
    const g = now + st.sa;
    const free = g + st.xb;
    this.portTime[ro * 4] = free;
    this.portTime[q * 4 + 2] = free;
    // Buffer occupancy integrated up to now (the push and the pop below both happen now).
    const collector = this.stats;
    if (now !== this.areaTime) {
      collector.bufferAreaFlitTime += buf.total * (now - this.areaTime);
      this.areaTime = now;
    }
    const s = collector.stats;
    s.directionFlits[o]++;
    this.lastMove = g;
    if (o !== PORT_LOCAL) {
      s.flitHops++;
      if (seq === 0) s.hops++;
      collector.linkFlits[r * 4 + o]++;
      const nq = (r + this.step[o]) * PORTS + ((o + 2) & 3); // the opposite port downstream
      if (buf.push(nq, w, seq, free + st.link) === 1) this.frontChanged(nq);
    } else this.at(free, K_EJECT, r, w * SEQ_BITS + seq);
    // The flit leaves the FIFO; its slot's credit goes upstream.
    this.remaining[q] = -1;
    buf.pop(q);
    collector.stats.routerFlits[r]++;
    this.lastPop[q] = g;
    // A tail clears its route and output VC (a one-flit worm that went at once wrote neither).
    if (tail && (waited || !single)) {
      if (!single) this.outVc[qo] = -1;
      this.route[q] = -1;
    }
    const tCredit = g + st.credit; // >= g: delays are non-negative
    if (p === PORT_LOCAL) this.injReturns.push(r, tCredit);
    else {
      const upOv = (r + this.step[p]) * PORTS + ((p + 2) & 3);
      const n = this.linkReturns.count[upOv];
      this.linkReturns.push(upOv, tCredit);
      if (this.outWant[upOv] !== 0 && n === 0 && this.credits[upOv] === 0) {
        this.wakeOut(upOv, Math.max(this.portTime[upOv * 4], tCredit));
      }
    }
    // afterPop: q no longer requests; its next flit (if any) competes.
    if (waited) {
      this.eligible[q] = 0;
      const old = this.portWant[q];
      if (old !== 0) {
        this.portWant[q] = 0;
        const pBit = 1 << p;
        for (let m = old; m !== 0; m &= m - 1) {
          this.outWant[r * PORTS + 31 - Math.clz32(m & -m)] ^= pBit;
        }
      }
    }
    // Only a new front flit (the next in the FIFO, or one the source writes now) can make q
    // request again.
    let refilled = buf.count(q) > 0;
    if (refilled) {
      this.frontChanged(q);
      if (this.remaining[q] > 0) this.updateWant(q);
    }
    if (p === PORT_LOCAL && this.srcHead[r] < this.srcLen[r]) {
      this.pumpOneVc(r, now);
      refilled = true;
    }
    if (this.outWant[ro] !== 0) this.wakeOut(ro, free);
    if (refilled && this.portWant[q] !== 0) this.wakeIn(q, free);
  }

  /** A new flit is at the front of q: it competes from max(eligibility, input port free). */
  protected override frontChanged(q: number): void {
    const now = this.currentTime();
    const slot = q * this.depthFlits + this.bufRing[2 * q];
    const arrive = this.slotTimes[slot * 2 + 1];
    let e = this.slotInts[slot * 4 + 1] === 0 ? arrive + this.st.rcva : arrive;
    const last = this.lastPop[q];
    if (last > e) e = last;
    const inFree = this.portTime[q * 4 + 2];
    if (inFree > e) e = inFree;
    if (e <= now) this.becomeEligible(q);
    else this.at(e, K_ELIGIBLE, q, 0);
  }
}
