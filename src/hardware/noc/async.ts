import type { Kernel } from '../../kernel/kernel.js';
import { AsyncWakes, K_ELIGIBLE } from './asyncWakes.js';
import type { FabricConfig } from './fabric.js';

/** Ports per router and the local port (local copies: imported bindings are slower under tsx). */
const PORTS = 5;
const PORT_LOCAL = 4;

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
 * This class makes the router's decisions (eligibility, arbitration, the start of a crossing,
 * injection); the event queue, the release times and the wakes are {@link AsyncWakes}'
 * (asyncWakes.ts).
 */
export class AsyncFabric extends AsyncWakes {
  /**
   * Round-robin VC pointer of each output's arbiter for each input port: `(r * 5 + p) * 5 + o`.
   * Per output, not shared by the port's outputs: with one pointer per input port, grants of a
   * port's VCs to other outputs can keep moving it past a VC that waits for this output, which
   * then starves (seen under overload with 3 VCs).
   */
  private readonly vcPtr: Int32Array;

  constructor(config: FabricConfig) {
    super(config);
    this.vcPtr = new Int32Array(this.nodes * PORTS * PORTS);
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
  protected afterPop(q: number): void {
    this.eligible[q] = 0;
    this.updateWant((q / this.vcs) | 0);
    if (this.buf.count(q) > 0) this.frontChanged(q);
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
  protected pump(r: number, now: number): void {
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
