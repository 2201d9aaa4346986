import type { EventTarget, Kernel } from '../../kernel/kernel.js';
import type { TailFn } from './clocked.js';
import { type Bucket, EventHeap } from './eventHeap.js';
import { Fabric } from './fabric.js';
import type { RoutingFn } from './routing.js';
import { NocDeadlockError } from './watchdog.js';
import type { StageDelays } from './zeroLoad.js';

/** Ports per router and the local port (local copies: imported bindings are slower under tsx). */
const PORTS = 5;
const PORT_LOCAL = 4;

const K_EJECT = 1;
const K_CREDIT = 2;
const K_ELIGIBLE = 3;
const K_FREE = 5;
const K_PUMP = 6;
/**
 * A K_FREE and the K_CREDIT pushed right after it for the same time, as one entry (run one
 * after the other, as two adjacent entries would be): b = inPort + 8 x (credit index x 2 +
 * credit kind).
 */
const K_FREE_CREDIT = 7;
/**
 * A K_FREE of a local output and the K_EJECT pushed right after it for the same time (c = worm
 * x 2^16 + seq; the node is the router of the output), and that with the credit as well.
 */
const K_FREE_EJECT = 8;
const K_FREE_EJECT_CREDIT = 9;
/** Flit positions are packed with worm ids into one event argument: worm * 2^16 + seq. */
const SEQ_BITS = 65536;

/**
 * The asynchronous (handshake) router: every stage a delay in ns, a flit moves as soon as its
 * handshakes allow. Each output port is an arbiter-server: when it is idle and some eligible
 * front flit (of an input port not itself busy) requests it with a credit downstream, it decides
 * at once, round-robin over input ports and, within a port, over VCs; the decision takes
 * `switchAllocNs` (s -> g = s + sa), the flit leaves its FIFO at g, crosses the crossbar by
 * g + xb, when the output and the input port are free again, and reaches the next input buffer
 * at g + xb + link (a sink at g + xb). Its credit is back upstream at g + credit. The front
 * flit competes from max(arrival + (head ? rc + va : 0), departure of its predecessor). Sources write flits into their
 * local input port as soon as a credit allows.
 *
 * Watchdog: when no internal event is pending while flits are in flight, nothing can ever move
 * again (a deadlock): the network throws {@link NocDeadlockError} at once; it also throws when
 * no flit has moved for `watchdogNs`.
 */
export class AsyncFabric extends Fabric implements EventTarget {
  private kernel: Kernel | undefined;
  private readonly events = new EventHeap();
  /** Time of the earliest kernel wake-up scheduled (Infinity: none). */
  private wakeAt = Number.POSITIVE_INFINITY;
  private readonly eligible: Uint8Array;
  private readonly outBusy: Uint8Array;
  /** Busy input ports of each router, a bit mask over its ports. */
  private readonly inBusyMask: Int32Array;
  /**
   * Request masks, kept in step with `eligible` and `remaining` so that an arbitration with
   * nobody to serve costs two loads: per input port `r * 5 + p`, the outputs its eligible front
   * flits still want; per output port `r * 5 + o`, the input ports whose eligible front flits
   * want it.
   */
  private readonly portWant: Int32Array;
  private readonly outWant: Int32Array;
  /**
   * The K_FREE entry pushed by the `start` in progress (bucket and index), which the credit of
   * the same departure joins when it is due at the same time and nothing was queued after it.
   */
  private freeBucket: Bucket | null = null;
  private freeIndex = 0;
  onTail: TailFn = () => {};

  constructor(
    meshWidth: number,
    meshHeight: number,
    vcs: number,
    depthFlits: number,
    routeFn: RoutingFn,
    adaptive: boolean,
    st: StageDelays,
    readonly watchdogNs: number,
    readonly priority: number,
  ) {
    super(meshWidth, meshHeight, vcs, depthFlits, routeFn, adaptive, st, 0);
    this.eligible = new Uint8Array(this.buf.queues);
    this.outBusy = new Uint8Array(this.nodes * PORTS);
    this.inBusyMask = new Int32Array(this.nodes);
    this.portWant = new Int32Array(this.nodes * PORTS);
    this.outWant = new Int32Array(this.nodes * PORTS);
  }

