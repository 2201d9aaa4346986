import type { HardwareConfig } from '../hardware/config.js';
import { IdealNoc } from '../hardware/noc/ideal.js';
import type { NetworkOnChip } from '../hardware/noc/network.js';
import type { NocParams } from '../hardware/noc/params.js';
import { mapNetwork } from '../mapping/map.js';
import type { Mapping } from '../mapping/types.js';
import { type NetworkArith, networkArith } from '../snn/arith.js';
import { type Network, paperNeuronCount, type StageInfo, stages } from '../snn/network.js';
import { biasBits, quantizeBias, quantizeNetwork } from '../snn/quantize.js';
import { buildConnectivity, type Connectivity } from './connectivity.js';
import { IntSops, intSopsBlocker } from './intSops.js';

/** Builds a fresh network-on-chip for one run (a network is attached to one kernel only). */
export type NocFactory = (
  meshWidth: number,
  meshHeight: number,
  params: NocParams,
) => NetworkOnChip;

/** The contention-free network: XY hop count x fixed per-hop delay. */
export const idealNocFactory: NocFactory = (w, h, params) => new IdealNoc(w, h, params);

/** What a user chooses for a simulation; every field has a default. */
export interface SimOptions {
  /**
   * `quantized` (default): neurons fire on a grid of `timing.stepsPerWindow` steps (SPEC section
   * 4), as the hardware does. `exact`: continuous time. Physical timing uses the config's steps
   * in both modes.
   */
  timeMode?: 'exact' | 'quantized';
  /** Weight precision: bits, or null for float weights. Default: `chip.weightBits`. */
  weightBits?: number | null;
  /** False for seeded random weights (see untrained.ts): results say accuracy is meaningless. */
  weightsTrained?: boolean;
  /** Model name for messages and results. Default `network`. */
  model?: string;
  /** The network between cores. Default: the ideal network. */
  noc?: NocFactory;
  /** A ready mapping (default: `mapNetwork(arch, hw)`). */
  mapping?: Mapping;
}

/** Everything a run needs, computed once: quantized network, mapping, connectivity, timing. */
export interface SimSetup {
  hw: HardwareConfig;
  model: string;
  /** The simulated network: the given one with `weightBits` quantization applied. */
  network: Network;
  /** Its arithmetic in the run's time mode (src/snn/arith.ts: float fixed point or integer levels). */
  arith: NetworkArith;
  /**
   * How cores do their SOPs (coreCompute.ts): `int`, integer SOPs in WebAssembly SIMD (k-bit
   * levels on a step grid, src/sim/intSops.ts), else `fixed`, the fixed-point accumulators of
   * core.ts. The same results bit for bit; `sopModeReason` says why `int` does not apply.
   */
  sopMode: 'int' | 'fixed';
  sopModeReason: string | null;
  /**
   * The integer engine (its levels laid out once per setup; each run lays out its accumulators),
   * null on the fixed-point path. Runs of one setup use it one after another, never at once.
   */
  intSops: IntSops | null;
  stages: StageInfo[];
  mapping: Mapping;
  conn: Connectivity;
  /** Steps per window of the neuron model: null for exact time. */
  stepsPerWindow: number | null;
  /** Steps per window of the physical clock (`timing.stepsPerWindow`), both modes. */
  clockStepsPerWindow: number;
  /** `clockStepsPerWindow x stepNs`: physical duration of one window. */
  windowNs: number;
  weightBits: number | null;
  weightsTrained: boolean;
  /** Plain words for results (untrained weights and what that means). */
  notes: string[];
  /** The paper's neuron count (sparsity denominator). */
  paperNeurons: number;
  /** Stage of the output layer, and its window. */
  outputStage: number;
  outputWindow: number;
  /** Host multiply-adds per frame of a `direct` encoding's analog first conv (0 for pixel). */
  hostMacs: number;
  createNoc: NocFactory;
}

/** Text every output carries when the weights are untrained. */
export const UNTRAINED_NOTE =
  'weights are untrained (seeded random, scaled per layer to a calibrated firing fraction): the accuracy is meaningless; spike, SOP, traffic and energy figures are indicative only';

function directHostMacs(all: StageInfo[], net: Network): number {
  if (net.arch.encoding.kind !== 'direct') return 0;
  const layer = net.arch.layers[0]!;
  if (layer.kind !== 'conv') return 0;
  const inS = all[0]!.shape;
  const outS = all[1]!.shape;
  const valid = (n: number, size: number) => {
    let v = 0;
    for (let o = 0; o < n; o++) {
      for (let k = 0; k < layer.kernel; k++) {
        const i = o * layer.stride + k - layer.padding;
        if (i >= 0 && i < size) v++;
      }
    }
    return v;
  };
  return outS.c * inS.c * valid(outS.h, inS.h) * valid(outS.w, inS.w);
}

/** Notes on biases clipped to their `biasBits` register by `weightBits` quantization. */
function biasClipNotes(net: Network, weightBits: number | null): string[] {
  if (weightBits === null || net.biases === undefined) return [];
  const notes: string[] = [];
  net.biases.forEach((b, i) => {
    if (b === null) return;
    const { clipped } = quantizeBias(b, net.weights[i]!, weightBits);
    if (clipped > 0) {
      notes.push(
        `layer ${net.arch.layers[i]!.name}: ${clipped} of ${b.length} biases exceed the ${biasBits(weightBits)}-bit bias range on the weights' scale and were clipped`,
      );
    }
  });
  return notes;
}

/**
 * Prepares a simulation of `net` on the chip `hw`: quantizes the weights, maps the layers onto
 * cores and mesh positions (`hw.chip`), and builds the connectivity tables.
 */
export function prepareSimulation(
  net: Network,
  hw: HardwareConfig,
  options: SimOptions = {},
): SimSetup {
  const weightBits = options.weightBits === undefined ? hw.chip.weightBits : options.weightBits;
  const network = quantizeNetwork(net, weightBits);
  const all = stages(net.arch);
  const model = options.model ?? 'network';
  const mapping = options.mapping ?? mapNetwork(net.arch, hw, { model });
  const stepsPerWindow =
    (options.timeMode ?? 'quantized') === 'exact' ? null : hw.timing.stepsPerWindow;
  const arith = networkArith(network, stepsPerWindow);
  const blocker = intSopsBlocker(network, all, stepsPerWindow);
  const sopMode = blocker === null ? 'int' : 'fixed';
  const conn = buildConnectivity(network, all, mapping, arith, sopMode === 'fixed');
  const clockSteps = hw.timing.stepsPerWindow;
  const weightsTrained = options.weightsTrained ?? true;
  const outputStage = all.length - 1;
  return {
    hw,
    model,
    network,
    arith,
    sopMode,
    sopModeReason: blocker,
    intSops: sopMode === 'int' ? new IntSops(network, conn.links, all, stepsPerWindow!) : null,
    stages: all,
    mapping,
    conn,
    stepsPerWindow,
    clockStepsPerWindow: clockSteps,
    windowNs: clockSteps * hw.timing.stepNs,
    weightBits,
    weightsTrained,
    notes: [...(weightsTrained ? [] : [UNTRAINED_NOTE]), ...biasClipNotes(net, weightBits)],
    paperNeurons: paperNeuronCount(net.arch),
    outputStage,
    outputWindow: all[outputStage]!.window,
    hostMacs: directHostMacs(all, network),
    createNoc: options.noc ?? idealNocFactory,
  };
}
