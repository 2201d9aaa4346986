import type { EnergyParams } from './config.js';

/**
 * The energy ledger, SANA-FE style: a pure function from event counts and the configured
 * coefficients to a ledger in which every figure carries its count, its coefficient and the
 * joules they give, so each number can be traced back.
 *
 * Per frame (paper Eq. 12):
 *
 *     E = E_SOP x SOPs + E_hop x hops + E_static
 *
 * with `E_static = staticEnergyUjPerFrame` (`staticMode: 'per-frame'`, the paper's form) or
 * `leakagePowerMw x frame latency` (`'leakage'`). `SOPs` counts spike SOPs and bias SOPs (one
 * per neuron with a non-zero bias and frame, SPEC section 3: the bias is an input spike that
 * updates the neuron's accumulators like any other); the bias part is also given on its own
 * (`biasSop`, a part of `sop`, not an extra term). Hops of control packets (end-of-window
 * markers) cost `E_hop` too unless `countControlHops` is false.
 *
 * Note: the paper's own Eq. 12 figures do not add up (SPEC section 6): 20 pJ x 71M + 100 pJ x
 * 45.4M + 3.52 uJ is 5,963.5 uJ, not the 50.36 uJ/frame it reports. ttfsim computes from its own
 * counts and the configured coefficients and is never tuned toward 50.36 uJ.
 */

const PJ = 1e-12;
const UJ = 1e-6;
/** 1 mW x 1 ns = 1e-12 J. */
const MW_NS = 1e-12;

/** One line of the ledger: `joules = count x coefficient x (unit scale)`. */
export interface EnergyTerm {
  count: number;
  /** What is counted: `SOP`, `hop`, `frame` or `ns`. */
  countUnit: 'SOP' | 'hop' | 'frame' | 'ns';
  coefficient: number;
  /** Unit of the coefficient: `pJ/SOP`, `pJ/hop`, `uJ/frame` or `mW`. */
  coefficientUnit: 'pJ/SOP' | 'pJ/hop' | 'uJ/frame' | 'mW';
  joules: number;
}

/** Counts of a run of `frames` frames (totals over all frames). */
export interface EnergyCounts {
  frames: number;
  /**
   * Per layer: its SOPs (spike SOPs and bias SOPs; `biasSops` of them are bias SOPs, default 0)
   * and the hops of its spike packets.
   */
  layers: { stage: number; name: string; sops: number; biasSops?: number; hops: number }[];
  /** SOPs by the core where they happen (the destination core), indexed by core id. */
  coreSops?: ArrayLike<number>;
  /** Hops of control packets (end-of-window markers). */
  controlHops?: number;
  /**
   * Chip time per frame (ns): what leakage mode charges (`P_leak x frameLatencyNs`); needed in
   * leakage mode. ttfsim simulate gives the stream's `1 / throughput` (src/run/aggregate.ts).
   */
  frameLatencyNs?: number;
}

export interface EnergyFigures {
  /** All SOPs (spike and bias). */
  sop: EnergyTerm;
  /** The bias SOPs among them (part of `sop`, not added again). */
  biasSop: EnergyTerm;
  hop: EnergyTerm;
  controlHop: EnergyTerm;
  static: EnergyTerm;
  sopJ: number;
  /** Part of `sopJ`. */
  biasSopJ: number;
  hopJ: number;
  controlHopJ: number;
  staticJ: number;
  totalJ: number;
}

/**
 * What the static term rests on. The per-frame figure `E_static` charges the same energy
 * whatever a frame takes; it equals leakage power times chip time for one frame time only,
 *
 *     T_assumed = E_static / P_leak            (mesh22nm: 3.52 uJ / 220 mW = 16 us)
 *
 * (the frame time behind the config's two figures). The run's own chip time per frame
 * (`frameLatencyNs`, what leakage mode charges) is set beside it; when the two differ by more
 * than a factor of {@link STATIC_MISMATCH_FACTOR}, `mismatch` is true and the run says so.
 */
export interface StaticBasis {
  mode: 'per-frame' | 'leakage';
  /** `E_static / P_leak` in ns; null when the leakage power is 0. */
  assumedFrameNs: number | null;
  /** The run's chip time per frame (ns); null when not given. */
  chipNsPerFrame: number | null;
  /** `chipNsPerFrame / assumedFrameNs`; null when either is missing or 0. */
  ratio: number | null;
  /** Static energy per frame in each mode (J); leakage null without a chip time. */
  perFrameJ: number;
  leakageJ: number | null;
  /** The ratio is above the factor or below its inverse. */
  mismatch: boolean;
}

