import { Kernel } from '../kernel/kernel.js';
import { windowCount } from '../snn/network.js';
import type { SimFrameResult, SimRunSummary } from './frameResult.js';
import type { SimSetup } from './setup.js';
import { type Inputs, Simulator, type SpikeFn } from './simulator.js';

/** Per-run choices; every field has a default. */
export interface RunOptions {
  /**
   * Frames in flight at once: the host hands frame `f` to the chip only after frame
   * `f - maxFramesInFlight` has finished everywhere. Default: the number of windows of a frame
   * (enough to fill the layer pipeline). 1: frames one after another, no overlap.
   */
  maxFramesInFlight?: number;
  /** Earliest interval between frame injections (ns). Default 0. */
  frameIntervalNs?: number;
  /** Give every frame result its own tau arrays (default true; false: reused, valid only inside onFrame). */
  keepTau?: boolean;
  /** Called for every spike of every stage (trace), at its core's window open: see SpikeFn. */
  onSpike?: SpikeFn;
  /** Labels of the frames, for `correct` and `accuracy`. */
  labels?: ArrayLike<number>;
}

/** The frames of a run: an array of inputs, or images stored frame after frame. */
export type FrameInputs =
  | readonly ArrayLike<number>[]
  | { images: Float32Array | Float64Array; count: number };

/** Adapts {@link FrameInputs} to indexed access (`frameSize` values per frame). */
export function toInputs(x: FrameInputs, frameSize: number): Inputs {
  if (Array.isArray(x)) {
    const arr = x as readonly ArrayLike<number>[];
    return { count: arr.length, get: (i) => arr[i]! };
  }
  const { images, count } = x as { images: Float32Array | Float64Array; count: number };
  if (images.length < count * frameSize) {
    throw new RangeError(
      `inputs: ${count} frames of ${frameSize} values need ${count * frameSize}, got ${images.length}`,
    );
  }
  return { count, get: (i) => images.subarray(i * frameSize, (i + 1) * frameSize) };
}

/**
 * Simulates frames on the mapped chip, event by event (docs/simulation.md). Calls `onFrame`
 * with each frame's result in frame order as soon as it finishes, and returns the run summary.
 * Deterministic: the same setup and inputs give identical results (nothing random happens here).
 */
export function simulateFrames(
  setup: SimSetup,
  inputs: FrameInputs,
  options: RunOptions = {},
  onFrame: (r: SimFrameResult) => void = () => {},
): SimRunSummary {
  const ins = toInputs(inputs, setup.stages[0]!.size);
  const { mapping, hw } = setup;
  const kernel = new Kernel();
  const noc = setup.createNoc(mapping.meshWidth, mapping.meshHeight, hw.noc);
  const labels = options.labels;
  let correct = 0;
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  const sums = {
    sparsity: 0,
    weightedSpikes: 0,
    sops: 0,
    biasSops: 0,
    spikePackets: 0,
    spikeHops: 0,
    controlPackets: 0,
    controlHops: 0,
    latencySteps: 0,
    latencyNs: 0,
  };
  const sim = new Simulator(setup, kernel, noc, ins, {
    maxFramesInFlight: options.maxFramesInFlight ?? windowCount(setup.network.arch),
    frameIntervalNs: options.frameIntervalNs ?? 0,
    keepTau: options.keepTau ?? true,
    onSpike: options.onSpike ?? null,
    onFrame: (r) => {
      if (labels !== undefined && r.decision === labels[r.frame]) correct++;
      first = Math.min(first, r.startNs);
      last = Math.max(last, r.endNs);
      for (const k of Object.keys(sums) as (keyof typeof sums)[]) sums[k] += r[k];
      onFrame(r);
    },
  });
  sim.start();
  kernel.run();
  if (sim.completed !== ins.count) {
    throw new Error(`simulation stalled: ${sim.completed} of ${ins.count} frames finished`);
  }
  const n = ins.count;
  const mean = { ...sums };
  for (const k of Object.keys(mean) as (keyof typeof mean)[]) mean[k] = n > 0 ? sums[k] / n : 0;
  const makespanNs = n > 0 ? last - first : 0;
  const counted = labels !== undefined;
  return {
    frames: n,
    correct: counted ? correct : null,
    accuracy: counted && setup.weightsTrained && n > 0 ? correct / n : null,
    weightsTrained: setup.weightsTrained,
    notes: [...setup.notes],
    mean,
    makespanNs,
    framesPerSecond: makespanNs > 0 ? (n * 1e9) / makespanNs : 0,
    events: kernel.eventsRun,
    noc: noc.stats(),
    nocKind: noc.kind,
    meshWidth: mapping.meshWidth,
    meshHeight: mapping.meshHeight,
    coresUsed: mapping.coresUsed,
  };
}

/** One frame; returns its result and the run summary. */
export function simulateFrame(
  setup: SimSetup,
  input: ArrayLike<number>,
  options: RunOptions = {},
): { result: SimFrameResult; summary: SimRunSummary } {
  let result: SimFrameResult | undefined;
  const summary = simulateFrames(setup, [input], options, (r) => {
    result = r;
  });
  return { result: result!, summary };
}
