import type { HardwareConfig } from '../hardware/config.js';
import type { Mapping } from '../mapping/types.js';
import type { NocRecord } from '../report/runResult.js';
import type { Network } from '../snn/network.js';

/**
 * The seam between the run orchestration (`src/run`) and whatever simulates frames. The
 * orchestration only needs these per-frame counts; `simEngine.ts` adapts the event-driven
 * simulator of `src/sim` to them, `referenceEngine.ts` derives them from the dense reference
 * forward pass and the mapping (an ideal, contention-free network; used as an oracle in tests).
 *
 * Attribution (what the energy ledger and the per-layer table use):
 * - `stageSops[s]`: synaptic operations that update neurons of stage `s` (the receiving layer,
 *   where they happen); pool, flatten and the encoding have none. Bias SOPs (one per neuron with
 *   a non-zero bias) are included, and given on their own in `stageBiasSops[s]`.
 * - `stagePackets[s]`, `stageHops[s]`: spike packets (and their links) leaving the cores of
 *   mapped stage `s` (the sending layer); the stage is the mapped one (a conv stage carries the
 *   packets of the pool hosted on its cores).
 * - `coreSops[c]`: SOPs done by core `c` (its neurons are the targets).
 */
export interface EngineFrame {
  /** Index of the frame in the data set. */
  index: number;
  label: number;
  /** Predicted class, -1 for no decision. */
  decision: number;
  /** `tau` of every stage (0 = silent), CHW order, as in `referenceForward`. */
  tau: Float64Array[];
  /** Spikes per stage (0 for the raw-image stage of a direct encoding). */
  stageSpikes: number[];
  stageSops: number[];
  /** Bias SOPs per stage (part of `stageSops`). */
  stageBiasSops: number[];
  stagePackets: number[];
  stageHops: number[];
  controlPackets: number;
  controlHops: number;
  coreSops: Float64Array;
  /** Input-to-decision latency. */
  latencySteps: number;
  latencyNs: number;
}

/** Network-on-chip figures of a whole run (totals over its frames). */
export interface EngineNoc {
  kind: 'ideal' | 'detailed';
  timing: 'async' | 'clocked' | 'ideal';
  /** All packets (spike + control) and their links. */
  packets: number;
  hops: number;
  flitHops: number;
  directionFlits: [number, number, number, number, number];
  routerFlits: ArrayLike<number>;
  /** Per router: mean congestion latency (ns) of the packets that passed it; zeros if ideal. */
  routerCongestion: ArrayLike<number>;
  /** Flits per directed link, keyed "from->to" by node index. */
  linkFlits: Record<string, number>;
  latencyNs: NocRecord['latencyNs'];
  latencyHistogram: NocRecord['latencyHistogram'];
}

export interface EngineRunResult {
  /** Frames per second when consecutive frames are pipelined through the layers. */
  framesPerSecond: number;
  /** Frames on the chip at once in this run (the stream's pipelining depth); absent: 1. */
  framesInFlight?: number;
  /**
   * Input-to-decision latency of a frame alone on the chip (nothing else in flight), the mean
   * over `frames` frames simulated alone (the first ones of the run). Absent: the run's own
   * frames ran alone (one in flight, a single frame, or an engine without chip timing).
   */
  latencyAlone?: { ns: number; steps: number; frames: number };
  noc: EngineNoc;
  /** Short name of the engine, recorded in run.json (`sim`, `reference`). */
  engine: string;
  /** Anything a reader should know about how the figures were obtained. */
  notes: string[];
}

export interface EngineInput {
  /** The network as loaded (float weights); the engine quantizes it to `weightBits`. */
  network: Network;
  weightBits: number | null;
  /** False for seeded random weights. */
  weightsTrained: boolean;
  model: string;
  mapping: Mapping;
  config: HardwareConfig;
  noc: 'ideal' | 'detailed';
  /** Steps per window of the neurons, or null for exact continuous time. */
  stepsPerWindow: number | null;
  seed: number;
  /** Frames in flight at once; null: the engine's default (one per window). */
  framesInFlight: number | null;
  /** Inputs of the frames to run (frame-major, raw model units) and their labels. */
  images: Float32Array | Float64Array;
  labels: ArrayLike<number>;
  /** Data-set index of the first frame. */
  firstIndex: number;
  count: number;
  /**
   * Threads the engine may use (`--workers`; default 1): the results must not depend on it
   * (only the wall time does).
   */
  workers?: number;
}

/**
 * Simulates `input.count` frames, calling `onFrame` once per frame in order (the frame object
 * may be reused after the call returns: copy what you keep).
 */
export type Engine = (
  input: EngineInput,
  onFrame: (frame: EngineFrame) => void,
) => EngineRunResult | Promise<EngineRunResult>;
