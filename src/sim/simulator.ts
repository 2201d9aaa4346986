import { IdealNoc } from '../hardware/noc/ideal.js';
import type { NetworkOnChip, NocPacket } from '../hardware/noc/network.js';
import type { EventTarget, Kernel } from '../kernel/kernel.js';
import { spikeTime } from '../snn/neuron.js';
import { decide, hostEncode } from '../snn/reference.js';
import type { LayerLink, SimCore } from './connectivity.js';
import { sopCount } from './core.js';
import { CoreCompute } from './coreCompute.js';
import { FrameSlot, frameResultOf, type SimFrameResult } from './frameResult.js';
import {
  type DeliveryGroup,
  IdealSender,
  K_SPIKE_DELIVERY,
  K_SPIKE_GROUP,
  PacketSender,
  type SpikePayload,
} from './packets.js';
import type { SimSetup } from './setup.js';
import { type SpikeFn, spikeOffsetNs, traceCoreSpikes } from './spikeTiming.js';

export type { SpikeFn } from './spikeTiming.js';

/**
 * The event-driven simulation of a whole network on its mapped cores (docs/simulation.md).
 * One object per run; it is the kernel's only event target besides the network-on-chip.
 *
 * Events (kind, a, b, ref):
 * - INJECT (frame): the host hands a frame to the encoding cores.
 * - OPEN (core, frame): the core opens its window: its pending SOPs and its neurons' bias spikes
 *   (a local event, no packet), closed-form evaluation of its neurons (Eq. 7), pooling in the
 *   core, and its spikes queued in emission order.
 * - EMIT (core, -, slot): the core's spikes due now leave as packets to their destination cores;
 *   the next emission time is scheduled (one pending EMIT per core).
 * - END (core, frame): window end: end-of-window markers (control packets) to the next layer.
 * - NoC delivery (from the network): a spike packet does its SOPs on the destination core's
 *   targets; a marker counts towards opening that core's window.
 */

const K_INJECT = 0;
const K_OPEN = 1;
const K_EMIT = 2;
const K_END = 3;
/** Priorities at equal times: NoC deliveries (0) first, then injections, opens, spikes, ends. */
const P_INJECT = 1;
const P_OPEN = 2;
const P_EMIT = 3;
const P_END = 4;

export interface Inputs {
  count: number;
  get(i: number): ArrayLike<number>;
}

export interface RunControl {
  /** Frames that may be in flight at once (host flow control). Default: windows per frame. */
  maxFramesInFlight: number;
  /** Earliest time between frame injections (ns). Default 0: as fast as the chip takes them. */
  frameIntervalNs: number;
  /** Give every frame result its own tau arrays (default true). */
  keepTau: boolean;
  onSpike: SpikeFn | null;
  onFrame: (r: SimFrameResult) => void;
}

export class Simulator implements EventTarget {
  private readonly cores: SimCore[];
  private readonly links: LayerLink[];
  private readonly slots: FrameSlot[];
  private readonly M: number;
  private readonly nextFrame: Int32Array;
  private readonly inWindow: Uint8Array;
  private readonly markers: Int32Array;
  private readonly busyUntil: Float64Array;
  /** Per core: its spikes of the open window in emission order, and the cursor into them. */
  private readonly emitQueue: Int32Array[];
  private readonly emitLen: Int32Array;
  private readonly emitPos: Int32Array;
  private readonly emitOpenNs: Float64Array;
  /**
   * Per core and frame slot (`core * M + frame % M`): the emitted neurons whose spikes have
   * reached the core and whose SOPs are still to do (done in one batch when the core opens that
   * frame's window: the sums are integers, so the order does not matter).
   */
  private readonly pending: Int32Array[];
  private readonly pendingLen: Int32Array;
  /** Generic networks: packets through `NetworkOnChip.inject`. */
  private readonly packets: PacketSender | null;
  /** The ideal network: deliveries scheduled here directly (see IdealSender). */
  private readonly direct: IdealSender | null;
  private readonly ideal: IdealNoc | null;
  /** Stage of the sending layer of each link (where its traffic is counted). */
  private readonly srcStageOfLink: Int32Array;
  /** What a core computes at window open (fixed-point or integer SOPs). */
  private readonly compute: CoreCompute;
  private injected = 0;
  completed = 0;

