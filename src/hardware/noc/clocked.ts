import type { EventTarget, Kernel } from '../../kernel/kernel.js';
import { roundRobinPick as importedPick } from './arbiter.js';
import { Fabric } from './fabric.js';
import type { RoutingFn } from './routing.js';
import { NocDeadlockError } from './watchdog.js';
import type { StageDelays } from './zeroLoad.js';

/** Ports per router and the local port (local copies: imported bindings are slower under tsx). */
const PORTS = 5;
const PORT_LOCAL = 4;
/** Local binding of the arbiter function (a call through an import binding costs more). */
const roundRobinPick = importedPick;

const EV_ARRIVE = 0;
const EV_EJECT = 1;
const EV_CREDIT = 2;

/** Called when a tail reaches its destination's sink (engine time in cycles). */
export type TailFn = (worm: number, node: number, cycle: number) => void;

/**
 * The clocked router (as in BookSim): every stage takes whole cycles and allocation happens at
 * cycle boundaries. One kernel event per *active* cycle (idle cycles are skipped); inside it, in
 * this order:
 *
 *  1. arrivals due this cycle: flits into input buffers, flits into sinks (deliveries), credits;
 *  2. injection: each source queue moves at most one flit into its local input port;
 *  3. per router, separable input-first switch allocation: each input port's round-robin
 *     arbiter picks one of its VCs whose front flit is eligible and can use an output (a VC
 *     with a credit downstream); each output port's round-robin arbiter picks one of the input
 *     ports requesting it; winners cross the switch.
 *
 * A flit that wins in cycle c leaves its FIFO at c + sa, reaches the next input buffer at
 * c + sa + xb + link (a sink at c + sa + xb + ejection) and returns its credit at max(c + 1, c +
 * sa + credit). The front flit of a FIFO may compete from max(arrival + (head ? rc + va : 0),
 * departure of its predecessor + 1): route computation and VC allocation run from the head's
 * arrival, overlapped with the flits ahead of it; with `vcTurnaround` a head may compete only
 * from max(arrival, departure of its predecessor + 1) + rc + va (BookSim's iq router). A flit
 * moved out of a source queue in cycle c lands in the local input buffer at c + injection.
 * Arrivals and credits
 * caused by cycle c land in later cycles, so the routers of one cycle are independent and the
 * order in which they are visited does not matter.
 */
export class ClockedFabric extends Fabric implements EventTarget {
  /** Timing wheel of arrivals and credits: per slot, entries of 4 ints (type, a, b, c). */
  private wheel: Int32Array[];
  private readonly wheelFill: Int32Array;
  private readonly wheelMask: number;
  private wheelCount = 0;
  private kernel: Kernel | undefined;
  /** Last cycle processed, and the cycle of the next scheduled tick (Infinity: none). */
  lastTick = -1;
  private nextTick = Number.POSITIVE_INFINITY;
  private readonly vcReq: Int32Array;
  /**
   * Ready front flits: an input VC is *ready* from the first cycle its front flit may compete,
   * max(arrival + (head ? rc + va : 0), last departure + 1), until that flit leaves. The cycle
   * is known when the front changes (a flit enters an empty FIFO, or the front leaves); a VC
   * not ready yet waits in `readyWheel` (per cycle slot, its VCs). A router is visited only
   * while it has ready VCs (`readyCount`); with one VC per port `readyPorts` is the set.
   */
  private readonly isReady: Uint8Array;
  private readonly readyCount: Int32Array;
  private readonly readyPorts: Int32Array;
  private readyWheel: Int32Array[];
  private readonly readyFill: Int32Array;
  private readonly readyMask: number;
  private readonly portReq = new Int32Array(PORTS);
  private readonly portVc = new Int32Array(PORTS);
  private readonly portGrant = new Int32Array(PORTS);
  onTail: TailFn = () => {};

  constructor(
    meshWidth: number,
    meshHeight: number,
    vcs: number,
    depthFlits: number,
    routeFn: RoutingFn,
    adaptive: boolean,
    st: StageDelays,
    readonly clockNs: number,
    readonly watchdogNs: number,
    readonly priority: number,
  ) {
    super(meshWidth, meshHeight, vcs, depthFlits, routeFn, adaptive, st, 1);
    this.integrateOnChange = false;
    const span =
      Math.max(st.sa + st.xb + st.link, st.sa + st.xb + st.eject, st.sa + st.credit, st.inject, 1) +
      2;
    let size = 4;
    while (size < span) size *= 2;
    this.wheel = Array.from({ length: size }, () => new Int32Array(64));
    this.wheelFill = new Int32Array(size);
    this.wheelMask = size - 1;
    this.vcReq = new Int32Array(vcs);
    this.isReady = new Uint8Array(this.buf.queues);
    this.readyCount = new Int32Array(this.nodes);
    this.readyPorts = new Int32Array(this.nodes);
    let readySize = 4;
    while (readySize < Math.max(st.rcva, 1) + 2) readySize *= 2;
    this.readyWheel = Array.from({ length: readySize }, () => new Int32Array(16));
    this.readyFill = new Int32Array(readySize);
    this.readyMask = readySize - 1;
  }

