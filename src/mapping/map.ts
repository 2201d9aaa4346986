import type { ChipParams } from '../hardware/config.js';
import type { Architecture } from '../snn/network.js';
import { stages as stageInfos } from '../snn/network.js';
import { UserError } from '../util/errors.js';
import { partitionNetwork } from './partition.js';
import { placeCores } from './placement.js';
import { coreTraffic } from './traffic.js';
import type { Mapping } from './types.js';

export type MappingChip = Pick<
  ChipParams,
  'neuronsPerCore' | 'meshWidth' | 'meshHeight' | 'placement'
>;

/**
 * Mesh size for `cores` cores: both sides given; one side given (the other just large enough);
 * or neither (the smallest square that fits). Throws a UserError when the given mesh is too
 * small: `model vgg16 needs 279 cores; the 16x16 mesh has 256`.
 */
export function meshSize(
  cores: number,
  meshWidth: number | null,
  meshHeight: number | null,
  model: string,
): { meshWidth: number; meshHeight: number } {
  let w = meshWidth;
  let h = meshHeight;
  if (w === null && h === null) {
    w = Math.max(1, Math.ceil(Math.sqrt(cores)));
    h = w;
  } else if (w === null) w = Math.max(1, Math.ceil(cores / h!));
  else if (h === null) h = Math.max(1, Math.ceil(cores / w));
  if (w! * h! < cores) {
    throw new UserError(`model ${model} needs ${cores} cores; the ${w}x${h} mesh has ${w! * h!}`);
  }
  return { meshWidth: w!, meshHeight: h! };
}

/**
 * Maps a network onto the chip (SPEC section 5): partitions every stage into cores (see
 * `partitionStage`), sizes the mesh, and places the cores with `chip.placement`. Pool and
 * flatten stages live on the cores of the stage they pool; with `direct` encoding the
 * host-side first conv's output (stage 1) is the encoding and stage 0 is not on the chip.
 */
export function mapNetwork(
  arch: Architecture,
  config: { chip: MappingChip },
  options: { model?: string } = {},
): Mapping {
  const chip = config.chip;
  const model = options.model ?? 'network';
  const all = stageInfos(arch);
  const part = partitionNetwork(arch, all, chip.neuronsPerCore);
  const coresUsed = part.cores.length;
  const { meshWidth, meshHeight } = meshSize(coresUsed, chip.meshWidth, chip.meshHeight, model);
  const nodeOfCore = placeCores(chip.placement, coresUsed, meshWidth, meshHeight, () =>
    coreTraffic(arch, { stages: part.stages, coreOfNeuron: part.coreOfNeuron, coresUsed }),
  );
  const coreOfNode = new Int32Array(meshWidth * meshHeight).fill(-1);
  for (const core of part.cores) {
    const node = nodeOfCore[core.id]!;
    core.node = node;
    core.x = node % meshWidth;
    core.y = Math.floor(node / meshWidth);
    coreOfNode[node] = core.id;
  }
  const neurons = part.cores.reduce((n, c) => n + c.neurons, 0);
  return {
    model,
    neuronsPerCore: chip.neuronsPerCore,
    meshWidth,
    meshHeight,
    placement: chip.placement,
    stages: part.stages,
    hostOf: part.hostOf,
    coreOfNeuron: part.coreOfNeuron,
    cores: part.cores,
    nodeOfCore,
    coreOfNode,
    coresUsed,
    neurons,
    biasParams: part.cores.reduce((n, c) => n + c.biasParams, 0),
    utilization: coresUsed === 0 ? 0 : neurons / (coresUsed * chip.neuronsPerCore),
  };
}
