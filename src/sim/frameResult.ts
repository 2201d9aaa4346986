import type { NocStats } from '../hardware/noc/network.js';
import type { StageInfo } from '../snn/network.js';

/**
 * The counts of one simulated frame. Spike times are model times (windows), never affected by
 * the network; `*Ns` figures are physical times on the kernel's clock (see docs/simulation.md).
 *
 * Traffic and SOPs are attributed to stages in two ways:
 * - `sopsOut`, `packets`, `hops` are indexed by the stage of the *sending* layer (the encoding or
 *   the conv/dense layer whose cores emit; pooling happens in those cores): the traffic and the
 *   synaptic work its spikes cause (the energy ledger's "per source layer").
 * - `sopsIn` is indexed by the *receiving* weighted stage: SOPs done on its neurons.
 * Both sum to `sops`. Stages that send nothing (pool, flatten, the output) have zeros.
 *
 * Bias SOPs (one per neuron with a non-zero bias and frame, SPEC section 3) are in `sops`,
 * `sopsIn` and `coreSops` like the others, and in `sopsOut` at the layer itself (the bias spike
 * is the layer's own local event: no packet, no hop); `biasSops` and `biasSopsIn` give them apart.
 */
export interface SimFrameResult {
  /** Index of the frame in the run's inputs. */
  frame: number;
  /**
   * `tau` of every stage, same layout as `referenceForward` (index = stage, CHW, 0 = silent).
   * Owned by the result unless the run was started with `keepTau: false`, in which case the
   * arrays are reused and valid only inside the `onFrame` callback.
   */
  tau: Float64Array[];
  /** Spikes per stage (0 for the raw image stage of `direct` encoding). */
  spikes: number[];
  /** Spikes / neurons per stage. */
  firingFraction: number[];
  /** Spikes of weighted stages (the paper's count, SPEC section 3). */
  weightedSpikes: number;
  /** weightedSpikes / paper neuron count. */
  sparsity: number;
  /** Output-layer membrane `V = A + W` at the window end. */
  outputMembrane: Float64Array;
  /** Predicted class, -1 for none (every output silent under `first-spike`). */
  decision: number;
  /** SOPs per stage, by sending stage (see above). */
  sopsOut: number[];
  /** SOPs per stage, by receiving stage. */
  sopsIn: number[];
  /** SOPs per core (where they happen: the receiving core), indexed by core id. */
  coreSops: Float64Array;
  /** Bias SOPs per stage (the layer whose neurons have the biases); included in `sopsIn`. */
  biasSopsIn: number[];
  /** Spike packets per sending stage (one per spike and destination core, or per spike with multicast). */
  packets: number[];
  /** Links traversed by those packets (XY Manhattan distance; multicast: tree links). */
  hops: number[];
  /** All SOPs: spike SOPs plus bias SOPs. */
  sops: number;
  /** Bias SOPs (part of `sops`). */
  biasSops: number;
  /** Spike packets and their hops (totals over stages). */
  spikePackets: number;
  spikeHops: number;
  /** End-of-window markers (SPEC section 5 layer synchronization) and their hops. */
  controlPackets: number;
  controlHops: number;
  /** Analog multiply-adds done by the host for `direct` encoding (0 for pixel encoding). */
  hostMacs: number;
  /**
   * Model time of the decision in steps: `t * stepsPerWindow` with `t` the decided output
   * spike's time (first-spike readout), else the end of the output window.
   */
  latencySteps: number;
  /** Physical input-to-decision latency: `decisionNs - startNs`. */
  latencyNs: number;
  /** When the first encoding core began opening window 0 for this frame. */
  startNs: number;
  /** When the decision is known (see docs/simulation.md). */
  decisionNs: number;
  /** When the last core finished its window of this frame. */
  endNs: number;
}

/** Summary of a run of frames. */
export interface SimRunSummary {
  frames: number;
  /** Frames whose decision equals the label (only when labels were given). */
  correct: number | null;
  /** null when no labels were given or the weights are untrained (meaningless). */
  accuracy: number | null;
  weightsTrained: boolean;
  /** Plain-words notes for users (e.g. untrained weights). */
  notes: string[];
  /** Means per frame. */
  mean: {
    sparsity: number;
    weightedSpikes: number;
    sops: number;
    biasSops: number;
    spikePackets: number;
    spikeHops: number;
    controlPackets: number;
    controlHops: number;
    latencySteps: number;
    latencyNs: number;
  };
  /** Physical time from the first frame's start to the last frame's end (ns). */
  makespanNs: number;
  /** Frames per second of chip time with frames pipelined through the layers. */
  framesPerSecond: number;
  /** Kernel events run (deliveries, window opens and ends, spike emissions, injections). */
  events: number;
  /** NoC statistics over the whole run (per router and per link: a congestion report). */
  noc: NocStats;
  nocKind: 'ideal' | 'detailed';
  meshWidth: number;
  meshHeight: number;
  coresUsed: number;
}

/**
 * Per-frame working state while a frame is in flight: tau arrays of every stage, accumulators
 * of every weighted stage on the chip, and the counters. Slots are recycled (at most
 * `maxFramesInFlight` exist).
 */
