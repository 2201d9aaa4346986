import type { EventTarget, Kernel } from '../kernel/kernel.js';
import type { LayerLink, SimCore } from './connectivity.js';
import type { FrameSlot } from './frameResult.js';
import type { IdealSender, PacketSender, SpikePayload } from './packets.js';
import type { SimSetup } from './setup.js';
import { spikeOffsetNs } from './spikeTiming.js';

/**
 * Core `core`'s spikes of a window (`tau > 0` among its emitted neurons) into `q` in emission
 * order: earliest first (larger `tau`), ties in neuron order. Returns how many.
 */
export function emissionOrder(core: SimCore, tau: Float64Array, q: Int32Array): number {
  const list = core.emitNeurons;
  let n = 0;
  for (let i = 0; i < list.length; i++) if (tau[list[i]!]! > 0) q[n++] = list[i]!;
  if (n > 1) q.subarray(0, n).sort((x, y) => tau[y]! - tau[x]! || x - y);
  return n;
}

/** Kernel priority of emissions: after NoC deliveries (0), injections (1) and opens (2). */
export const P_EMIT = 3;
const K_EMIT = 2;

/**
 * Spike emission (docs/simulation.md, step 3): when a core has opened a window, its spikes leave
 * in emission order (earliest first: larger `tau`; ties in neuron order), each at its physical
 * time, as one packet per destination core or one multicast packet. One EMIT event per core is
 * pending at a time (the kernel's target: `a` = core, `ref` = frame slot); it sends every spike
 * due at its time, then schedules the next emission time, which keeps the kernel's heap small.
 */
export class Emissions implements EventTarget {
  private readonly cores: SimCore[];
  private readonly links: LayerLink[];
  /** Per core: its spikes of the open window in emission order, and the cursor into them. */
  private readonly queue: Int32Array[];
  private readonly len: Int32Array;
  private readonly pos: Int32Array;
  private readonly openNs: Float64Array;

  constructor(
    private readonly setup: SimSetup,
    private readonly kernel: Kernel,
    /** The ideal network's direct sender, or null: packets through the generic network. */
    private readonly direct: IdealSender | null,
    private readonly packets: PacketSender | null,
    /** Stage of the sending layer of each link (where its traffic is counted). */
    private readonly srcStageOfLink: Int32Array,
    /** Where each core's emission order lies in a slot's `emitOrder` (when the slots have one). */
    private readonly orderOffsets: Int32Array | null = null,
  ) {
    this.cores = setup.conn.cores;
    this.links = setup.conn.links;
    const n = this.cores.length;
    this.queue = this.cores.map((c) => new Int32Array(c.emitNeurons.length));
    this.len = new Int32Array(n);
    this.pos = new Int32Array(n);
    this.openNs = new Float64Array(n);
  }

  /**
   * Queues the spikes (`tau > 0`) of core `c`'s emitted neurons in this window (opened at `now`)
   * in emission order and schedules the first.
   */
  queueWindow(c: number, core: SimCore, tau: Float64Array, slot: FrameSlot, now: number): void {
    const q = this.queue[c]!;
    let n: number;
    const order = slot.emitOrder;
    if (order !== null) {
      // Computed with the frame's spikes (frameSpikes.ts), by emissionOrder too.
      const o = this.orderOffsets![c]!;
      n = order[o]!;
      q.set(order.subarray(o + 1, o + 1 + n));
    } else n = emissionOrder(core, tau, q);
    if (n === 0) return;
    this.len[c] = n;
    this.pos[c] = 0;
    this.openNs[c] = now;
    const t = now + spikeOffsetNs(this.setup, tau[q[0]!]!);
    this.kernel.scheduleAt(t, P_EMIT, this, K_EMIT, c, 0, slot);
  }

  onEvent(_kind: number, c: number, _b: number, ref: unknown): void {
    this.emitDue(c, ref as FrameSlot);
  }

  /** Emits the core's queued spikes due now, then schedules the next emission time. */
  private emitDue(c: number, slot: FrameSlot): void {
    const core = this.cores[c]!;
    const tau = slot.tau[this.links[core.mapIdx]!.emitStage]!;
    const q = this.queue[c]!;
    const len = this.len[c]!;
    let pos = this.pos[c]!;
    const offset = spikeOffsetNs(this.setup, tau[q[pos]!]!);
    while (pos < len && spikeOffsetNs(this.setup, tau[q[pos]!]!) === offset)
      this.emit(c, q[pos++]!, slot);
    if (this.direct !== null) this.direct.flushSpikes();
    this.pos[c] = pos;
    if (pos < len) {
      const next = this.openNs[c]! + spikeOffsetNs(this.setup, tau[q[pos]!]!);
      this.kernel.scheduleAt(next, P_EMIT, this, K_EMIT, c, 0, slot);
    }
  }

  /** A spike leaves core `c`: one packet per destination core, or one multicast packet. */
  private emit(c: number, j: number, slot: FrameSlot): void {
    const core = this.cores[c]!;
    const link = this.links[core.mapIdx]!;
    if (!link.colHasTargets[j % link.inW]) return;
    const y = Math.floor(j / link.inW) % link.inH;
    if (link.rowDst[y]!.length === 0) return;
    const srcStage = this.srcStageOfLink[core.mapIdx]!;
    if (this.direct !== null) {
      this.direct.sendSpike(c, link, y, j, slot, srcStage);
      return;
    }
    const payload: SpikePayload = {
      slot,
      frame: slot.frame,
      neuron: j,
      tau: slot.tau[link.emitStage]![j]!,
      link,
      srcStage,
    };
    this.packets!.sendSpike(c, link, y, payload, slot);
  }
}
