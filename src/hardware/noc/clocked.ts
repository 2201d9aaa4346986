import type { EventTarget, Kernel } from '../../kernel/kernel.js';
import { ClockedSwitch, EV_ARRIVE, EV_CREDIT, EV_EJECT } from './clockedSwitch.js';
import type { FabricConfig } from './fabric.js';
import type { NocPacket } from './network.js';
import { NocDeadlockError } from './watchdog.js';

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
export class ClockedFabric extends ClockedSwitch implements EventTarget {
  /** Timing wheel of arrivals and credits: per slot, entries of 4 ints (type, a, b, c). */
  private wheel: Int32Array[];
  private readonly wheelFill: Int32Array;
  private readonly wheelMask: number;
  private wheelCount = 0;
  /** The cycle of the next scheduled tick (Infinity: none). */
  private nextTick = Number.POSITIVE_INFINITY;
  /**
   * Nodes whose source queue holds worms (bit `r & 31` of word `r >> 5`): the injection step
   * visits only those, in increasing order.
   */
  private readonly sourcesWaiting: Int32Array;

  constructor(
    config: FabricConfig,
    readonly clockNs: number,
  ) {
    super(config);
    const st = this.st;
    const span =
      Math.max(st.sa + st.xb + st.link, st.sa + st.xb + st.eject, st.sa + st.credit, st.inject, 1) +
      2;
    let size = 4;
    while (size < span) size *= 2;
    this.wheel = Array.from({ length: size }, () => new Int32Array(64));
    this.wheelFill = new Int32Array(size);
    this.wheelMask = size - 1;
    this.sourcesWaiting = new Int32Array((this.nodes + 31) >> 5);
  }

  /** The cycle at which a packet offered at kernel time `timeNs` can first enter the router. */
  entryCycle(timeNs: number): number {
    return Math.max(Math.ceil(timeNs / this.clockNs - 1e-9), this.lastTick + 1);
  }

  override enqueueWorm(
    packet: NocPacket,
    dst: number,
    pending: number,
    now: number,
    engineNow: number,
  ): number {
    const r = packet.srcNode;
    this.sourcesWaiting[r >> 5] |= 1 << (r & 31);
    return super.enqueueWorm(packet, dst, pending, now, engineNow);
  }

  /** Makes sure a tick runs at `cycle` (or earlier). */
  wake(cycle: number): void {
    if (cycle >= this.nextTick) return;
    this.nextTick = cycle;
    (this.kernel as Kernel).scheduleAt(cycle * this.clockNs, this.priority, this, 0, cycle);
  }

  protected wheelPush(t: number, type: number, a: number, b: number, c: number): void {
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
    this.wheelPush(t, EV_ARRIVE, q, w, seq);
  }
  protected scheduleEject(t: number, node: number, w: number, seq: number): void {
    // A zero-cycle sink (sa = xb = 0) takes the flit in the cycle it wins.
    if (t === this.lastTick) {
      if (this.ejectFlit(w, seq)) this.onTail(w, node, t);
    } else this.wheelPush(t, EV_EJECT, node, w, seq);
  }
  protected scheduleCredit(t: number, index: number, kind: number): void {
    this.wheelPush(t, EV_CREDIT, index, kind, 0);
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
      if (h < this.srcLen[r] && this.worms.entryTime(this.srcQueue[r][h]) > cycle) return false;
    }
    for (let q = 0; q < this.buf.queues; q++) {
      if (this.buf.count(q) > 0 && this.eligibleTime(q) > cycle) return false;
    }
    return true;
  }

  private sourcesPending(): boolean {
    const words = this.sourcesWaiting;
    for (let k = 0; k < words.length; k++) if (words[k] !== 0) return true;
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
    this.injectAll(c);
    this.readyFrom(c);
    // Only routers with a ready front flit can do anything (or stall).
    this.allocateAll(c);
  }

  /** Each waiting source queue whose front worm has been offered moves one flit, if it can. */
  private injectAll(c: number): void {
    const words = this.sourcesWaiting;
    for (let k = 0; k < words.length; k++) {
      for (let bits = words[k]; bits !== 0; bits &= bits - 1) {
        const bit = bits & -bits;
        const r = (k << 5) + 31 - Math.clz32(bit);
        const h = this.srcHead[r];
        if (this.worms.entryTime(this.srcQueue[r][h]) > c) continue;
        const q = this.injectOne(r, c);
        // (Through an injection channel the flit lands later: `arrive` sees to it.)
        if (q >= 0 && this.st.inject === 0 && this.buf.count(q) === 1) this.frontChanged(q);
        if (this.srcHead[r] >= this.srcLen[r]) words[k] &= ~bit;
      }
    }
  }
}