export class FrameSlot {
  frame = -1;
  tau: Float64Array[] = [];
  aAcc: Float64Array[];
  wAcc: Float64Array[];
  outputMembrane: Float64Array;
  sopsOut: Float64Array;
  sopsIn: Float64Array;
  biasSops: Float64Array;
  packets: Float64Array;
  hops: Float64Array;
  coreSops: Float64Array;
  controlPackets = 0;
  controlHops = 0;
  startNs = Number.POSITIVE_INFINITY;
  /** Latest window-open time among the output cores. */
  outputOpenNs = 0;
  coresDone = 0;
  endNs = 0;
  /**
   * When the frame's spikes come computed (frameSpikes.ts): its spikes per stage, and each
   * core's emission order (`FrameSpikesLayout.orderOffsets`); null: counted and sorted here.
   */
  spikeCounts: Float64Array | null = null;
  emitOrder: Int32Array | null = null;

  constructor(
    private readonly all: StageInfo[],
    accStages: readonly boolean[],
    cores: number,
    /** Fixed-point accumulators here (false: the integer path keeps its own, coreCompute.ts). */
    floatAcc = true,
  ) {
    const n = all.length;
    this.aAcc = all.map((s, i) => new Float64Array(floatAcc && accStages[i] ? s.size : 0));
    this.wAcc = all.map((s, i) => new Float64Array(floatAcc && accStages[i] ? s.size : 0));
    // The output membrane exists only for an on-chip output layer (as in referenceForward).
    this.outputMembrane = new Float64Array(accStages[n - 1] ? all[n - 1]!.size : 0);
    this.sopsOut = new Float64Array(n);
    this.sopsIn = new Float64Array(n);
    this.biasSops = new Float64Array(n);
    this.packets = new Float64Array(n);
    this.hops = new Float64Array(n);
    this.coreSops = new Float64Array(cores);
    this.allocTau();
  }

  /** Fresh tau arrays (flatten stages alias the stage they flatten, as in the reference). */
  allocTau(): void {
    this.tau = [];
    this.all.forEach((s, i) => {
      this.tau.push(s.layer?.kind === 'flatten' ? this.tau[i - 1]! : new Float64Array(s.size));
    });
  }

  /** Clears the slot for frame `frame`; `freshTau` gives the frame its own tau arrays. */
  reset(frame: number, freshTau: boolean): void {
    this.frame = frame;
    if (freshTau) this.allocTau();
    for (const a of this.aAcc) a.fill(0);
    for (const a of this.wAcc) a.fill(0);
    this.sopsOut.fill(0);
    this.sopsIn.fill(0);
    this.biasSops.fill(0);
    this.packets.fill(0);
    this.hops.fill(0);
    this.coreSops.fill(0);
    this.controlPackets = 0;
    this.controlHops = 0;
    this.startNs = Number.POSITIVE_INFINITY;
    this.outputOpenNs = 0;
    this.coresDone = 0;
    this.endNs = 0;
  }
}

/** Number of `tau > 0` entries. */
export function countSpikes(tau: Float64Array): number {
  let n = 0;
  for (let i = 0; i < tau.length; i++) if (tau[i]! > 0) n++;
  return n;
}

function sum(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
}

/**
 * The result of a finished slot. `decision` and its timing come from the caller (the
 * simulator knows the readout); the rest is counted here.
 */
export function frameResultOf(
  slot: FrameSlot,
  all: StageInfo[],
  paperNeurons: number,
  directEncoding: boolean,
  fields: Pick<SimFrameResult, 'decision' | 'latencySteps' | 'decisionNs' | 'hostMacs'>,
): SimFrameResult {
  const counted = slot.spikeCounts;
  const spikes = all.map((_, s) =>
    s === 0 && directEncoding ? 0 : counted !== null ? counted[s]! : countSpikes(slot.tau[s]!),
  );
  let weightedSpikes = 0;
  for (let s = 1; s < all.length; s++) if (all[s]!.weighted) weightedSpikes += spikes[s]!;
  return {
    frame: slot.frame,
    tau: slot.tau,
    spikes,
    firingFraction: spikes.map((n, s) => n / all[s]!.size),
    weightedSpikes,
    sparsity: weightedSpikes / paperNeurons,
    outputMembrane: Float64Array.from(slot.outputMembrane),
    decision: fields.decision,
    sopsOut: Array.from(slot.sopsOut),
    sopsIn: Array.from(slot.sopsIn),
    coreSops: Float64Array.from(slot.coreSops),
    biasSopsIn: Array.from(slot.biasSops),
    packets: Array.from(slot.packets),
    hops: Array.from(slot.hops),
    sops: sum(slot.sopsIn),
    biasSops: sum(slot.biasSops),
    spikePackets: sum(slot.packets),
    spikeHops: sum(slot.hops),
    controlPackets: slot.controlPackets,
    controlHops: slot.controlHops,
    hostMacs: fields.hostMacs,
    latencySteps: fields.latencySteps,
    latencyNs: fields.decisionNs - slot.startNs,
    startNs: slot.startNs,
    decisionNs: fields.decisionNs,
    endNs: slot.endNs,
  };
}
