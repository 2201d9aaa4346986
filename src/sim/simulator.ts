import { IdealNoc } from '../hardware/noc/ideal.js';
import type { NetworkOnChip, NocPacket } from '../hardware/noc/network.js';
import type { EventTarget, Kernel } from '../kernel/kernel.js';
import { spikeTime } from '../snn/neuron.js';
import { decide, hostEncode } from '../snn/reference.js';
import { Arrivals } from './arrivals.js';
import type { LayerLink, SimCore } from './connectivity.js';
import { CoreCompute, countBiasSops } from './coreCompute.js';
import { Emissions } from './emissions.js';
import { FrameSlot, frameResultOf, type SimFrameResult } from './frameResult.js';
import { type FrameSource, FrameSpikesLayout } from './frameSpikes.js';
import { IdealSender, K_SPIKE_DELIVERY, PacketSender, type SpikePayload } from './packets.js';
import type { SimSetup } from './setup.js';
import { type SpikeFn, spikeOffsetNs, traceCoreSpikes } from './spikeTiming.js';

export type { SpikeFn } from './spikeTiming.js';

/**
 * The event-driven simulation of a whole network on its mapped cores (docs/simulation.md).
 * One object per run: the windows of the cores and the frames (injection, window open and end,
 * completion); spike emission is in emissions.ts, what arriving spikes do in arrivals.ts, and
 * what a core computes at window open in coreCompute.ts (or, when the run's spikes come computed
 * from a {@link FrameSource}, nowhere: see frameSpikes.ts).
 *
 * Events (kind, a, b, ref), on this object unless said otherwise:
 * - INJECT (frame): the host hands a frame to the encoding cores.
 * - OPEN (core, frame): the core opens its window: its pending SOPs and its neurons' bias spikes
 *   (a local event, no packet), closed-form evaluation of its neurons (Eq. 7), pooling in the
 *   core, and its spikes queued in emission order.
 * - EMIT (core, -, slot), on the {@link Emissions}: the core's spikes due now leave as packets to
 *   their destination cores; the next emission time is scheduled (one pending EMIT per core).
 * - END (core, frame): window end: end-of-window markers (control packets) to the next layer.
 * - NoC delivery (from the network, or groups of the ideal network's on the {@link Arrivals}): a
 *   spike packet counts its SOPs on the destination core's targets; a marker counts towards
 *   opening that core's window.
 */

const K_INJECT = 0;
const K_OPEN = 1;
const K_END = 3;
/**
 * Priorities at equal times: NoC deliveries (0) first, then injections, opens, spikes
 * (`P_EMIT` = 3, emissions.ts), ends.
 */
const P_INJECT = 1;
const P_OPEN = 2;
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
  /**
   * Where the frames' spikes come from, computed (frameSpikes.ts); null: the cores compute them
   * here from `Inputs`. The results are the same bit for bit.
   */
  source: FrameSource | null;
}