/** Chip time per frame and the time the per-frame figure assumes may differ this much (2x). */
export const STATIC_MISMATCH_FACTOR = 2;

/** The {@link StaticBasis} of coefficients `e` for a chip time per frame (ns, may be absent). */
export function staticBasis(e: EnergyParams, chipNsPerFrame?: number): StaticBasis {
  const assumedFrameNs =
    e.leakagePowerMw > 0
      ? ((e.staticEnergyUjPerFrame * UJ) / (e.leakagePowerMw * 1e-3)) * 1e9
      : null;
  const chip = chipNsPerFrame !== undefined && chipNsPerFrame >= 0 ? chipNsPerFrame : null;
  const ratio =
    assumedFrameNs !== null && assumedFrameNs > 0 && chip !== null && chip > 0
      ? chip / assumedFrameNs
      : null;
  return {
    mode: e.staticMode,
    assumedFrameNs,
    chipNsPerFrame: chip,
    ratio,
    perFrameJ: e.staticEnergyUjPerFrame * UJ,
    leakageJ: chip === null ? null : chip * e.leakagePowerMw * MW_NS,
    mismatch:
      ratio !== null && (ratio > STATIC_MISMATCH_FACTOR || ratio < 1 / STATIC_MISMATCH_FACTOR),
  };
}

export interface EnergyLedger {
  frames: number;
  coefficients: EnergyParams;
  /** What the static term assumes, beside the run's chip time per frame. */
  staticBasis: StaticBasis;
  /** Everything averaged per frame (Eq. 12 is per frame). */
  perFrame: EnergyFigures;
  /** Over the whole run (`perFrame x frames`, each count as given). */
  total: EnergyFigures;
  /** Per source layer, totals over the run: dynamic energy only. */
  layers: {
    stage: number;
    name: string;
    sop: EnergyTerm;
    /** Part of `sop`. */
    biasSop: EnergyTerm;
    hop: EnergyTerm;
    sopJ: number;
    hopJ: number;
    totalJ: number;
  }[];
  /** Per core, totals over the run: SOP energy where the SOPs happen. */
  cores: { core: number; sop: EnergyTerm; sopJ: number }[];
}

function sopTerm(count: number, e: EnergyParams): EnergyTerm {
  return {
    count,
    countUnit: 'SOP',
    coefficient: e.sopEnergyPj,
    coefficientUnit: 'pJ/SOP',
    joules: count * e.sopEnergyPj * PJ,
  };
}

function hopTerm(count: number, coefficientPj: number): EnergyTerm {
  return {
    count,
    countUnit: 'hop',
    coefficient: coefficientPj,
    coefficientUnit: 'pJ/hop',
    joules: count * coefficientPj * PJ,
  };
}

/** Static energy of `frames` frames (per-frame coefficient, or leakage x latency). */
function staticTerm(frames: number, latencyNs: number | undefined, e: EnergyParams): EnergyTerm {
  if (e.staticMode === 'per-frame') {
    return {
      count: frames,
      countUnit: 'frame',
      coefficient: e.staticEnergyUjPerFrame,
      coefficientUnit: 'uJ/frame',
      joules: frames * e.staticEnergyUjPerFrame * UJ,
    };
  }
  if (latencyNs === undefined || !(latencyNs >= 0)) {
    throw new Error('energy ledger: staticMode "leakage" needs frameLatencyNs');
  }
  const ns = frames * latencyNs;
  return {
    count: ns,
    countUnit: 'ns',
    coefficient: e.leakagePowerMw,
    coefficientUnit: 'mW',
    joules: ns * e.leakagePowerMw * MW_NS,
  };
}

