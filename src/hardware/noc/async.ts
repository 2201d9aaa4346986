import type { EventTarget, Kernel } from '../../kernel/kernel.js';
import { CreditReturns } from './creditReturns.js';
import { EventHeap } from './eventHeap.js';
import { Fabric, type FabricConfig } from './fabric.js';
import { NocDeadlockError } from './watchdog.js';

/** Ports per router and the local port (local copies: imported bindings are slower under tsx). */
const PORTS = 5;
const PORT_LOCAL = 4;

const K_EJECT = 1;
const K_ELIGIBLE = 3;
/** Wake an output port: it is free or has a credit back, and some eligible flit wants it. */
const K_OUT = 4;
/** Wake an input port: it is free again and its eligible flits want outputs. */
const K_IN = 5;
/** A source's queue may move on (an injection credit is back). */
const K_PUMP = 6;
/** Flit positions are packed with worm ids into one event argument: worm * 2^16 + seq. */
const SEQ_BITS = 65536;

/**
 * The asynchronous (handshake) router: every stage a delay in ns, a flit moves as soon as its
 * handshakes allow. Each output port is an arbiter-server: when it is idle and some eligible
 * front flit (of an input port not itself busy) requests it with a credit downstream, it decides
 * at once, round-robin over input ports and, within a port, over its VCs (a pointer per input
 * port and output); the decision takes
 * `switchAllocNs` (s -> g = s + sa), the flit leaves its FIFO at g, crosses the crossbar by
 * g + xb, when the output and the input port are free again, and reaches the next input buffer
 * at g + xb + link (a sink at g + xb). Its credit is back upstream at g + credit. The front
 * flit competes from max(arrival + (head ? rc + va : 0), departure of its predecessor). Sources
 * write flits into their local input port as soon as a credit allows.
 *
 * Lazy releases: a port's busy period and a link credit's return are *times* (`outFreeAt`,
 * `inFreeAt`, a FIFO of pending return times per output VC), not events. A port is busy while
 * `now < freeAt`; a credit counts once its return time is `<= now`. An event is scheduled only
 * when some eligible flit actually waits for the release (a port wake or an output wake at the
 * release time), so an uncontended hop costs one event (the flit becoming eligible at the next
 * router) instead of three. A flit that becomes eligible at the very time a wake is due for its
 * port leaves the choice to that wake, so that waiting flits keep their round-robin turn.
 *
 * Watchdog: when no internal event is pending while flits are in flight, nothing can ever move
 * again (a deadlock): the network throws {@link NocDeadlockError} at once; it also throws when
 * no flit has moved for `watchdogNs`.
 */
export class AsyncFabric extends Fabric implements EventTarget {
  private readonly events = new EventHeap();
  /** Time of the earliest kernel wake-up scheduled (Infinity: none). */
  private wakeAt = Number.POSITIVE_INFINITY;
  protected readonly eligible: Uint8Array;
  /**
   * The times of each port `r * 5 + p`, side by side (one cache line holds two ports): at
   * `4 * port` + 0, the time its output is free again (outFreeAt); + 1, the earliest wake
   * pending for its output (outWakeAt, Infinity: none); + 2 and + 3, the same for its input
   * (inFreeAt, inWakeAt). A wake arbitrates afresh and queues the wakes its waiting flits still
   * need, so a later one is not queued while an earlier one is pending; and a flit that becomes
   * eligible when a wake is due at that very time leaves the choice to it.
   */
  protected readonly portTime: Float64Array;
  /** Link credits on their way back, per output VC `ov`. */
  protected readonly linkReturns: CreditReturns;
  /** The same for the injection VCs (`node * V + vc`): credits of the local input ports. */
  protected readonly injReturns: CreditReturns;
  /** Earliest K_PUMP pending per node (Infinity: none). */
  private readonly pumpAt: Float64Array;
  /**
   * Request masks, kept in step with `eligible` and `remaining` so that an arbitration with
   * nobody to serve costs two loads: per input port `r * 5 + p`, the outputs its eligible front
   * flits still want; per output port `r * 5 + o`, the input ports whose eligible front flits
   * want it.
   */
  protected readonly portWant: Int32Array;
  protected readonly outWant: Int32Array;
  /**
   * Round-robin VC pointer of each output's arbiter for each input port: `(r * 5 + p) * 5 + o`.
   * Per output, not shared by the port's outputs: with one pointer per input port, grants of a
   * port's VCs to other outputs can keep moving it past a VC that waits for this output, which
   * then starves (seen under overload with 3 VCs).
   */
  private readonly vcPtr: Int32Array;