  attach(kernel: Kernel): void {
    this.kernel = kernel;
  }

  /** Queues a network event; the kernel is woken at the earliest one. */
  private at(t: number, kind: number, a: number, b: number): void {
    this.events.push(t, kind, a, b);
    if (t < this.wakeAt) {
      this.wakeAt = t;
      (this.kernel as Kernel).scheduleAt(t, this.priority, this, 0, t);
    }
  }

  /** Node r's source queue has new flits: try to move them in now. */
  wakeSource(r: number, now: number): void {
    this.at(now, K_PUMP, r, 0);
  }

  /**
   * The flit is written into the downstream FIFO now, stamped with its arrival time `t`: its
   * slot is reserved by the credit already, and it cannot compete before
   * `t + (head ? rc + va : 0)`. One event fewer per hop; buffer occupancy therefore counts the
   * flits on the link into a buffer.
   */
  protected scheduleArrive(t: number, q: number, w: number, seq: number): void {
    this.arrive(q, w, seq, t);
    if (this.buf.count[q] === 1) this.frontChanged(q);
  }
  protected currentTime(): number {
    return (this.kernel as Kernel).now;
  }
  protected scheduleEject(t: number, node: number, w: number, seq: number): void {
    const fb = this.freeBucket;
    if (fb !== null) {
      const i = this.freeIndex;
      if (fb.time === t && fb.n === i + 1 && fb.kind[i] === K_FREE) {
        fb.kind[i] = K_FREE_EJECT;
        fb.c[i] = w * SEQ_BITS + seq;
        return;
      }
      this.freeBucket = null;
    }
    this.at(t, K_EJECT, node, w * SEQ_BITS + seq);
  }
  protected scheduleCredit(t: number, index: number, kind: number): void {
    const fb = this.freeBucket;
    if (fb !== null) {
      this.freeBucket = null;
      const i = this.freeIndex;
      if (
        fb.time === t &&
        fb.n === i + 1 &&
        (fb.kind[i] === K_FREE || fb.kind[i] === K_FREE_EJECT)
      ) {
        fb.kind[i] = fb.kind[i] === K_FREE ? K_FREE_CREDIT : K_FREE_EJECT_CREDIT;
        fb.b[i] += 8 * (index * 2 + kind);
        return;
      }
    }
    this.at(t, K_CREDIT, index, kind);
  }
  protected afterPop(q: number): void {
    this.eligible[q] = 0;
    this.updateWant((q / this.vcs) | 0);
    if (this.buf.count[q] > 0) this.frontChanged(q);
  }

  /**
   * Recomputes the request masks of input port `rp` (router r = rp / 5) from `eligible` and
   * `remaining` of its VCs; called after every change of either.
   */
  private updateWant(rp: number): void {
    const V = this.vcs;
    const eligible = this.eligible;
    const remaining = this.remaining;
    let want = 0;
    for (let q = rp * V, end = q + V; q < end; q++) {
      if (eligible[q] !== 0 && remaining[q] > 0) want |= remaining[q];
    }
    const old = this.portWant[rp];
    if (old === want) return;
    this.portWant[rp] = want;
    const r = (rp / PORTS) | 0;
    const pBit = 1 << (rp - r * PORTS);
    const outWant = this.outWant;
    for (let diff = old ^ want; diff !== 0; diff &= diff - 1) {
      outWant[r * PORTS + 31 - Math.clz32(diff & -diff)] ^= pBit;
    }
  }

