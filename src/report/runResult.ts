/**
 * The results of one `ttfsim simulate` run: the contract between the simulate command (which
 * writes `results/<run>/run.json`, `frames.csv` and `spikes-frame<k>.json`), the sweep (which reads
 * `summary`) and the HTML report (which reads all of it).
 *
 * Everything except `wall` is a pure function of the inputs (config, model, data, seed, tool
 * version): two runs with identical inputs write identical files apart from `wall`.
 * Energies are in joules, times in ns or steps as their names say.
 */
import type { StaticBasis } from '../hardware/energy.js';

/** SOP + hop + static energy (Eq. 12), in joules. */
export interface EnergyJ {
  sop: number;
  hop: number;
  static: number;
  total: number;
}

/** Per-frame figures (one row of frames.csv). */
export interface FrameRecord {
  /** Index of the frame in the data set. */
  index: number;
  label: number;
  /** Predicted class, -1 for no decision. */
  decision: number;
  correct: boolean;
  /** Spikes of weighted layers (the paper's count). */
  spikes: number;
  sparsity: number;
  /** All SOPs: spike SOPs and bias SOPs. */
  sops: number;
  /** Bias SOPs (part of `sops`): one per neuron with a non-zero bias. Absent in older files. */
  biasSops?: number;
  /** Spike packets (control packets are in `controlPackets`). */
  packets: number;
  controlPackets: number;
  hops: number;
  /** Links traversed by control packets (their energy is in `energyJ.hop` when counted). */
  controlHops?: number;
  /** Input-to-decision latency in time steps and in ns. */
  latencySteps: number;
  latencyNs: number;
  energyJ: EnergyJ;
}

/** Mean per-frame figures of one layer (stage). */
export interface LayerRecord {
  name: string;
  kind: 'input' | 'conv' | 'pool' | 'flatten' | 'dense';
  /** Stage index (0 = input encoding). */
  stage: number;
  window: number;
  shape: [number, number, number];
  neurons: number;
  spikes: number;
  /** Spikes / neurons of this layer. */
  firingFraction: number;
  /** Fraction of neurons that never fired, averaged over frames (the paper's Fig. 6). */
  inactiveFraction: number;
  /** SOPs on this layer's neurons (spike and bias SOPs). */
  sops: number;
  /** Bias SOPs (part of `sops`). Absent in older files. */
  biasSops?: number;
  packets: number;
  hops: number;
  energyJ: EnergyJ;
  /** Cores this stage occupies (0 for pool/flatten, which live on the producing layer's cores). */
  cores: number;
}

export interface CoreRecord {
  core: number;
  /** Mesh node (row-major, `y * meshWidth + x`). */
  node: number;
  x: number;
  y: number;
  /** Name of the layer (stage) whose neurons it holds. */
  layer: string;
  neurons: number;
  /** Mean per frame. */
  sops: number;
  energyJ: EnergyJ;
}

export interface NocRecord {
  kind: 'ideal' | 'detailed';
  timing: 'async' | 'clocked' | 'ideal';
  /** Per frame means. */
  packets: number;
  hops: number;
  flitHops: number;
  /** [N, E, S, W, local] flits per frame. */
  directionFlits: [number, number, number, number, number];
  /** Per router (node index) flits per frame. */
  routerFlits: number[];
  /** Per router congestion: mean extra latency (ns) of packets that passed it, or stall counts. */
  routerCongestion: number[];
  /**
   * Optional (added for the report's axis label): the unit of `routerCongestion`, e.g. `ns`
   * (mean extra latency) or `stalls`. The report assumes `ns` when absent.
   */
  routerCongestionUnit?: string;
  /** Per link flits per frame, keyed "from->to" by node index. */
  linkFlits: Record<string, number>;
  latencyNs: {
    mean: number;
    p50: number;
    p99: number;
    max: number;
    zeroLoadMean: number;
    congestionMean: number;
  };
  /** Histogram of packet latency: bin edges (ns, length k+1) and counts (length k). */
  latencyHistogram: { edgesNs: number[]; counts: number[] };
}

export interface RunSummary {
  frames: number;
  /** Fraction correct (null if the weights are untrained: the accuracy is meaningless). */
  accuracy: number | null;
  sparsity: number;
  /** Means per frame. */
  spikes: number;
  /** Spike SOPs plus bias SOPs. */
  sops: number;
  /** Bias SOPs (part of `sops`). Absent in older files. */
  biasSops?: number;
  packets: number;
  hops: number;
  /** Input-to-decision latency, mean over the run's frames in model steps. */
  latencySteps: number;
  /**
   * Pipelined latency of the stream: the mean input-to-decision latency on the chip (ns) of the
   * run's frames as they ran, `framesInFlight` at once, waits behind earlier frames included. It
   * grows with the number of frames until the pipeline is full; for a frame alone see
   * `latencyAloneNs`.
   */
  latencyNs: number;
  energyJ: EnergyJ;
  /** Throughput of the stream: frames per second of chip time, frames pipelined through the layers. */
  framesPerSecond: number;
  /** Chip time per frame of the stream, `1e9 / framesPerSecond` (ns): what leakage mode charges. */
  chipNsPerFrame?: number;
  /** Frames on the chip at once in this run (1: one after another). Absent in older files. */
  framesInFlight?: number;
  /**
   * Latency of a frame alone on the chip, nothing else in flight (ns, and in model steps): the
   * mean over `latencyAloneFrames` frames simulated alone (the run's first frame, or all of
   * them when they ran one at a time). Absent in older files.
   */
  latencyAloneNs?: number;
  latencyAloneSteps?: number;
  latencyAloneFrames?: number;
  coresUsed: number;
  mesh: { width: number; height: number };
  /** Eq. 11 / Table 2 estimate from this run's latency (steps) and spikes. */
  theoreticalEnergy: { trueNorth: number; spiNNaker: number };
  /** The inputs of that estimate: L = windows x steps per window, S = mean spikes per frame. */
  theoreticalInputs?: { latencySteps: number; spikes: number };
  /** Fraction of frames with no decision (every output silent, first-spike readout). */
  noDecision?: number;
  /** Frames whose decision equals the label, even when the weights are untrained. */
  correct?: number;
  /** Means per frame of control packets (end-of-window markers) and their hops. */
  controlPackets?: number;
  controlHops?: number;
}