  constructor(config: FabricConfig) {
    super(config, 0);
    const { vcs, depthFlits } = config;
    const ports = this.nodes * PORTS;
    this.eligible = new Uint8Array(this.buf.queues);
    this.portTime = new Float64Array(ports * 4);
    for (let i = 0; i < ports * 4; i += 2) {
      this.portTime[i] = Number.NEGATIVE_INFINITY; // free since ever
      this.portTime[i + 1] = Number.POSITIVE_INFINITY; // no wake pending
    }
    this.linkReturns = new CreditReturns(this.buf.queues, depthFlits);
    this.injReturns = new CreditReturns(this.nodes * vcs, depthFlits);
    this.pumpAt = new Float64Array(this.nodes).fill(Number.POSITIVE_INFINITY);
    this.portWant = new Int32Array(ports);
    this.outWant = new Int32Array(ports);
    this.vcPtr = new Int32Array(ports * PORTS);
  }

  /** Queues a network event; the kernel is woken at the earliest one. */
  protected at(t: number, kind: number, a: number, b: number): void {
    this.events.push(t, kind, a, b);
    if (t < this.wakeAt) {
      this.wakeAt = t;
      (this.kernel as Kernel).scheduleAt(t, this.priority, this, 0, t);
    }
  }

  /** Node r's source queue has new flits: they move into the local input port now if they can. */
  wakeSource(r: number, now: number): void {
    this.pump(r, now);
  }

  /**
   * The flit is written into the downstream FIFO now, stamped with its arrival time `t`: its
   * slot is reserved by the credit already, and it cannot compete before
   * `t + (head ? rc + va : 0)`. One event fewer per hop; buffer occupancy therefore counts the
   * flits on the link into a buffer.
   */
  protected scheduleArrive(t: number, q: number, w: number, seq: number): void {
    this.arrive(q, w, seq, t);
    if (this.buf.count(q) === 1) this.frontChanged(q);
  }
  protected currentTime(): number {
    return (this.kernel as Kernel).now;
  }
  protected scheduleEject(t: number, node: number, w: number, seq: number): void {
    this.at(t, K_EJECT, node, w * SEQ_BITS + seq);
  }
  /**
   * A credit leaves for output VC `index` (kind 0) or injection VC `index` (kind 1), due at t.
   * Link credits join the output VC's FIFO of returns; the output is woken at t only if some
   * eligible flit wants it now (one that starts wanting it later schedules its own wake).
   */
  protected scheduleCredit(t: number, index: number, kind: number): void {
    if (kind === 0) {
      const n = this.linkReturns.count[index];
      this.linkReturns.push(index, t);
      // Woken only if an eligible flit waits for exactly this credit (none free or on its way
      // before it): at t, or when the output is free if it is busy then.
      const ro = (index / this.vcs) | 0;
      if (this.outWant[ro] !== 0 && n === 0 && this.credits[index] === 0) {
        const free = this.portTime[ro * 4];
        this.wakeOut(ro, Math.max(free, t));
      }
      return;
    }
    this.injReturns.push(index, t);
    // One VC: a local-port pop (see start) moves the source queue on at once.
    if (this.vcs > 1) {
      const r = (index / this.vcs) | 0;
      if (this.srcHead[r] < this.srcLen[r]) this.wakePump(r, t);
    }
  }

  private wakePump(r: number, t: number): void {
    if (this.pumpAt[r] <= t) return;
    this.pumpAt[r] = t;
    this.at(t, K_PUMP, r, 0);
  }
  protected afterPop(q: number): void {
    this.eligible[q] = 0;
    this.updateWant((q / this.vcs) | 0);
    if (this.buf.count(q) > 0) this.frontChanged(q);
  }