  constructor(
    private readonly setup: SimSetup,
    private readonly kernel: Kernel,
    noc: NetworkOnChip,
    private readonly inputs: Inputs,
    private readonly ctl: RunControl,
  ) {
    const { conn, mapping, stages: all } = setup;
    this.cores = conn.cores;
    this.links = conn.links;
    this.M = Math.max(1, Math.min(ctl.maxFramesInFlight, inputs.count));
    // Accumulators for the weighted stages computed on the chip (not the encoding); the integer
    // path keeps its own (coreCompute.ts), and the slot only the output membrane.
    const accStages = all.map((st) => mapping.stages.some((m, i) => i > 0 && m.stage === st.stage));
    this.compute = new CoreCompute(setup, this.M);
    this.slots = Array.from(
      { length: this.M },
      () => new FrameSlot(all, accStages, mapping.coresUsed, setup.sopMode === 'fixed'),
    );
    const n = mapping.coresUsed;
    this.nextFrame = new Int32Array(n);
    this.inWindow = new Uint8Array(n);
    this.markers = new Int32Array(n * this.M);
    this.busyUntil = new Float64Array(n);
    this.emitQueue = this.cores.map((c) => new Int32Array(c.emitNeurons.length));
    this.emitLen = new Int32Array(n);
    this.emitPos = new Int32Array(n);
    this.emitOpenNs = new Float64Array(n);
    this.pending = Array.from({ length: n * this.M }, () => new Int32Array(16));
    this.pendingLen = new Int32Array(n * this.M);
    this.srcStageOfLink = Int32Array.from(this.links, (l) => mapping.stages[l.srcMap]!.stage);
    this.ideal = noc instanceof IdealNoc ? noc : null;
    this.direct =
      this.ideal !== null
        ? new IdealSender(
            setup,
            this.ideal,
            kernel,
            this.cores.map((_, d) => new CoreInbox(this, d)),
            this,
          )
        : null;
    this.packets = this.ideal === null ? new PacketSender(setup, noc) : null;
    noc.attach(kernel, (p, d) => this.deliver(p, d));
  }

  /** Schedules the first frames; run the kernel afterwards. */
  start(): void {
    for (let f = 0; f < Math.min(this.M, this.inputs.count); f++) {
      this.kernel.scheduleAt(f * this.ctl.frameIntervalNs, P_INJECT, this, K_INJECT, f);
    }
  }

  onEvent(kind: number, a: number, b: number, ref: unknown, kernel: Kernel): void {
    if (kind === K_SPIKE_GROUP) this.arriveGroup(ref as DeliveryGroup, b, kernel.now);
    else if (kind === K_EMIT) this.emitDue(a, ref as FrameSlot);
    else if (kind === K_OPEN) this.open(a, b, kernel.now);
    else if (kind === K_END) this.end(a, b, kernel.now);
    else this.inject(a);
  }

  /**
   * A delivery scheduled by the {@link IdealSender} reaches core `d` (its inbox): spike
   * (`a` = emitted neuron, `ref` = slot) or marker (`a` = frame); `b` is the injection time.
   */
  arrive(d: number, kind: number, a: number, b: number, ref: unknown, now: number): void {
    this.ideal!.recordDelivery(now - b);
    if (kind === K_SPIKE_DELIVERY) {
      const slot = ref as FrameSlot;
      // Neuron indices are int32 (typed-array indices): `| 0` lets the SOP count use integer math.
      this.deliverSpike(d, a | 0, slot, slot.frame);
    } else this.deliverMarker(d, a);
  }

