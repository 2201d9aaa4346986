import { getRoutingFunction } from '../hardware/noc/routing.js';
import type { SimFrameResult, SimRunSummary } from '../sim/frameResult.js';
import { type RunOptions, simulateFrames, simulateFramesFrom } from '../sim/run.js';
import { idealNocFactory, prepareSimulation, type SimOptions } from '../sim/setup.js';
import { windowCount } from '../snn/network.js';
import type { Engine, EngineFrame, EngineInput, EngineRunResult } from './engine.js';
import { FramePool } from './framePool.js';
import {
  detailedNocFactory,
  LatencyHistogram,
  nocRecord,
  RecordingIdealNoc,
  RouterCongestion,
  recording,
} from './nocRecording.js';

/**
 * The default engine: the event-driven simulator of `src/sim` (`prepareSimulation` +
 * `simulateFrames`), with the ideal or the detailed network-on-chip, adapted to the per-frame
 * counts of `engine.ts`. The network records packet latencies as well (nocRecording.ts), which
 * `NocStats` does not keep.
 */

/**
 * The event-driven engine. With `workers` > 1 (and more than one frame) the frames' spikes are
 * computed on that many worker threads (framePool.ts) while this thread runs their physical
 * time; the results are the same bit for bit.
 */
export const simEngine: Engine = async (input, onFrame) => {
  const workers = Math.min(input.workers ?? 1, input.count);
  const timeMode = input.stepsPerWindow === null ? 'exact' : 'quantized';
  const simOptions = {
    timeMode,
    weightBits: input.weightBits,
    weightsTrained: input.weightsTrained,
    model: input.model,
    mapping: input.mapping,
  } as const;
  // Started first: the workers' set-up runs while this thread prepares its own.
  const pool =
    workers > 1
      ? new FramePool(workers, { network: input.network, hw: input.config, options: simOptions })
      : null;
  try {
    return await runEngine(input, onFrame, simOptions, pool);
  } finally {
    await pool?.close();
  }
};

async function runEngine(
  input: EngineInput,
  onFrame: (frame: EngineFrame) => void,
  simOptions: Omit<SimOptions, 'noc'>,
  pool: FramePool | null,
): Promise<EngineRunResult> {
  const hist = new LatencyHistogram();
  const { meshWidth, meshHeight } = input.mapping;
  // Adaptive routing picks among minimal routes; congestion is attributed along the XY one.
  const routing = input.config.noc.routing === 'yx' ? 'yx' : 'xy';
  const congestion = new RouterCongestion(
    meshWidth * meshHeight,
    meshWidth,
    meshHeight,
    getRoutingFunction(routing),
  );
  const base = input.noc === 'detailed' ? detailedNocFactory : idealNocFactory;
  const setup = prepareSimulation(input.network, input.config, {
    ...simOptions,
    noc:
      input.noc === 'ideal'
        ? (w, h, p) => new RecordingIdealNoc(w, h, p, hist)
        : (w, h, p) => recording(base(w, h, p), hist, congestion),
  });
  const framesInFlight = Math.min(
    input.count,
    input.framesInFlight ?? windowCount(input.network.arch),
  );
  const runOptions: RunOptions = {
    labels: input.labels,
    keepTau: false,
    ...(input.framesInFlight !== null ? { maxFramesInFlight: input.framesInFlight } : {}),
  };
  const onResult = (r: SimFrameResult) => {
    const frame: EngineFrame = {
      index: input.firstIndex + r.frame,
      label: input.labels[r.frame]!,
      decision: r.decision,
      tau: r.tau,
      stageSpikes: r.spikes,
      stageSops: r.sopsIn,
      stageBiasSops: r.biasSopsIn,
      stagePackets: r.packets,
      stageHops: r.hops,
      controlPackets: r.controlPackets,
      controlHops: r.controlHops,
      coreSops: r.coreSops,
      latencySteps: r.latencySteps,
      latencyNs: r.latencyNs,
    };
    onFrame(frame);
  };
  // The first frame alone on the chip (a run of its own, nothing else in flight), unless the
  // run's frames were alone anyway; the network is not the recorded one (its figures stay the
  // stream's). Its spikes are the stream's first frame's (again from the pool when it ran one).
  let summary: SimRunSummary;
  if (pool === null) {
    summary = simulateFrames(
      setup,
      { images: input.images, count: input.count },
      runOptions,
      onResult,
    );
  } else {
    pool.begin(setup, input.images, input.count, framesInFlight);
    summary = await simulateFramesFrom(setup, input.count, pool, runOptions, onResult);
  }
  let latencyAlone: EngineRunResult['latencyAlone'];
  if (framesInFlight > 1) {
    const size = setup.stages[0]!.size;
    const alone = { ...setup, createNoc: base };
    const options: RunOptions = { maxFramesInFlight: 1, keepTau: false };
    const onAlone = (r: SimFrameResult) => {
      latencyAlone = { ns: r.latencyNs, steps: r.latencySteps, frames: 1 };
    };
    if (pool === null) {
      simulateFrames(alone, { images: input.images.subarray(0, size), count: 1 }, options, onAlone);
    } else await simulateFramesFrom(alone, 1, pool.frame0Again(), options, onAlone);
  }
  const timing = input.noc === 'ideal' ? 'ideal' : input.config.noc.timing;
  const notes: string[] = [];
  if (input.stepsPerWindow === null) {
    notes.push(
      `exact (continuous) spike times; latency in steps uses the chip's ${input.config.timing.stepsPerWindow} steps per window`,
    );
  }
  return {
    framesPerSecond: summary.framesPerSecond,
    framesInFlight,
    ...(latencyAlone !== undefined ? { latencyAlone } : {}),
    engine: 'sim',
    notes,
    noc: nocRecord(summary.noc, input.noc, timing, meshWidth, meshHeight, hist, congestion),
  };
}

/** The engine `runSimulation` uses unless told otherwise. */
export const defaultEngine: Engine = simEngine;