  /** Counts the link credits of every VC of output `ro` whose return time has come. */
  private syncOutput(ro: number, now: number): void {
    const V = this.vcs;
    const returns = this.linkReturns;
    for (let ov = ro * V, end = ov + V; ov < end; ov++) {
      if (returns.count[ov] !== 0 && returns.first(ov) <= now) {
        this.credits[ov] += returns.takeDue(ov, now);
      }
    }
  }

  /** Makes sure output `ro` is woken at the earliest pending credit return (if any). */
  protected wakeOnCredit(ro: number): void {
    const V = this.vcs;
    const returns = this.linkReturns;
    let t = Number.POSITIVE_INFINITY;
    for (let ov = ro * V, end = ov + V; ov < end; ov++) {
      if (returns.count[ov] !== 0 && returns.first(ov) < t) t = returns.first(ov);
    }
    if (t !== Number.POSITIVE_INFINITY) this.wakeOut(ro, t);
  }

  protected wakeOut(ro: number, t: number): void {
    if (this.portTime[ro * 4 + 1] <= t) return;
    this.portTime[ro * 4 + 1] = t;
    this.at(t, K_OUT, ro, 0);
  }

  protected wakeIn(rp: number, t: number): void {
    if (this.portTime[rp * 4 + 3] <= t) return;
    this.portTime[rp * 4 + 3] = t;
    this.at(t, K_IN, rp, 0);
  }

  /**
   * Recomputes the request masks of input port `rp` (router r = rp / 5) from `eligible` and
   * `remaining` of its VCs; called after every change of either.
   */
  protected updateWant(rp: number): void {
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
  protected frontChanged(q: number): void {
    const kernel = this.kernel as Kernel;
    let e = this.eligibleTime(q);
    // With one VC per port, the front cannot go before its input port is free (the flit
    // ahead of it still crossing the crossbar): it starts competing then, one event instead of
    // an eligibility event plus a port wake.
    if (this.vcs === 1) {
      const inFree = this.portTime[q * 4 + 2];
      if (inFree > e) e = inFree;
    }
    if (e <= kernel.now) this.becomeEligible(q);
    else this.at(e, K_ELIGIBLE, q, 0);
  }

  /**
   * The front flit of q may compete: route it (head) and ask each output it needs. It starts
   * at once on the first output that is free with a credit, unless a wake due now for that
   * output or its input port will choose among all waiting flits; for every output it cannot
   * have now, a wake at the release it waits for is scheduled.
   */
  protected becomeEligible(q: number): void {
    const now = (this.kernel as Kernel).now;
    const r = (q / this.queuesPerRouter) | 0;
    this.eligible[q] = 1;
    if (this.adaptive && this.remaining[q] < 0) {
      for (let o = 0; o < 4; o++) this.syncOutput(r * PORTS + o, now);
    }
    this.setupFront(q, r);
    const rem = this.remaining[q];
    const rp = (q / this.vcs) | 0;
    const p = rp - r * PORTS;
    let served = false;
    let usable = false;
    for (let m = rem; m !== 0; m &= m - 1) {
      const o = 31 - Math.clz32(m & -m);
      const ro = r * PORTS + o;
      this.syncOutput(ro, now);
      if (!this.canUse(q, r, o)) {
        this.wakeOnCredit(ro);
        continue;
      }
      usable = true;
      const outFree = this.portTime[ro * 4];
      if (outFree > now) {
        this.wakeOut(ro, outFree);
        continue;
      }
      const inFree = this.portTime[rp * 4 + 2];
      if (inFree > now) {
        this.wakeIn(rp, inFree);
        continue;
      }
      if (served || this.portTime[ro * 4 + 1] === now || this.portTime[rp * 4 + 3] === now)
        continue;
      this.start(q, r, p, o);
      served = true;
    }
    // Its requests join the masks (start has done it when the flit went).
    if (!served) {
      this.updateWant(rp);
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
        this.dispatch(bucket.kind[i], bucket.a[i], bucket.b[i], now);
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
        for (let ro = 0; ro < this.outWant.length; ro++) this.syncOutput(ro, now);
        throw new NocDeadlockError(this.blockedReport(now));
      }
    }
  }