function figures(
  sops: number,
  biasSops: number,
  hops: number,
  controlHops: number,
  frames: number,
  latencyNs: number | undefined,
  e: EnergyParams,
): EnergyFigures {
  const sop = sopTerm(sops, e);
  const biasSop = sopTerm(biasSops, e);
  const hop = hopTerm(hops, e.hopEnergyPj);
  const controlHop = hopTerm(controlHops, e.countControlHops ? e.hopEnergyPj : 0);
  const stat = staticTerm(frames, latencyNs, e);
  return {
    sop,
    biasSop,
    hop,
    controlHop,
    static: stat,
    sopJ: sop.joules,
    biasSopJ: biasSop.joules,
    hopJ: hop.joules,
    controlHopJ: controlHop.joules,
    staticJ: stat.joules,
    totalJ: sop.joules + hop.joules + controlHop.joules + stat.joules,
  };
}

/**
 * Builds the ledger (Eq. 12) from counts and coefficients; see the file comment. Per-frame
 * figures are the run totals divided by `frames`.
 */
export function energyLedger(counts: EnergyCounts, coefficients: EnergyParams): EnergyLedger {
  const frames = counts.frames;
  if (!(frames > 0)) throw new Error('energy ledger: frames must be positive');
  let sops = 0;
  let biasSops = 0;
  let hops = 0;
  for (const l of counts.layers) {
    const b = l.biasSops ?? 0;
    if (!(b >= 0 && b <= l.sops)) {
      throw new Error(`energy ledger: layer ${l.name} has ${b} bias SOPs of ${l.sops} SOPs`);
    }
    sops += l.sops;
    biasSops += b;
    hops += l.hops;
  }
  const controlHops = counts.controlHops ?? 0;
  const latency = counts.frameLatencyNs;
  const total = figures(sops, biasSops, hops, controlHops, frames, latency, coefficients);
  const perFrame = figures(
    sops / frames,
    biasSops / frames,
    hops / frames,
    controlHops / frames,
    1,
    latency,
    coefficients,
  );
  const layers = counts.layers.map((l) => {
    const sop = sopTerm(l.sops, coefficients);
    const biasSop = sopTerm(l.biasSops ?? 0, coefficients);
    const hop = hopTerm(l.hops, coefficients.hopEnergyPj);
    return {
      stage: l.stage,
      name: l.name,
      sop,
      biasSop,
      hop,
      sopJ: sop.joules,
      hopJ: hop.joules,
      totalJ: sop.joules + hop.joules,
    };
  });
  const cores: EnergyLedger['cores'] = [];
  if (counts.coreSops) {
    for (let c = 0; c < counts.coreSops.length; c++) {
      const sop = sopTerm(counts.coreSops[c]!, coefficients);
      cores.push({ core: c, sop, sopJ: sop.joules });
    }
  }
  return {
    frames,
    coefficients: { ...coefficients },
    staticBasis: staticBasis(coefficients, latency),
    perFrame,
    total,
    layers,
    cores,
  };
}

/** Energy coefficients `(a, b)` of Eq. 11 as the paper sets them (section 4.4.1). */
export const THEORETICAL_ARCHITECTURES = {
  truenorth: { staticCoefficient: 0.6, dynamicCoefficient: 0.4 },
  spinnaker: { staticCoefficient: 0.36, dynamicCoefficient: 0.64 },
} as const;

/** The rate-coding row of Table 2 that Eq. 11 is normalized to: 512 steps, 2.612M spikes. */
export const RATE_CODING_REFERENCE = { latencySteps: 512, spikes: 2.612e6 } as const;

/**
 * The theoretical estimate of Eq. 11 / Table 2, normalized to the rate-coding row:
 *
 *     E_norm = a x (L / 512) + b x (S / 2.612e6)
 *
 * with latency `L` in steps and `S` spikes per frame; `(a, b) = (0.6, 0.4)` for TrueNorth and
 * `(0.36, 0.64)` for SpiNNaker. DTA-TTFS (L = 160, S = 0.073M): 0.1987 and 0.1304.
 */
export function theoreticalEnergy(
  latencySteps: number,
  spikes: number,
  arch:
    | keyof typeof THEORETICAL_ARCHITECTURES
    | { staticCoefficient: number; dynamicCoefficient: number },
): number {
  const { staticCoefficient: a, dynamicCoefficient: b } =
    typeof arch === 'string' ? THEORETICAL_ARCHITECTURES[arch] : arch;
  return (
    a * (latencySteps / RATE_CODING_REFERENCE.latencySteps) +
    b * (spikes / RATE_CODING_REFERENCE.spikes)
  );
}
