/**
 * `ttfsim`: the library (docs/api.md). Everything the `ttfsim` command does, as functions that
 * return the objects its files hold: load and validate hardware configs and models (with the
 * same `--set` overrides), map a network onto cores, simulate (whole runs with `run.json`'s
 * results, or your own network in memory), run the dense reference, run synthetic NoC
 * experiments, plan and run sweeps, write results and the HTML report.
 *
 * The library never prints and never ends the process. Bad input throws a {@link UserError}
 * naming the file (`err.file`) and the field (`err.field`); a cancelled run throws its
 * `AbortSignal`'s reason. Property-test helpers are in `ttfsim/testing`.
 *
 * @packageDocumentation
 */

// Hardware configs
export {
  availableHardwareConfigs,
  type ChipParams,
  defaultHardwareConfig,
  type EnergyParams,
  type HardwareConfig,
  hardwareConfigSchema,
  loadHardwareConfig,
  type PlacementName,
  parseHardwareConfig,
  parseOverride,
  placementNames,
  type TimingParams,
} from '../hardware/config.js';
export type { StaticBasis } from '../hardware/energy.js';
export type { NocStats } from '../hardware/noc/network.js';
export { type NocParams, nocSchema } from '../hardware/noc/params.js';
// Network-on-chip experiments
export type { SaturationReason, SyntheticResult } from '../hardware/noc/synthetic.js';
export { TRAFFIC_PATTERNS, type TrafficPattern } from '../hardware/noc/traffic.js';
// Errors
export { NocDeadlockError } from '../hardware/noc/watchdog.js';
// Mapping
export { type MappingChip, mapNetwork } from '../mapping/map.js';
export type { CoreAssignment, Mapping, StageMapping } from '../mapping/types.js';
// Models and networks
export { type InspectLayerRow, type InspectReport, inspectModel } from '../model/inspect.js';
export {
  bundledModelNames,
  type LoadedModel,
  type LoadModelOptions,
  loadModel,
} from '../model/load.js';
export type { ModelManifest } from '../model/manifest.js';
export type {
  CoreRecord,
  EnergyJ,
  EnergyLedgerRecord,
  EnergyTermRecord,
  FrameRecord,
  LayerRecord,
  NocRecord,
  RunResult,
  RunSummary,
  SpikeRaster,
} from '../report/runResult.js';
// Results and the report
export { parseRunResult } from '../report/validate.js';
export {
  type WriteReportOptions,
  type WriteReportResult,
  writeReport,
} from '../report/writeReport.js';
export type { FramesSpec } from '../run/frames.js';
export type { SimulateHooks, SimulateOptions } from '../run/options.js';
export { writeResults } from '../run/results.js';
// Simulation and the reference
export type { SimFrameResult, SimRunSummary } from '../sim/frameResult.js';
export type {
  Architecture,
  InputEncoding,
  LayerLevels,
  LayerSpec,
  Network,
  NetworkLevels,
  Readout,
  Shape3,
} from '../snn/network.js';
export { paperNeuronCount, synapseCount, windowCount } from '../snn/network.js';
export type { FrameResult as ReferenceFrame } from '../snn/reference.js';
// Sweeps
export { type MergeReport, mergeSweeps } from '../sweep/merge.js';
export type {
  PointCount,
  SimOptions as SweepSimOptions,
  SweepPlan,
  SweepPoint,
} from '../sweep/points.js';
export type { PointResult } from '../sweep/results.js';
export {
  type RunSweepOptions,
  type RunSweepReport,
  runSweep,
  type SweepProgress,
} from '../sweep/runner.js';
export type { PointRunner } from '../sweep/runners.js';
export type { Shard } from '../sweep/shard.js';
export type { AxisValue, RunnerName } from '../sweep/spec.js';
export { UserError, type UserErrorDetails } from '../util/errors.js';
export { VERSION } from '../util/version.js';
export { type NetworkSimOptions, runReference, simulateNetwork } from './network.js';
export {
  type NocExperimentOptions,
  resolveNocParams,
  runNocExperiment,
  sweepNocRates,
} from './noc.js';
export {
  type ApiSimulateHooks,
  type ApiSimulateOptions,
  type SimulationEvent,
  simulate,
  simulateFrames,
} from './simulate.js';
export { paretoPoints, planSweep } from './sweep.js';