/** One line of the energy ledger: `joules = count x coefficient` (src/hardware/energy.ts). */
export interface EnergyTermRecord {
  count: number;
  countUnit: string;
  coefficient: number;
  coefficientUnit: string;
  joules: number;
}

/** The per-frame energy ledger (Eq. 12), every figure with its count and coefficient. */
export interface EnergyLedgerRecord {
  perFrame: {
    /** All SOPs (spike and bias). */
    sop: EnergyTermRecord;
    /** The bias SOPs among them (part of `sop`). Absent in older files. */
    biasSop?: EnergyTermRecord;
    hop: EnergyTermRecord;
    controlHop: EnergyTermRecord;
    static: EnergyTermRecord;
    totalJ: number;
  };
  /** Per frame, per layer (SOPs where they happen, hops where packets start). */
  layers: {
    stage: number;
    name: string;
    sop: EnergyTermRecord;
    /** Part of `sop`. Absent in older files. */
    biasSop?: EnergyTermRecord;
    hop: EnergyTermRecord;
    totalJ: number;
  }[];
  /** Per frame, per core (SOP energy of the core's neurons). */
  cores: { core: number; sop: EnergyTermRecord }[];
  /**
   * What the static term rests on (src/hardware/energy.ts, `StaticBasis`): the frame time the
   * per-frame figure assumes (`E_static / P_leak`) beside the run's chip time per frame, the
   * static energy in both modes, and whether they differ by more than 2x. Absent in older files.
   */
  staticBasis?: StaticBasis;
  /**
   * Eq. 11 / Table 2: energy normalized to the paper's rate-coding row (512 steps, 2.612M spikes
   * = 1), no unit.
   */
  theoretical: {
    latencySteps: number;
    spikes: number;
    trueNorth: { a: number; b: number; value: number };
    spiNNaker: { a: number; b: number; value: number };
  };
}

export interface RunResult {
  tool: { name: 'ttfsim'; version: string };
  /** The run's id (folder name under results/). */
  run: string;
  seed: number;
  weightsTrained: boolean;
  /** Plain words for users: e.g. that untrained weights make the accuracy meaningless. */
  notes: string[];
  options: {
    noc: 'ideal' | 'detailed';
    stepsPerWindow: number | null;
    weightBits: number | null;
    frames: [number, number];
    data: string;
    /** Frames on the chip at once; null: one per window (frames pipelined). */
    framesInFlight?: number | null;
  };
  /** The resolved hardware config (after --set overrides). */
  hardware: Record<string, unknown>;
  model: {
    name: string;
    path: string;
    sha256: string;
    readout: 'first-spike' | 'membrane';
    neurons: number;
  };
  input: { dataset: string; sha256: string };
  /** sha256 of the resolved hardware config JSON. */
  hardwareSha256: string;
  summary: RunSummary;
  layers: LayerRecord[];
  cores: CoreRecord[];
  noc: NocRecord;
  frames: FrameRecord[];
  /** The energy ledger behind `summary.energyJ` (added by simulate; optional for readers). */
  energy?: EnergyLedgerRecord;
  /** What produced the figures (`sim`: the event-driven simulator). */
  engine?: string;
  /** The mapping in brief: cores per layer, mesh, placement. */
  mapping?: {
    placement: string;
    meshWidth: number;
    meshHeight: number;
    coresUsed: number;
    utilization: number;
    stages: {
      stage: number;
      name: string;
      cores: number;
      window: number;
      /** Bias values its cores store (absent: none). */
      biasParams?: number;
    }[];
    /** Biases stored by all cores, bits of one, and their SRAM bits (absent: no biases). */
    biasParams?: number;
    biasBits?: number;
    biasSramBits?: number;
    biasSramBitsMaxPerCore?: number;
  };
  /** Wall-clock figures: the only part that differs between identical runs. */
  wall: { seconds: number; framesPerSecond: number };
}

/**
 * `spikes-frame<k>.json`: every spike of one frame for rasters (the paper's Fig. 5). Times are
 * absolute model times in windows (`t` in `[window, window + 1)`).
 */
export interface SpikeRaster {
  frame: number;
  layers: {
    name: string;
    stage: number;
    window: number;
    neurons: number;
    neuron: number[];
    t: number[];
  }[];
}
