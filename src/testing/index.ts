/**
 * `ttfsim/testing`: the fast-check arbitraries and the invariants that ttfsim's own property
 * tests use, for users to run against their own chips and networks (docs/api.md). fast-check is
 * a peer dependency: the arbitraries are built with the caller's copy.
 */

// The types these take and return, so that a user's property needs no other import.
export type { HardwareConfig } from '../hardware/config.js';
export type { DetailedNoc, DetailedNocOptions } from '../hardware/noc/detailed.js';
export type { FlitTraceEvent } from '../hardware/noc/fabric.js';
export type { NocStats } from '../hardware/noc/network.js';
export type { NocParams } from '../hardware/noc/params.js';
export type { RefPacket } from '../hardware/noc/reference.js';
export type { TrafficPattern } from '../hardware/noc/traffic.js';
export type { Kernel } from '../kernel/kernel.js';
export type { Mapping } from '../mapping/types.js';
export type { RunResult } from '../report/runResult.js';
export type { SimFrameResult, SimRunSummary } from '../sim/frameResult.js';
export type { Architecture, Network } from '../snn/network.js';
export { type BruteTraffic, bruteTraffic } from './bruteTraffic.js';
export {
  checkDeliveredOnce,
  checkEnergyLedger,
  checkMatchesReference,
  checkNocConservation,
  checkReruns,
  InvariantError,
  type MatchOptions,
} from './checks.js';
export {
  framesArb,
  type HardwareArbOptions,
  type HardwareCase,
  hardwareConfigArb,
  type TrafficCase,
  trafficArb,
} from './hardware.js';
export {
  type ArbOptions,
  archArb,
  biasesArb,
  inputArb,
  networkAndInputArb,
  weightsArb,
} from './networks.js';
export {
  type AsyncScenario,
  asyncScenarioRun,
  asyncScenarios,
  type DetailedRun,
  offerPackets,
  runDetailed,
  sortTrace,
} from './noc.js';