export class Simulator implements EventTarget {
  private readonly cores: SimCore[];
  private readonly links: LayerLink[];
  private readonly slots: FrameSlot[];
  private readonly M: number;
  private readonly nextFrame: Int32Array;
  private readonly inWindow: Uint8Array;
  private readonly markers: Int32Array;
  private readonly arrivals: Arrivals;
  private readonly emissions: Emissions;
  /** Generic networks: packets through `NetworkOnChip.inject`. */
  private readonly packets: PacketSender | null;
  /** The ideal network: deliveries scheduled here directly (see IdealSender). */
  private readonly direct: IdealSender | null;
  private readonly ideal: IdealNoc | null;
  /** What a core computes at window open (fixed-point or integer SOPs); null with a source. */
  private readonly compute: CoreCompute | null;
  private readonly source: FrameSource | null;
  private injected = 0;
  completed = 0;
  /**
   * With a {@link FrameSource}: the latest frame whose injection is scheduled while its spikes
   * are not there yet (-1: none). The driver (run.ts) waits for them before the next event.
   */
  waitFor = -1;

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
    this.source = ctl.source;
    // Accumulators for the weighted stages computed on the chip (not the encoding); the integer
    // path keeps its own (coreCompute.ts), and the slot only the output membrane.
    const accStages = all.map((st) => mapping.stages.some((m, i) => i > 0 && m.stage === st.stage));
    this.compute = this.source === null ? new CoreCompute(setup, this.M) : null;
    const floatAcc = setup.sopMode === 'fixed' && this.compute !== null;
    // With a source, the slots also take the frame's spike counts and emission orders.
    const layout = this.source !== null ? new FrameSpikesLayout(setup) : null;
    this.slots = Array.from({ length: this.M }, () => {
      const slot = new FrameSlot(all, accStages, mapping.coresUsed, floatAcc);
      if (layout !== null) {
        slot.spikeCounts = new Float64Array(all.length);
        slot.emitOrder = new Int32Array(layout.orderLength);
      }
      return slot;
    });
    const n = mapping.coresUsed;
    this.nextFrame = new Int32Array(n);
    this.inWindow = new Uint8Array(n);
    this.markers = new Int32Array(n * this.M);
    const srcStageOfLink = Int32Array.from(this.links, (l) => mapping.stages[l.srcMap]!.stage);
    this.ideal = noc instanceof IdealNoc ? noc : null;
    this.arrivals = new Arrivals(
      setup,
      this.M,
      this.nextFrame,
      this.inWindow,
      srcStageOfLink,
      this.ideal,
      this.compute !== null,
    );
    this.direct =
      this.ideal !== null
        ? new IdealSender(
            setup,
            this.ideal,
            kernel,
            this.cores.map((_, d) => new CoreInbox(this, d)),
            this.arrivals,
          )
        : null;
    this.arrivals.sender = this.direct;
    this.packets = this.ideal === null ? new PacketSender(setup, noc) : null;
    this.emissions = new Emissions(
      setup,
      kernel,
      this.direct,
      this.packets,
      srcStageOfLink,
      layout?.orderOffsets ?? null,
    );
    noc.attach(kernel, (p, d) => this.deliver(p, d));
  }

  /** Schedules the first frames; run the kernel afterwards. */
  start(): void {
    for (let f = 0; f < Math.min(this.M, this.inputs.count); f++) {
      this.scheduleInject(f * this.ctl.frameIntervalNs, f);
    }
  }

  onEvent(kind: number, a: number, b: number, _ref: unknown, kernel: Kernel): void {
    if (kind === K_OPEN) this.open(a, b, kernel.now);
    else if (kind === K_END) this.end(a, b, kernel.now);
    else this.inject(a);
  }

  private scheduleInject(t: number, f: number): void {
    this.kernel.scheduleAt(t, P_INJECT, this, K_INJECT, f);
    if (this.source !== null && !this.source.has(f)) this.waitFor = f;
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
      this.arrivals.deliverSpike(d, a | 0, slot, slot.frame, now);
    } else this.deliverMarker(d, a);
  }

  private slotOf(frame: number): FrameSlot {
    return this.slots[frame % this.M]!;
  }

  private inject(f: number): void {
    const slot = this.slotOf(f);
    slot.reset(f, this.ctl.keepTau || slot.frame < 0);
    if (this.source !== null) this.source.load(f, slot);
    else {
      const { stages: all, network } = this.setup;
      this.compute!.clear(f % this.M);
      const input = this.inputs.get(f);
      const s = this.setup;
      const enc = hostEncode(network, all, input, s.stepsPerWindow, s.arith.gridTicks);
      for (let i = 0; i < enc.length; i++) slot.tau[i]!.set(enc[i]!);
    }
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
    const busyUntil = this.arrivals.busyUntil;
    const t0 = Math.max(kernel.now, busyUntil[c]!);
    const slot = this.slotOf(f);
    if (core.mapIdx === 0 && t0 < slot.startNs) slot.startNs = t0;
    const timing = this.setup.hw.timing;
    // The bias SOPs (one per neuron with a non-zero bias) take the core's time like any SOPs.
    const openNs =
      t0 +
      timing.windowOpenNs +
      core.neurons * timing.neuronUpdateNs +
      core.biasSops * timing.sopNs;
    busyUntil[c] = openNs;
    kernel.scheduleAt(openNs, P_OPEN, this, K_OPEN, c, f);
  }

  private open(c: number, f: number, now: number): void {
    const s = this.setup;
    const core = this.cores[c]!;
    const slot = this.slotOf(f);
    const sm = s.mapping.stages[core.mapIdx]!;
    const k = f % this.M;
    const arrivals = this.arrivals;
    if (this.compute !== null) {
      this.compute.open(c, k, slot, arrivals.pendingOf(c, k), arrivals.pendingCount(c, k));
    } else countBiasSops(core, slot);
    arrivals.clearPending(c, k);
    if (this.ctl.onSpike !== null) traceCoreSpikes(this.setup, core, slot, now, this.ctl.onSpike);
    if (core.stage === s.outputStage) {
      if (now > slot.outputOpenNs) slot.outputOpenNs = now;
    } else if (core.mapIdx < this.links.length) {
      this.emissions.queueWindow(c, core, slot.tau[sm.emitStage]!, slot, now);
    }
    this.kernel.scheduleAt(now + s.windowNs, P_END, this, K_END, c, f);
  }

  /** A packet of a generic network reaches node `dstNode`. */
  private deliver(packet: NocPacket, dstNode: number): void {
    const d = this.setup.conn.coreOfNode[dstNode]!;
    if (packet.kind === 'control') {
      this.deliverMarker(d, packet.payload as number);
      return;
    }
    const p = packet.payload as SpikePayload;
    this.arrivals.deliverSpike(d, p.neuron, p.slot, p.frame, this.kernel.now);
  }

  /** An end-of-window marker of frame `f` reaches core `d`. */
  private deliverMarker(d: number, f: number): void {
    this.markers[d * this.M + (f % this.M)]++;
    this.tryOpen(d);
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
    if (f < this.inputs.count) this.scheduleInject(Math.max(now, f * this.ctl.frameIntervalNs), f);
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