  /**
   * The front of q changed (a flit entered it empty, or its front left): q is ready from the
   * new front's eligibility cycle (at once when that is the current cycle).
   */
  private frontChanged(q: number): void {
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
    this.readyCount[r]++;
    if (this.vcs === 1) this.readyPorts[r] |= 1 << (q - r * PORTS);
  }

  protected override arrive(q: number, w: number, seq: number, now: number): void {
    this.bufferPush(q, w, seq, now);
    if (this.buf.count(q) === 1) this.frontChanged(q);
  }

  attach(kernel: Kernel): void {
    this.kernel = kernel;
  }

  /** The cycle at which a packet offered at kernel time `timeNs` can first enter the router. */
  entryCycle(timeNs: number): number {
    return Math.max(Math.ceil(timeNs / this.clockNs - 1e-9), this.lastTick + 1);
  }

  /** Makes sure a tick runs at `cycle` (or earlier). */
  wake(cycle: number): void {
    if (cycle >= this.nextTick) return;
    this.nextTick = cycle;
    (this.kernel as Kernel).scheduleAt(cycle * this.clockNs, this.priority, this, 0, cycle);
  }

  private push(t: number, type: number, a: number, b: number, c: number): void {
    const i = t & this.wheelMask;
    let slot = this.wheel[i];
    const n = this.wheelFill[i];
    if (n + 4 > slot.length) {
      const grown = new Int32Array(slot.length * 2);
      grown.set(slot);
      this.wheel[i] = slot = grown;
    }
    slot[n] = type;
    slot[n + 1] = a;
    slot[n + 2] = b;
    slot[n + 3] = c;
    this.wheelFill[i] = n + 4;
    this.wheelCount++;
  }

  protected scheduleArrive(t: number, q: number, w: number, seq: number): void {
    this.push(t, EV_ARRIVE, q, w, seq);
  }
  protected scheduleEject(t: number, node: number, w: number, seq: number): void {
    // A zero-cycle sink (sa = xb = 0) takes the flit in the cycle it wins.
    if (t === this.lastTick) {
      if (this.ejectFlit(w, seq)) this.onTail(w, node, t);
    } else this.push(t, EV_EJECT, node, w, seq);
  }
  protected scheduleCredit(t: number, index: number, kind: number): void {
    this.push(t, EV_CREDIT, index, kind, 0);
  }
  protected afterPop(q: number): void {
    // The front left: q is ready again once the new front may compete.
    if (this.isReady[q] !== 0) {
      this.isReady[q] = 0;
      const r = (q / this.queuesPerRouter) | 0;
      this.readyCount[r]--;
      if (this.vcs === 1) this.readyPorts[r] &= ~(1 << (q - r * PORTS));
    }
    this.frontChanged(q);
  }
  protected currentTime(): number {
    return this.lastTick;
  }

  onEvent(_kind: number, cycle: number): void {
    if (cycle !== this.nextTick || cycle <= this.lastTick) return; // superseded tick
    this.nextTick = Number.POSITIVE_INFINITY;
    // Packets offered during this tick (by delivery callbacks) enter from the next cycle.
    this.lastTick = cycle;
    this.tick(cycle);
    if (this.flitsInside > 0 && this.lastMove < cycle) {
      if ((cycle - this.lastMove) * this.clockNs > this.watchdogNs || this.frozen(cycle)) {
        throw new NocDeadlockError(this.blockedReport(cycle));
      }
    }
    let next = Number.POSITIVE_INFINITY;
    if (this.buf.total > 0 || this.sourcesPending()) next = cycle + 1;
    else if (this.wheelCount > 0) {
      for (let t = cycle + 1; ; t++) {
        if (this.wheelFill[t & this.wheelMask] > 0) {
          next = t;
          break;
        }
      }
    }
    if (next < Number.POSITIVE_INFINITY) this.wake(next);
  }