  /**
   * A group of spike deliveries scheduled by the {@link IdealSender} arrives (all at `now`,
   * injected at `b`): each is processed as its own delivery event would have been, in order.
   */
  private arriveGroup(g: DeliveryGroup, b: number, now: number): void {
    const slot = g.slot!;
    const frame = slot.frame;
    const n = g.n;
    // The deliveries' latencies are all `now - b` (recorded in one call, as one by one).
    this.ideal!.recordDeliveries(now - b, n);
    const ds = g.d;
    const js = g.j;
    // What deliverSpike does for each, with what is the same for the whole group hoisted: every
    // delivery of a group comes from one core, through one link (`m`), so one layer's counters.
    const cores = this.cores;
    const nextFrame = this.nextFrame;
    const inWindow = this.inWindow;
    const busyUntil = this.busyUntil;
    const pending = this.pending;
    const pendingLen = this.pendingLen;
    const coreSopsOf = slot.coreSops;
    const sopNs = this.setup.hw.timing.sopNs;
    const M = this.M;
    const fm = frame % M;
    const m = cores[ds[0]!]!.mapIdx - 1;
    const link = this.links[m]!;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const d = ds[i]!;
      const j = js[i]!;
      const next = nextFrame[d]!;
      if (next > frame || (next === frame && inWindow[d])) {
        throw new Error(
          `core ${d}: a spike of frame ${frame} arrived after the core opened that frame's window (the network reordered it past an end-of-window marker)`,
        );
      }
      const core = cores[d]!;
      if (core.mapIdx - 1 !== m) throw new Error(`core ${d}: a spike group spans links`);
      const s = sopCount(link, core, j);
      const key = d * M + fm;
      const len = pendingLen[key]!;
      let list = pending[key]!;
      if (len === list.length) {
        const grown = new Int32Array(len * 2);
        grown.set(list);
        pending[key] = list = grown;
      }
      list[len] = j;
      pendingLen[key] = len + 1;
      total += s;
      coreSopsOf[d] += s;
      const busy = busyUntil[d]!;
      busyUntil[d] = Math.max(now, busy) + s * sopNs;
    }
    // Integer counts: adding the group's total equals adding them one by one.
    slot.sopsIn[link.targetStage] += total;
    slot.sopsOut[this.srcStageOfLink[m]!] += total;
    this.direct!.releaseGroup(g);
  }

  private slotOf(frame: number): FrameSlot {
    return this.slots[frame % this.M]!;
  }

  private inject(f: number): void {
    const { stages: all, network } = this.setup;
    const slot = this.slotOf(f);
    slot.reset(f, this.ctl.keepTau || slot.frame < 0);
    this.compute.clear(f % this.M);
    const input = this.inputs.get(f);
    const enc = hostEncode(
      network,
      all,
      input,
      this.setup.stepsPerWindow,
      this.setup.arith.gridTicks,
    );
    for (let s = 0; s < enc.length; s++) slot.tau[s]!.set(enc[s]!);
    this.injected = f + 1;
    for (const c of this.setup.mapping.stages[0]!.cores) this.tryOpen(c.id);
  }

  /** Opens core `c`'s next window if its inputs are complete and it is free (SPEC section 5). */
  private tryOpen(c: number): void {
    if (this.inWindow[c]) return;
    const f = this.nextFrame[c]!;
    if (f >= this.inputs.count) return;
    const core = this.cores[c]!;
    const mk = c * this.M + (f % this.M);
    if (core.mapIdx === 0 ? f >= this.injected : this.markers[mk]! < core.needMarkers) return;
    this.markers[mk] = 0;
    this.inWindow[c] = 1;
    const kernel = this.kernel;
    const t0 = Math.max(kernel.now, this.busyUntil[c]!);
    const slot = this.slotOf(f);
    if (core.mapIdx === 0 && t0 < slot.startNs) slot.startNs = t0;
    const timing = this.setup.hw.timing;
    // The bias SOPs (one per neuron with a non-zero bias) take the core's time like any SOPs.
    const openNs =
      t0 +
      timing.windowOpenNs +
      core.neurons * timing.neuronUpdateNs +
      core.biasSops * timing.sopNs;
    this.busyUntil[c] = openNs;
    kernel.scheduleAt(openNs, P_OPEN, this, K_OPEN, c, f);
  }

  private open(c: number, f: number, now: number): void {
    const s = this.setup;
    const core = this.cores[c]!;
    const slot = this.slotOf(f);
    const sm = s.mapping.stages[core.mapIdx]!;
    const isOutput = core.stage === s.outputStage;
    const k = f % this.M;
    const key = c * this.M + k;
    this.compute.open(c, k, slot, this.pending[key]!, this.pendingLen[key]!);
    this.pendingLen[key] = 0;
    if (this.ctl.onSpike !== null) traceCoreSpikes(this.setup, core, slot, now, this.ctl.onSpike);
    if (isOutput) {
      if (now > slot.outputOpenNs) slot.outputOpenNs = now;
    } else if (core.mapIdx < this.links.length) {
      this.queueEmissions(c, core, slot.tau[sm.emitStage]!, slot, now);
    }
    this.kernel.scheduleAt(now + s.windowNs, P_END, this, K_END, c, f);
  }

  /**
   * Queues the core's spikes of this window in emission order (earliest first: larger `tau`;
   * ties in neuron order) and schedules the first. One EMIT event per distinct emission time
   * is pending per core at a time, which keeps the kernel's heap small.
   */
  private queueEmissions(
    c: number,
    core: SimCore,
    tau: Float64Array,
    slot: FrameSlot,
    now: number,
  ): void {
    const list = core.emitNeurons;
    const q = this.emitQueue[c]!;
    let n = 0;
    for (let i = 0; i < list.length; i++) if (tau[list[i]!]! > 0) q[n++] = list[i]!;
    if (n === 0) return;
    q.subarray(0, n).sort((x, y) => tau[y]! - tau[x]! || x - y);
    this.emitLen[c] = n;
    this.emitPos[c] = 0;
    this.emitOpenNs[c] = now;
    this.kernel.scheduleAt(
      now + spikeOffsetNs(this.setup, tau[q[0]!]!),
      P_EMIT,
      this,
      K_EMIT,
      c,
      0,
      slot,
    );
  }

  /** Emits the core's queued spikes due now, then schedules the next emission time. */
  private emitDue(c: number, slot: FrameSlot): void {
    const core = this.cores[c]!;
    const tau = slot.tau[this.links[core.mapIdx]!.emitStage]!;
    const q = this.emitQueue[c]!;
    const len = this.emitLen[c]!;
    let pos = this.emitPos[c]!;
    const offset = spikeOffsetNs(this.setup, tau[q[pos]!]!);
    while (pos < len && spikeOffsetNs(this.setup, tau[q[pos]!]!) === offset)
      this.emit(c, q[pos++]!, slot);
    if (this.direct !== null) this.direct.flushSpikes();
    this.emitPos[c] = pos;
    if (pos < len) {
      const next = this.emitOpenNs[c]! + spikeOffsetNs(this.setup, tau[q[pos]!]!);
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

  /** A packet of a generic network reaches node `dstNode`. */
  private deliver(packet: NocPacket, dstNode: number): void {
    const d = this.setup.conn.coreOfNode[dstNode]!;
    if (packet.kind === 'control') {
      this.deliverMarker(d, packet.payload as number);
      return;
    }
    const p = packet.payload as SpikePayload;
    this.deliverSpike(d, p.neuron, p.slot, p.frame);
  }

  /** An end-of-window marker of frame `f` reaches core `d`. */
  private deliverMarker(d: number, f: number): void {
    this.markers[d * this.M + (f % this.M)]++;
    this.tryOpen(d);
  }

  /**
   * The spike of emitted neuron `j` of frame `frame` (in `slot`) reaches core `d`: its SOPs on
   * the core's targets take `n x sopNs` after the core's earlier work (busy-until); they are
   * counted now and done when the core opens the frame's window (see `pending`).
   */
  private deliverSpike(d: number, j: number, slot: FrameSlot, frame: number): void {
    const next = this.nextFrame[d]!;
    if (next > frame || (next === frame && this.inWindow[d])) {
      throw new Error(
        `core ${d}: a spike of frame ${frame} arrived after the core opened that frame's window (the network reordered it past an end-of-window marker)`,
      );
    }
    const core = this.cores[d]!;
    const m = core.mapIdx - 1;
    const link = this.links[m]!;
    const n = sopCount(link, core, j);
    const key = d * this.M + (frame % this.M);
    const len = this.pendingLen[key]!;
    let list = this.pending[key]!;
    if (len === list.length) {
      const grown = new Int32Array(len * 2);
      grown.set(list);
      this.pending[key] = list = grown;
    }
    list[len] = j;
    this.pendingLen[key] = len + 1;
    slot.sopsIn[link.targetStage] += n;
    slot.sopsOut[this.srcStageOfLink[m]!] += n;
    slot.coreSops[d] += n;
    const start = Math.max(this.kernel.now, this.busyUntil[d]!);
    this.busyUntil[d] = start + n * this.setup.hw.timing.sopNs;
  }

  private end(c: number, f: number, now: number): void {
    const core = this.cores[c]!;
    const slot = this.slotOf(f);
    if (core.markerDst.length > 0) {
      if (this.direct !== null) this.direct.sendMarkers(c, f, slot);
      else this.packets!.sendMarkers(c, f, slot);
    }
    this.inWindow[c] = 0;
    this.nextFrame[c] = f + 1;
    slot.coresDone++;
    if (now > slot.endNs) slot.endNs = now;
    if (slot.coresDone === this.cores.length) this.complete(slot, now);
    this.tryOpen(c);
  }

  private complete(slot: FrameSlot, now: number): void {
    const s = this.setup;
    const out = slot.tau[s.outputStage]!;
    const readout = s.network.arch.readout;
    const decision = decide(readout, out, slot.outputMembrane);
    const fired = readout === 'first-spike' && decision >= 0;
    const tau = fired ? out[decision]! : 0;
    const modelT = fired ? spikeTime(s.outputWindow, tau) : s.outputWindow + 1;
    const result = frameResultOf(
      slot,
      s.stages,
      s.paperNeurons,
      s.network.arch.encoding.kind === 'direct',
      {
        decision,
        latencySteps: modelT * s.clockStepsPerWindow,
        decisionNs: slot.outputOpenNs + (fired ? spikeOffsetNs(this.setup, tau) : s.windowNs),
        hostMacs: s.hostMacs,
      },
    );
    this.completed++;
    this.ctl.onFrame(result);
    const f = slot.frame + this.M;
    if (f < this.inputs.count) {
      this.kernel.scheduleAt(
        Math.max(now, f * this.ctl.frameIntervalNs),
        P_INJECT,
        this,
        K_INJECT,
        f,
      );
    }
  }
}

/** The event target of one core's deliveries on the ideal network (see IdealSender). */
class CoreInbox implements EventTarget {
  constructor(
    private readonly sim: Simulator,
    private readonly core: number,
  ) {}

  onEvent(kind: number, a: number, b: number, ref: unknown, kernel: Kernel): void {
    this.sim.arrive(this.core, kind, a, b, ref, kernel.now);
  }
}
