/**
 * BookSim 2's default input-queued router (`router = iq`) as `--set` overrides of ttfsim's
 * clocked router (docs/noc.md, "Comparing with BookSim"). With them a packet's zero-load latency
 * is BookSim's
 *
 *     T0 = 2 + 5 R + (P - 1)          (R routers on the route = links + 1, P flits)
 *
 * (2 cycles through the injection channel, 4 router stages and 1 link cycle per router, the last
 * link being the 1-cycle ejection channel; the credit channel's cycle is `creditCycles = 1`,
 * BookSim's `credit_delay` being 0), and an input VC serves at most one packet per 3 cycles
 * (`vcTurnaround`: the next head's route computation starts after the previous tail won the
 * switch). Buffers and VCs are separate choices, as in BookSim: add
 * `noc.virtualChannels=<num_vcs>` and `noc.bufferDepthFlits=<vc_buf_size>`.
 */
export const BOOKSIM_IQ_SETS: readonly string[] = [
  'noc.timing=clocked',
  'noc.clocked.routeCycles=1',
  'noc.clocked.vcAllocCycles=1',
  'noc.clocked.switchAllocCycles=1',
  'noc.clocked.crossbarCycles=1',
  'noc.clocked.linkCycles=1',
  'noc.clocked.creditCycles=1',
  'noc.clocked.injectionCycles=2',
  'noc.clocked.ejectionCycles=1',
  'noc.clocked.vcTurnaround=true',
];

/** BookSim's zero-load latency in cycles for `links` links and `flits` flits (see above). */
export function bookSimZeroLoadCycles(links: number, flits: number): number {
  return 2 + 5 * (links + 1) + (flits - 1);
}