  private dispatch(kind: number, a: number, b: number, now: number): void {
    switch (kind) {
      case K_ELIGIBLE:
        this.becomeEligible(a);
        break;
      case K_OUT: {
        if (this.portTime[a * 4 + 1] === now) this.portTime[a * 4 + 1] = Number.POSITIVE_INFINITY;
        const r = (a / PORTS) | 0;
        this.arbitrate(r, a - r * PORTS);
        break;
      }
      case K_IN: {
        if (this.portTime[a * 4 + 3] === now) this.portTime[a * 4 + 3] = Number.POSITIVE_INFINITY;
        const r = (a / PORTS) | 0;
        for (let want = this.portWant[a]; want !== 0; want &= want - 1) {
          this.arbitrate(r, 31 - Math.clz32(want & -want));
        }
        break;
      }
      case K_EJECT: {
        const w = Math.floor(b / SEQ_BITS);
        if (this.ejectFlit(w, b - w * SEQ_BITS)) this.onTail(w, a, now);
        break;
      }
      case K_PUMP:
        if (this.pumpAt[a] === now) this.pumpAt[a] = Number.POSITIVE_INFINITY;
        this.pump(a, now);
        break;
    }
  }

  /**
   * Work conservation, for tests: the (input VC, output) pairs that could start now (the flit
   * is eligible and wants the output, both ports are free, a usable output VC has a credit)
   * but have not. Right after the network has run its events of time `now` there must be none:
   * one would mean a release whose wake was lost.
   */
  missedStarts(now: number): string[] {
    const missed: string[] = [];
    for (let q = 0; q < this.buf.queues; q++) {
      if (this.eligible[q] === 0 || this.remaining[q] <= 0) continue;
      const r = (q / this.queuesPerRouter) | 0;
      const rp = (q / this.vcs) | 0;
      if (this.portTime[rp * 4 + 2] > now) continue;
      for (let m = this.remaining[q]; m !== 0; m &= m - 1) {
        const o = 31 - Math.clz32(m & -m);
        const ro = r * PORTS + o;
        if (this.portTime[ro * 4] > now) continue;
        this.syncOutput(ro, now);
        if (this.canUse(q, r, o)) missed.push(`router ${r} input VC ${q} output ${o} at ${now}`);
      }
    }
    return missed;
  }

  /**
   * Moves flits from node r's source queue into its local input port while credits allow; if
   * flits are left, node r is woken at the next injection credit due back (or, when none is on
   * its way, by the next one sent: see {@link scheduleCredit}).
   *
   * With one VC per port nothing but the source queue competes for the local port's slots, so
   * each flit's entry time is known as soon as the credit it needs is on its way: the flit is
   * written now, stamped with max(now, credit return) as its arrival (as a link arrival is, see
   * {@link scheduleArrive}), which saves an event per injected flit.
   */
  private pump(r: number, now: number): void {
    const V = this.vcs;
    if (V === 1) {
      this.pumpOneVc(r, now);
      return;
    }
    const returns = this.injReturns;
    let next = Number.POSITIVE_INFINITY;
    for (let iv = r * V, end = iv + V; iv < end; iv++) {
      if (returns.count[iv] === 0) continue;
      this.injCredits[iv] += returns.takeDue(iv, now);
      if (returns.count[iv] > 0 && returns.first(iv) < next) next = returns.first(iv);
    }
    for (;;) {
      const q = this.injectOne(r, now);
      if (q < 0) break;
      if (this.buf.count(q) === 1) this.frontChanged(q);
    }
    if (next !== Number.POSITIVE_INFINITY && this.srcHead[r] < this.srcLen[r]) {
      this.wakePump(r, next);
    }
  }

