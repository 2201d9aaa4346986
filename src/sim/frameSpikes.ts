import { hostEncode } from '../snn/reference.js';
import type { SimCore } from './connectivity.js';
import { CoreCompute } from './coreCompute.js';
import { emissionOrder } from './emissions.js';
import { countSpikes, FrameSlot } from './frameResult.js';
import type { SimSetup } from './setup.js';

/**
 * The spikes of one frame without its physical time: what every core computes (docs/simulation.md
 * "All cores"). The event-driven simulation splits into two parts along this line:
 *
 * - **what** fires (model time): `tau` of every stage and the output membrane, a pure function of
 *   the setup and the frame's input: no frame, network or clock is involved (the membranes are
 *   sums of exact integers, so the order in which spikes arrive does not matter). Frames are
 *   independent here, and any number of them can be computed at once on worker threads;
 * - **when** and **how** (physical time): window opens, emissions, packets, the network, the
 *   busy-until times of the cores, which frames in flight share. The simulator
 *   (simulator.ts) runs this part, in frame order, from the spikes computed here (a
 *   {@link FrameSource}) instead of computing them itself.
 *
 * One frame's spikes travel as one `Float64Array` ({@link FrameSpikesLayout}): every stage's
 * `tau` (flatten stages alias the stage they flatten and are not stored twice), the output
 * membrane, and what the simulator would otherwise derive from them in the calling thread: the
 * spikes per stage and each core's emission order.
 */

/**
 * Where each stage's `tau`, the output membrane, the spikes per stage and each core's emission
 * order lie in one frame's packed spikes (all float64; counts and neuron indices are exact).
 */
export class FrameSpikesLayout {
  /** Offset of each stage's tau, -1 for a flatten stage (it aliases the stage before it). */
  readonly offsets: Int32Array;
  readonly membraneOffset: number;
  readonly membraneLength: number;
  /** Spikes (`tau > 0`) of each stage, one value per stage. */
  readonly countsOffset: number;
  /**
   * Per core that emits spikes (-1 for the others): where, from `orderOffset`, its window's
   * emission order lies: the count `n`, then `n` emitted neurons (emissions.ts `emissionOrder`).
   */
  readonly orderOffsets: Int32Array;
  readonly orderOffset: number;
  readonly orderLength: number;
  /** Values (float64) per frame. */
  readonly length: number;

  constructor(setup: SimSetup) {
    const st = setup.stages;
    this.offsets = new Int32Array(st.length);
    let n = 0;
    for (let s = 0; s < st.length; s++) {
      if (st[s]!.layer?.kind === 'flatten') this.offsets[s] = -1;
      else {
        this.offsets[s] = n;
        n += st[s]!.size;
      }
    }
    // As FrameSlot: the output membrane exists only for an on-chip output layer.
    const out = setup.mapping.stages.some((m, i) => i > 0 && m.stage === setup.outputStage);
    this.membraneOffset = n;
    this.membraneLength = out ? st[setup.outputStage]!.size : 0;
    this.countsOffset = n + this.membraneLength;
    this.orderOffset = this.countsOffset + st.length;
    let k = 0;
    this.orderOffsets = Int32Array.from(setup.conn.cores, (core) => {
      if (!emits(setup, core)) return -1;
      const o = k;
      k += 1 + core.emitNeurons.length;
      return o;
    });
    this.orderLength = k;
    this.length = this.orderOffset + this.orderLength;
  }

  /**
   * Copies a frame's spikes (at `offset` in `data`) into a slot: `tau`, output membrane, and the
   * spike counts and emission orders where the slot has room for them.
   */
  unpack(data: Float64Array, offset: number, slot: FrameSlot): void {
    const tau = slot.tau;
    for (let s = 0; s < tau.length; s++) {
      const o = this.offsets[s]!;
      if (o >= 0) tau[s]!.set(data.subarray(offset + o, offset + o + tau[s]!.length));
    }
    const m = offset + this.membraneOffset;
    slot.outputMembrane.set(data.subarray(m, m + this.membraneLength));
    const counts = slot.spikeCounts;
    if (counts !== null) {
      const c = offset + this.countsOffset;
      counts.set(data.subarray(c, c + counts.length));
    }
    const order = slot.emitOrder;
    if (order !== null) {
      const offsets = this.orderOffsets;
      const base = offset + this.orderOffset;
      for (let c = 0; c < offsets.length; c++) {
        const o = offsets[c]!;
        if (o < 0) continue;
        const n = data[base + o]!;
        for (let i = 0; i <= n; i++) order[o + i] = data[base + o + i]!;
      }
    }
  }
}

