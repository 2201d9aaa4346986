export { frameEnergy, RunAccumulator } from './aggregate.js';
export type { Engine, EngineFrame, EngineInput, EngineNoc, EngineRunResult } from './engine.js';
export { checkFrameRange, type FrameRange, type FramesSpec, parseFrames } from './frames.js';
export {
  DEFAULT_HARDWARE,
  DEFAULT_MAX_FRAMES,
  DEFAULT_MODEL,
  DEFAULT_NOC,
  DEFAULT_SEED,
  DEFAULT_SYNAPSE_FRAMES,
  type SimulateHooks,
  type SimulateOptions,
} from './options.js';
export { Progress } from './progress.js';
export { referenceEngine } from './referenceEngine.js';
export { type ResolvedRun, resolveRun } from './resolve.js';
export { framesCsv, SpikeTraceWriter, spikeRaster, writeResults } from './results.js';
export { defaultEngine, simEngine } from './simEngine.js';
export { runSimulation } from './simulate.js';
export { formatSummary } from './summary.js';
