/** The detailed network's test helpers live in src/testing/noc.ts (`ttfsim/testing`). */
export {
  type AsyncScenario,
  asyncScenarioRun,
  asyncScenarios,
  type DetailedRun,
  offerPackets,
  runDetailed,
  sortTrace,
} from '../../../src/testing/index.js';