  protected pumpOneVc(r: number, now: number): void {
    const returns = this.injReturns;
    const q = r * PORTS + PORT_LOCAL; // one VC
    while (this.srcHead[r] < this.srcLen[r]) {
      let t = now;
      if (this.injCredits[r] === 0) {
        if (returns.count[r] === 0) return; // the next local-port pop moves the queue on
        t = Math.max(t, returns.first(r));
        returns.shift(r);
        this.injCredits[r]++;
      }
      if (this.injectOne(r, t) < 0) throw new Error(`injection at node ${r} without a credit`);
      if (this.buf.count(q) === 1) this.frontChanged(q);
    }
  }

  /**
   * Output port o of router r, if free, picks an eligible requester with a usable output VC
   * (round-robin over input ports not busy, then over VCs) and starts its switch allocation.
   * Requesters it cannot serve get a wake at the release they wait for.
   */
  protected arbitrate(r: number, o: number): void {
    const now = (this.kernel as Kernel).now;
    const ro = r * PORTS + o;
    const ports = this.outWant[ro];
    if (ports === 0) return;
    const outFree = this.portTime[ro * 4];
    if (outFree > now) {
      this.wakeOut(ro, outFree);
      return;
    }
    // Input ports busy now wake this output again when they are free.
    let busy = 0;
    for (let m = ports; m !== 0; m &= m - 1) {
      const p = 31 - Math.clz32(m & -m);
      const inFree = this.portTime[(r * PORTS + p) * 4 + 2];
      if (inFree > now) {
        busy |= 1 << p;
        this.wakeIn(r * PORTS + p, inFree);
      }
    }
    const avail = ports & ~busy;
    if (avail === 0) return;
    this.syncOutput(ro, now);
    const V = this.vcs;
    const bit = 1 << o;
    const start = this.outPtr[ro];
    for (let i = 0; i < PORTS; i++) {
      let p = start + i;
      if (p >= PORTS) p -= PORTS;
      if (((avail >> p) & 1) === 0) continue;
      const rp = r * PORTS + p;
      const vStart = this.vcPtr[rp * PORTS + o];
      for (let j = 0; j < V; j++) {
        let v = vStart + j;
        if (v >= V) v -= V;
        const q = rp * V + v;
        if (!this.eligible[q] || !(this.remaining[q] & bit) || this.remaining[q] < 0) continue;
        if (!this.canUse(q, r, o)) continue;
        this.start(q, r, p, o);
        return;
      }
    }
    this.wakeOnCredit(ro);
  }

  /**
   * Input VC q (port p) wins output o at `now`: both ports are busy until the crossbar is
   * crossed. The outcome is known now: the flit leaves its FIFO at the grant g = now + sa (so
   * the next flit competes from g), the ports are free at g + xb; flits still waiting for
   * either port are woken then.
   */
  protected start(q: number, r: number, p: number, o: number): void {
    const now = (this.kernel as Kernel).now;
    const ro = r * PORTS + o;
    const rp = r * PORTS + p;
    const v = q - rp * this.vcs;
    this.reserve(q, r, o);
    this.outPtr[ro] = p + 1 === PORTS ? 0 : p + 1;
    this.vcPtr[rp * PORTS + o] = v + 1 === this.vcs ? 0 : v + 1;
    const s = this.st;
    const g = now + s.sa;
    const free = g + s.xb;
    this.portTime[ro * 4] = free;
    this.portTime[rp * 4 + 2] = free;
    this.depart(q, r, p, o, g, g, o === PORT_LOCAL ? free : free + s.link);
    // A flit that left its FIFO had its port's masks updated by afterPop; one with outputs
    // still to serve (a multicast fork) keeps requesting them.
    if (this.remaining[q] > 0) this.updateWant(rp);
    if (p === PORT_LOCAL && this.vcs === 1 && this.srcHead[r] < this.srcLen[r]) {
      this.pumpOneVc(r, now);
    }
    if (this.outWant[ro] !== 0) this.wakeOut(ro, free);
    if (this.portWant[rp] !== 0) this.wakeIn(rp, free);
  }
}
