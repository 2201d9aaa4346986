import type { HardwareConfig } from '../hardware/config.js';
import { DetailedNoc } from '../hardware/noc/detailed.js';
import type { Mapping } from '../mapping/types.js';
import type { SimFrameResult, SimRunSummary } from '../sim/frameResult.js';
import { simulateFrames } from '../sim/run.js';
import { idealNocFactory, prepareSimulation } from '../sim/setup.js';
import type { Network } from '../snn/network.js';
import { quantizeNetwork } from '../snn/quantize.js';
import { type FrameResult, prepareNetwork, referenceForward } from '../snn/reference.js';

/** Options of {@link simulateNetwork}; every field has a default. */
export interface NetworkSimOptions {
  /** `ideal` (default: hop count x fixed delay) or `detailed` (routers, buffers, credits). */
  noc?: 'ideal' | 'detailed';
  /** `quantized` (default: `timing.stepsPerWindow` steps per window) or `exact` time. */
  timeMode?: 'exact' | 'quantized';
  /** Weight bits, or null for float weights (default: the config's `chip.weightBits`). */
  weightBits?: number | null;
  /** Frames on the chip at once (default: one per window of the network). */
  maxFramesInFlight?: number;
  /** A ready mapping (default: `mapNetwork(net.arch, hw)`). */
  mapping?: Mapping;
  /** Labels of the frames, for the summary's accuracy. */
  labels?: ArrayLike<number>;
  /** Called with each frame as it finishes, in order. */
  onFrame?(frame: SimFrameResult): void;
  /** Checked after every frame: an aborted run throws `signal.reason`. */
  signal?: AbortSignal;
}

/**
 * Simulates a network of your own (weights in memory, e.g. drawn by `ttfsim/testing`) event by
 * event on the chip `hw`: maps it onto cores, runs `inputs` (raw input values, CHW, one array
 * per frame) and returns every frame's spike times and counts with the run summary. A
 * deterministic function of its arguments.
 *
 * @example
 * ```ts
 * const hw = loadHardwareConfig('mesh22nm', ['noc.bufferDepthFlits=2']);
 * const { frames, summary } = simulateNetwork(net, hw, [image], { noc: 'detailed' });
 * ```
 */
export function simulateNetwork(
  net: Network,
  hw: HardwareConfig,
  inputs: readonly ArrayLike<number>[],
  opts: NetworkSimOptions = {},
): { frames: SimFrameResult[]; summary: SimRunSummary } {
  opts.signal?.throwIfAborted();
  const setup = prepareSimulation(net, hw, {
    timeMode: opts.timeMode ?? 'quantized',
    ...(opts.weightBits !== undefined ? { weightBits: opts.weightBits } : {}),
    ...(opts.mapping !== undefined ? { mapping: opts.mapping } : {}),
    noc: opts.noc === 'detailed' ? (w, h, p) => new DetailedNoc(w, h, p) : idealNocFactory,
  });
  const frames: SimFrameResult[] = [];
  const summary = simulateFrames(
    setup,
    inputs,
    {
      ...(opts.maxFramesInFlight !== undefined
        ? { maxFramesInFlight: opts.maxFramesInFlight }
        : {}),
      ...(opts.labels !== undefined ? { labels: opts.labels } : {}),
    },
    (r) => {
      opts.signal?.throwIfAborted();
      frames.push(r);
      opts.onFrame?.(r);
    },
  );
  return { frames, summary };
}

/**
 * The dense reference forward pass (the oracle): every frame through the whole network, layer
 * by layer in index order, with the weights quantized to `weightBits` (null: float) and time
 * on a grid of `stepsPerWindow` steps (null: exact), as the simulator computes them.
 */
export function runReference(
  net: Network,
  inputs: readonly ArrayLike<number>[],
  opts: { weightBits?: number | null; stepsPerWindow?: number | null } = {},
): FrameResult[] {
  const prep = prepareNetwork(quantizeNetwork(net, opts.weightBits ?? null));
  return inputs.map((x) =>
    referenceForward(prep, x, { stepsPerWindow: opts.stepsPerWindow ?? null }),
  );
}
