import type { EventTarget, Kernel } from '../../kernel/kernel.js';
import { CreditReturns } from './creditReturns.js';
import { EventHeap } from './eventHeap.js';
import { Fabric, type FabricConfig } from './fabric.js';
import { NocDeadlockError } from './watchdog.js';

/** Ports per router (a local copy: imported bindings are slower under tsx). */
const PORTS = 5;

/** Network event kinds: a flit reaches a sink (b: worm and seq, see {@link SEQ_BITS}). */
export const K_EJECT = 1;
/** The front flit of input VC a may compete. */
export const K_ELIGIBLE = 3;
/** Wake an output port: it is free or has a credit back, and some eligible flit wants it. */
const K_OUT = 4;
/** Wake an input port: it is free again and its eligible flits want outputs. */
const K_IN = 5;
/** A source's queue may move on (an injection credit is back). */
const K_PUMP = 6;
/** Flit positions are packed with worm ids into one event argument: worm * 2^16 + seq. */
export const SEQ_BITS = 65536;

/**
 * The asynchronous engine's time keeping (the router's decisions are {@link AsyncFabric}'s, in
 * async.ts): its own event queue, mirrored into the kernel by one wake-up per distinct time;
 * the release times of the ports and of the credits on their way back; the request masks of the
 * eligible flits; and the wakes that let a waiting flit try again when what it waits for is
 * released. Releases are *times*, not events: a port is busy while `now < freeAt`, a credit
 * counts once its return time is `<= now`, and an event is queued only when an eligible flit
 * actually waits for a release.
 *
 * Watchdog: when no internal event is pending while flits are in flight, nothing can ever move
 * again (a deadlock): the network throws {@link NocDeadlockError} at once; it also throws when
 * no flit has moved for `watchdogNs`.
 */
export abstract class AsyncWakes extends Fabric implements EventTarget {
  protected readonly events = new EventHeap();
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
  protected readonly pumpAt: Float64Array;
  /**
   * Request masks, kept in step with `eligible` and `remaining` so that an arbitration with
   * nobody to serve costs two loads: per input port `r * 5 + p`, the outputs its eligible front
   * flits still want; per output port `r * 5 + o`, the input ports whose eligible front flits
   * want it.
   */
  protected readonly portWant: Int32Array;
  protected readonly outWant: Int32Array;

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
  }

  /** The front flit of q may compete now (a K_ELIGIBLE event, or at once). */
  protected abstract becomeEligible(q: number): void;
  /** Output o of router r picks a requester, if it is free and someone can go. */
  protected abstract arbitrate(r: number, o: number): void;
  /** Node r's source queue moves flits into its local input port while credits allow. */
  protected abstract pump(r: number, now: number): void;

  /** Queues a network event; the kernel is woken at the earliest one. */
  protected at(t: number, kind: number, a: number, b: number): void {
    this.events.push(t, kind, a, b);
    if (t < this.wakeAt) {
      this.wakeAt = t;
      (this.kernel as Kernel).scheduleAt(t, this.priority, this, 0, t);
    }
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

  protected wakePump(r: number, t: number): void {
    if (this.pumpAt[r] <= t) return;
    this.pumpAt[r] = t;
    this.at(t, K_PUMP, r, 0);
  }
  /** Counts the link credits of every VC of output `ro` whose return time has come. */
  protected syncOutput(ro: number, now: number): void {
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
}
