/**
 * `ttfsim/testing`: the fast-check arbitraries and the invariants that ttfsim's own property
 * tests use, for users to run against their own chips and networks (docs/api.md). fast-check is
 * a peer dependency: the arbitraries are built with the caller's copy.
 */
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
