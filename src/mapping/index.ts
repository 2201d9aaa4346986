export { type BiasSram, biasSram } from './bias.js';
export { formatMapping, mappingToJson } from './format.js';
export { type MappingChip, mapNetwork, meshSize } from './map.js';
export { balancedSplit, encodingStage, partitionNetwork, partitionStage } from './partition.js';
export {
  placeCores,
  placeLayerAffinity,
  placeRowMajor,
  placeSnake,
  snakeNode,
} from './placement.js';
export {
  type CoreTraffic,
  coreTraffic,
  type SpikeDestinations,
  spikeDestinations,
  weightedHops,
} from './traffic.js';
export type { CoreAssignment, Mapping, StageMapping } from './types.js';