  /** A new flit is at the front of q: it competes now, or from its eligibility time. */
  private frontChanged(q: number): void {
    const kernel = this.kernel as Kernel;
    const e = this.eligibleTime(q);
    if (e <= kernel.now) this.becomeEligible(q, kernel.now);
    else this.at(e, K_ELIGIBLE, q, 0);
  }

  /** The front flit of q may compete: route it (head) and ask each output it needs. */
  private becomeEligible(q: number, now: number): void {
    const r = (q / this.queuesPerRouter) | 0;
    this.eligible[q] = 1;
    this.setupFront(q, r);
    const rem = this.remaining[q];
    const rp = (q / this.vcs) | 0;
    this.updateWant(rp);
    const pBit = 1 << (rp - r * PORTS);
    let served = false;
    let usable = false;
    // No idle output ever has a ready requester waiting (every change that readies one
    // arbitrates at once), so if q can go now it is the only one: no need to scan the others.
    for (let m = rem; m !== 0; m &= m - 1) {
      const o = 31 - Math.clz32(m & -m);
      if (!this.canUse(q, r, o)) continue;
      usable = true;
      if (!served && (this.inBusyMask[r] & pBit) === 0 && !this.outBusy[r * PORTS + o]) {
        this.start(q, r, rp - r * PORTS, o, now);
        served = true;
      }
    }
    if (!served) {
      this.stats.stalls++;
      if (!usable) this.stats.creditStalls++;
    }
  }

  /** Kernel wake-up: runs every network event due now (also those it causes now). */
  onEvent(_kind: number, t: number, _b: number, _ref: unknown, kernel: Kernel): void {
    if (t !== this.wakeAt) return; // superseded by an earlier wake-up
    const now = kernel.now;
    const ev = this.events;
    // Events are read in place, bucket by bucket; those caused now join the current bucket.
    for (let bucket = ev.top(); bucket !== null && bucket.time <= now; bucket = ev.top()) {
      while (bucket.head < bucket.n) {
        const i = bucket.head++;
        this.dispatch(bucket.kind[i], bucket.a[i], bucket.b[i], bucket.c[i], now);
      }
      ev.retireTop();
    }
    this.wakeAt = Number.POSITIVE_INFINITY;
    if (ev.size > 0) {
      this.wakeAt = ev.minTime();
      kernel.scheduleAt(this.wakeAt, this.priority, this, 0, this.wakeAt);
    }
    if (this.flitsInside > 0) {
      if (ev.size === 0 || now - this.lastMove > this.watchdogNs) {
        throw new NocDeadlockError(this.blockedReport(now));
      }
    }
  }

  private dispatch(kind: number, a: number, b: number, c: number, now: number): void {
    switch (kind) {
      case K_FREE_CREDIT: {
        const code = Math.floor(b / 8);
        this.portsFree(a, b - code * 8, now);
        const creditKind = code & 1;
        this.creditBack((code - creditKind) / 2, creditKind, now);
        break;
      }
      case K_ELIGIBLE:
        this.becomeEligible(a, now);
        break;
      case K_FREE:
        this.portsFree(a, b, now);
        break;
      case K_CREDIT:
        this.creditBack(a, b, now);
        break;
      case K_EJECT:
        this.eject(a, b, now);
        break;
      case K_FREE_EJECT:
        this.portsFree(a, b, now);
        this.eject((a / PORTS) | 0, c, now);
        break;
      case K_FREE_EJECT_CREDIT: {
        const code = Math.floor(b / 8);
        this.portsFree(a, b - code * 8, now);
        this.eject((a / PORTS) | 0, c, now);
        const creditKind = code & 1;
        this.creditBack((code - creditKind) / 2, creditKind, now);
        break;
      }
      case K_PUMP:
        this.pump(a, now);
        break;
    }
  }

  /** A flit (`flit` = worm x 2^16 + seq) reaches the sink of `node`. */
  private eject(node: number, flit: number, now: number): void {
    const w = Math.floor(flit / SEQ_BITS);
    if (this.ejectFlit(w, flit - w * SEQ_BITS)) this.onTail(w, node, now);
  }

