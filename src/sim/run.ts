import type { NetworkOnChip } from '../hardware/noc/network.js';
import { Kernel } from '../kernel/kernel.js';
import { windowCount } from '../snn/network.js';
import type { SimFrameResult, SimRunSummary } from './frameResult.js';
import type { FrameSource } from './frameSpikes.js';
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
  const run = new FramesRun(setup, toInputs(inputs, setup.stages[0]!.size), options, onFrame, null);
  run.sim.start();
  run.kernel.run();
  return run.summary();
}

/**
 * Where {@link simulateFramesFrom} takes each frame's spikes from: a {@link FrameSource} that
 * can also wait for a frame (`until` resolves once `has(f)` is true, or rejects).
 */
export interface AsyncFrameSource extends FrameSource {
  until(f: number): Promise<void>;
}

/**
 * {@link simulateFrames} for `count` frames whose spikes come computed from `source`
 * (frameSpikes.ts; e.g. by worker threads): the simulator only runs their physical time (window
 * opens, emissions, packets, the network). The same results bit for bit. Waits for the source
 * between events, never inside one, so the events run in the same order.
 */
export async function simulateFramesFrom(
  setup: SimSetup,
  count: number,
  source: AsyncFrameSource,
  options: RunOptions = {},
  onFrame: (r: SimFrameResult) => void = () => {},
): Promise<SimRunSummary> {
  const inputs: Inputs = {
    count,
    get: () => {
      throw new Error('simulateFramesFrom: the inputs are not read (the spikes come computed)');
    },
  };
  const run = new FramesRun(setup, inputs, options, onFrame, source);
  const { sim, kernel } = run;
  sim.start();
  for (;;) {
    if (sim.waitFor >= 0) {
      await source.until(sim.waitFor);
      sim.waitFor = -1;
    }
    if (!kernel.step()) break;
  }
  return run.summary();
}

/** One run of frames: kernel, network, simulator, and the sums its summary needs. */
class FramesRun {
  readonly kernel = new Kernel();
  readonly sim: Simulator;
  private readonly noc: NetworkOnChip;
  private correct = 0;
  private first = Number.POSITIVE_INFINITY;
  private last = 0;
  private readonly sums = {
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

  constructor(
    private readonly setup: SimSetup,
    private readonly ins: Inputs,
    private readonly options: RunOptions,
    onFrame: (r: SimFrameResult) => void,
    source: FrameSource | null,
  ) {
    const { mapping, hw } = setup;
    this.noc = setup.createNoc(mapping.meshWidth, mapping.meshHeight, hw.noc);
    const labels = options.labels;
    const sums = this.sums;
    this.sim = new Simulator(setup, this.kernel, this.noc, ins, {
      maxFramesInFlight: options.maxFramesInFlight ?? windowCount(setup.network.arch),
      frameIntervalNs: options.frameIntervalNs ?? 0,
      keepTau: options.keepTau ?? true,
      onSpike: options.onSpike ?? null,
      source,
      onFrame: (r) => {
        if (labels !== undefined && r.decision === labels[r.frame]) this.correct++;
        this.first = Math.min(this.first, r.startNs);
        this.last = Math.max(this.last, r.endNs);
        for (const k of Object.keys(sums) as (keyof typeof sums)[]) sums[k] += r[k];
        onFrame(r);
      },
    });
  }

  summary(): SimRunSummary {
    const { setup, sim, ins, sums, noc } = this;
    const { mapping } = setup;
    if (sim.completed !== ins.count) {
      throw new Error(`simulation stalled: ${sim.completed} of ${ins.count} frames finished`);
    }
    const n = ins.count;
    const mean = { ...sums };
    for (const k of Object.keys(mean) as (keyof typeof mean)[]) mean[k] = n > 0 ? sums[k] / n : 0;
    const makespanNs = n > 0 ? this.last - this.first : 0;
    const counted = this.options.labels !== undefined;
    return {
      frames: n,
      correct: counted ? this.correct : null,
      accuracy: counted && setup.weightsTrained && n > 0 ? this.correct / n : null,
      weightsTrained: setup.weightsTrained,
      notes: [...setup.notes],
      mean,
      makespanNs,
      framesPerSecond: makespanNs > 0 ? (n * 1e9) / makespanNs : 0,
      events: this.kernel.eventsRun,
      noc: noc.stats(),
      nocKind: noc.kind,
      meshWidth: mapping.meshWidth,
      meshHeight: mapping.meshHeight,
      coresUsed: mapping.coresUsed,
    };
  }
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