  /**
   * Whether nothing can ever move again: no flit moved this cycle, no arrival or credit is on
   * its way and no front flit is still waiting for its pipeline delay, so every later cycle
   * would be this one again (a deadlock, reported at once instead of after `watchdogNs`).
   */
  private frozen(cycle: number): boolean {
    if (this.wheelCount > 0) return false;
    for (let r = 0; r < this.nodes; r++) {
      const h = this.srcHead[r];
      if (h < this.srcLen[r] && this.worms.injectEngineTime[this.srcQueue[r][h]] > cycle)
        return false;
    }
    for (let q = 0; q < this.buf.queues; q++) {
      if (this.buf.count(q) > 0 && this.eligibleTime(q) > cycle) return false;
    }
    return true;
  }

  private sourcesPending(): boolean {
    for (let r = 0; r < this.nodes; r++) if (this.srcHead[r] < this.srcLen[r]) return true;
    return false;
  }

  /** One clock cycle: arrivals, injection, switch allocation and traversal. */
  tick(c: number): void {
    // Buffer contents change only inside ticks: integrate the occupancy once per cycle.
    this.integrateOccupancy();
    const index = c & this.wheelMask;
    const slot = this.wheel[index];
    const n = this.wheelFill[index];
    for (let i = 0; i < n; i += 4) {
      const type = slot[i];
      if (type === EV_ARRIVE) this.arrive(slot[i + 1], slot[i + 2], slot[i + 3], c);
      else if (type === EV_CREDIT) this.creditIn(slot[i + 1], slot[i + 2]);
      else if (this.ejectFlit(slot[i + 2], slot[i + 3])) this.onTail(slot[i + 2], slot[i + 1], c);
    }
    // Nothing scheduled from here lands in this slot (every delay is at least one cycle).
    this.wheelFill[index] = 0;
    this.wheelCount -= n / 4;
    const entry = this.worms.injectEngineTime;
    for (let r = 0; r < this.nodes; r++) {
      const h = this.srcHead[r];
      if (h < this.srcLen[r] && entry[this.srcQueue[r][h]] <= c) {
        const q = this.injectOne(r, c);
        // (Through an injection channel the flit lands later: `arrive` sees to it.)
        if (q >= 0 && this.st.inject === 0 && this.buf.count(q) === 1) this.frontChanged(q);
      }
    }
    // VCs whose front flit may compete from this cycle on.
    const ri = c & this.readyMask;
    const readySlot = this.readyWheel[ri];
    for (let i = 0, n = this.readyFill[ri]; i < n; i++) this.setReady(readySlot[i]);
    this.readyFill[ri] = 0;
    // Only routers with a ready front flit can do anything (or stall).
    const ready = this.readyCount;
    if (this.vcs === 1) {
      for (let r = 0; r < this.nodes; r++) if (ready[r] > 0) this.allocateOneVc(r, c);
    } else for (let r = 0; r < this.nodes; r++) if (ready[r] > 0) this.allocate(r, c);
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
    const s = this.st;
    if ((ports & (ports - 1)) === 0) {
      // A single requesting port: every output arbiter grants it.
      const p = 31 - Math.clz32(ports);
      const q = base + p;
      for (let m = lastReq; m !== 0; m &= m - 1) {
        this.outPtr[base + 31 - Math.clz32(m & -m)] = p + 1 === PORTS ? 0 : p + 1;
      }
      for (let m = lastReq; m !== 0; m &= m - 1) {
        const o = 31 - Math.clz32(m & -m);
        this.reserve(q, r, o);
        const tArrive = o === PORT_LOCAL ? c + s.sa + s.xb + s.eject : c + s.sa + s.xb + s.link;
        this.depart(q, r, p, o, c, c + s.sa, tArrive);
      }
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
      const q = base + p;
      for (let m = g; m !== 0; m &= m - 1) {
        const o = 31 - Math.clz32(m & -m);
        this.reserve(q, r, o);
        const tArrive = o === PORT_LOCAL ? c + s.sa + s.xb + s.eject : c + s.sa + s.xb + s.link;
        this.depart(q, r, p, o, c, c + s.sa, tArrive);
      }
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
    const s = this.st;
    for (let p = 0; p < PORTS; p++) {
      const g = grant[p];
      if (g === 0) {
        if (portReq[p] !== 0) st.stalls++;
        continue;
      }
      const v = portVc[p];
      const q = (r * PORTS + p) * V + v;
      this.inPtr[r * PORTS + p] = v + 1 === V ? 0 : v + 1;
      for (let o = 0; o < PORTS; o++) {
        if (!((g >> o) & 1)) continue;
        this.reserve(q, r, o);
        const tArrive = o === PORT_LOCAL ? c + s.sa + s.xb + s.eject : c + s.sa + s.xb + s.link;
        this.depart(q, r, p, o, c, c + s.sa, tArrive);
      }
    }
  }
}