  /** Output `ro = r * 5 + o` and input port p of router r are free again after a crossing. */
  private portsFree(ro: number, p: number, now: number): void {
    const r = (ro / PORTS) | 0;
    const o = ro - r * PORTS;
    this.outBusy[ro] = 0;
    this.inBusyMask[r] &= ~(1 << p);
    this.arbitrate(r, o, now);
    // The freed input port may now serve the other outputs its eligible flits want.
    let want = this.portWant[r * PORTS + p] & ~(1 << o);
    for (let k = 0; want !== 0; k++, want >>= 1) if (want & 1) this.arbitrate(r, k, now);
  }

  /** A credit is back: kind 0 for output VC `index`, 1 for injection VC `index`. */
  private creditBack(index: number, kind: number, now: number): void {
    const V = this.vcs;
    if (kind === 0) {
      this.credits[index]++;
      const rp = (index / V) | 0;
      const r = (rp / PORTS) | 0;
      this.arbitrate(r, rp - r * PORTS, now);
    } else {
      this.injCredits[index]++;
      this.pump((index / V) | 0, now);
    }
  }

  /** Moves flits from node r's source queue into its local input port while credits allow. */
  private pump(r: number, now: number): void {
    for (;;) {
      const q = this.injectOne(r, now);
      if (q < 0) return;
      if (this.buf.count[q] === 1) this.frontChanged(q);
    }
  }

  /**
   * Output port o of router r, if idle, picks an eligible requester with a usable output VC
   * (round-robin over input ports, then over VCs) and starts its switch allocation.
   * @returns the input VC chosen, or -1.
   */
  private arbitrate(r: number, o: number, now: number): number {
    const ro = r * PORTS + o;
    if (this.outBusy[ro]) return -1;
    // Input ports not busy whose eligible front flits want o (none: nothing to do).
    const ports = this.outWant[ro] & ~this.inBusyMask[r];
    if (ports === 0) return -1;
    const V = this.vcs;
    const bit = 1 << o;
    const start = this.outPtr[ro];
    for (let i = 0; i < PORTS; i++) {
      let p = start + i;
      if (p >= PORTS) p -= PORTS;
      if (((ports >> p) & 1) === 0) continue;
      const rp = r * PORTS + p;
      const vStart = this.inPtr[rp];
      for (let j = 0; j < V; j++) {
        let v = vStart + j;
        if (v >= V) v -= V;
        const q = rp * V + v;
        if (!this.eligible[q] || !(this.remaining[q] & bit) || this.remaining[q] < 0) continue;
        if (!this.canUse(q, r, o)) continue;
        this.start(q, r, p, o, now);
        return q;
      }
    }
    return -1;
  }

  /**
   * Input VC q (port p) wins output o at `now`: both ports are busy until the crossbar is
   * crossed. The outcome is known now: the flit leaves its FIFO at the grant g = now + sa (so
   * the next flit competes from g), the ports are free at g + xb.
   */
  private start(q: number, r: number, p: number, o: number, now: number): void {
    const ro = r * PORTS + o;
    const rp = r * PORTS + p;
    const v = q - rp * this.vcs;
    this.reserve(q, r, o);
    this.outBusy[ro] = 1;
    this.inBusyMask[r] |= 1 << p;
    this.outPtr[ro] = p + 1 === PORTS ? 0 : p + 1;
    this.inPtr[rp] = v + 1 === this.vcs ? 0 : v + 1;
    const s = this.st;
    const g = now + s.sa;
    this.at(g + s.xb, K_FREE, ro, p);
    const fb = this.events.lastBucket as Bucket;
    this.freeBucket = fb;
    this.freeIndex = fb.n - 1;
    this.depart(q, r, p, o, g, g, o === PORT_LOCAL ? g + s.xb : g + s.xb + s.link);
    this.freeBucket = null;
    this.updateWant(rp);
  }
}
