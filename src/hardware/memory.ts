/**
 * A rough upper estimate of the memory the simulated network-on-chip needs, checked before a
 * run allocates it. Per router: fixed state (ports, pointers, statistics, about
 * {@link BYTES_PER_ROUTER}); with the detailed network, per input queue (5 ports x virtual
 * channels) its state and `bufferDepthFlits` slots of 16 bytes; with west-first routing of one
 * virtual channel, a route table of one byte per pair of nodes.
 */
import { UserError } from '../util/errors.js';
import { formatBytes, memoryBudgetBytes } from '../util/memory.js';
import type { HardwareConfig } from './config.js';

export const BYTES_PER_ROUTER = 512;
const PORTS = 5;
const BYTES_PER_QUEUE = 64;
const BYTES_PER_SLOT = 16;

export function estimateNocMemory(
  config: HardwareConfig,
  meshWidth: number,
  meshHeight: number,
  noc: 'ideal' | 'detailed',
): number {
  const nodes = meshWidth * meshHeight;
  if (noc === 'ideal') return nodes * BYTES_PER_ROUTER;
  const p = config.noc;
  const queue = BYTES_PER_QUEUE + p.bufferDepthFlits * BYTES_PER_SLOT;
  const table = p.routing === 'west-first' && p.virtualChannels === 1 ? nodes * nodes : 0;
  return nodes * (BYTES_PER_ROUTER + PORTS * p.virtualChannels * queue) + table;
}

/** Refuses a mesh whose network cannot fit in this machine's memory, naming the fields. */
export function checkNocMemory(
  config: HardwareConfig,
  meshWidth: number,
  meshHeight: number,
  noc: 'ideal' | 'detailed',
  budget = memoryBudgetBytes(),
): void {
  const bytes = estimateNocMemory(config, meshWidth, meshHeight, noc);
  if (bytes <= budget) return;
  const p = config.noc;
  const detail =
    noc === 'ideal'
      ? 'the ideal network'
      : `the detailed network (noc.virtualChannels ${p.virtualChannels}, noc.bufferDepthFlits ${p.bufferDepthFlits}, noc.routing ${p.routing})`;
  throw new UserError(
    `chip.meshWidth x chip.meshHeight: a ${meshWidth}x${meshHeight} mesh with ${detail} needs about ${formatBytes(bytes)} of memory (estimate), more than this machine's ${formatBytes(budget)}`,
  );
}