/** Whether core `core` sends spikes (its windows have an emission order; simulator.ts `open`). */
export function emits(setup: SimSetup, core: SimCore): boolean {
  return core.stage !== setup.outputStage && core.mapIdx < setup.conn.links.length;
}

/**
 * Where the simulator takes a frame's spikes from instead of computing them (see the file
 * comment): frame `f`'s spikes must be there ({@link has}) before its injection runs.
 */
export interface FrameSource {
  /** True once frame `f`'s spikes can be loaded. */
  has(f: number): boolean;
  /**
   * Writes frame `f`'s spikes into the frame slot (`FrameSpikesLayout.unpack`; called once per
   * frame, in order).
   */
  load(f: number, slot: FrameSlot): void;
}

/**
 * Computes frames' spikes one after another, exactly as the simulator's cores do (the same
 * {@link CoreCompute}: encoding, SOPs of the spikes that reach each core, bias spikes, neurons,
 * pools), core by core in layer order, with no events and no clock.
 */
export class FrameSpikes {
  readonly layout: FrameSpikesLayout;
  private readonly compute: CoreCompute;
  private readonly slot: FrameSlot;
  /** Per core: the emitted neurons of the layer before whose spikes reach it. */
  private readonly pending: Int32Array[];
  private readonly pendingLen: Int32Array;
  /** Scratch for one core's emission order. */
  private readonly order: Int32Array;

  constructor(private readonly setup: SimSetup) {
    const { mapping, stages: all } = setup;
    this.layout = new FrameSpikesLayout(setup);
    const accStages = all.map((st) => mapping.stages.some((m, i) => i > 0 && m.stage === st.stage));
    this.compute = new CoreCompute(setup, 1);
    this.slot = new FrameSlot(all, accStages, mapping.coresUsed, setup.sopMode === 'fixed');
    this.pending = setup.conn.cores.map(() => new Int32Array(16));
    this.pendingLen = new Int32Array(setup.conn.cores.length);
    this.order = new Int32Array(Math.max(0, ...setup.conn.cores.map((c) => c.emitNeurons.length)));
  }

  /** The spikes of the frame with input `input`, packed into `out` at `offset`. */
  run(input: ArrayLike<number>, out: Float64Array, offset: number): void {
    const s = this.setup;
    const slot = this.slot;
    slot.reset(0, false);
    this.compute.clear(0);
    const enc = hostEncode(s.network, s.stages, input, s.stepsPerWindow, s.arith.gridTicks);
    for (let i = 0; i < enc.length; i++) slot.tau[i]!.set(enc[i]!);
    const { cores, links } = s.conn;
    const pending = this.pending;
    const pendingLen = this.pendingLen;
    for (const sm of s.mapping.stages) {
      for (const { id: c } of sm.cores) {
        this.compute.open(c, 0, slot, pending[c]!, pendingLen[c]!);
        pendingLen[c] = 0;
        const core = cores[c]!;
        if (core.stage === s.outputStage || core.mapIdx >= links.length) continue;
        // What Simulator.emit sends: each spike to the cores that hold one of its targets.
        const link = links[core.mapIdx]!;
        const tau = slot.tau[link.emitStage]!;
        const list = core.emitNeurons;
        for (let i = 0; i < list.length; i++) {
          const j = list[i]!;
          if (!(tau[j]! > 0) || !link.colHasTargets[j % link.inW]) continue;
          const dsts = link.rowDst[Math.floor(j / link.inW) % link.inH]!;
          for (let k = 0; k < dsts.length; k++) {
            const d = dsts[k]!;
            const len = pendingLen[d]!;
            let p = pending[d]!;
            if (len === p.length) {
              const grown = new Int32Array(len * 2);
              grown.set(p);
              pending[d] = p = grown;
            }
            p[len] = j;
            pendingLen[d] = len + 1;
          }
        }
      }
    }
    const layout = this.layout;
    for (let st = 0; st < slot.tau.length; st++) {
      const o = layout.offsets[st]!;
      if (o >= 0) out.set(slot.tau[st]!, offset + o);
      out[offset + layout.countsOffset + st] = countSpikes(slot.tau[st]!);
    }
    out.set(slot.outputMembrane, offset + layout.membraneOffset);
    // Each emitting core's window in emission order, as Emissions.queueWindow would sort it.
    const q = this.order;
    const base = offset + layout.orderOffset;
    for (let c = 0; c < cores.length; c++) {
      const o = layout.orderOffsets[c]!;
      if (o < 0) continue;
      const core = cores[c]!;
      const emitStage = s.mapping.stages[core.mapIdx]!.emitStage;
      const n = emissionOrder(core, slot.tau[emitStage]!, q);
      out[base + o] = n;
      for (let i = 0; i < n; i++) out[base + o + 1 + i] = q[i]!;
    }
  }
}
