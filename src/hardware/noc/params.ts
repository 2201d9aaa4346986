import { z } from 'zod';

/**
 * Network-on-chip parameters: the `noc` section of a hardware config. Every field has a default
 * and a description; unknown keys are rejected. Stage delays come in two styles: `async` (each
 * router stage a handshake delay in ns) and `clocked` (whole cycles of `clockNs`, allocation at
 * cycle boundaries, as in BookSim).
 */
/** Bounds: the longest delay of one router stage (1 ms) and the most cycles of one stage. */
export const MAX_STAGE_NS = 1e6;
export const MAX_STAGE_CYCLES = 1000;

export const asyncStagesSchema = z
  .strictObject({
    routeNs: z
      .number()
      .nonnegative()
      .max(MAX_STAGE_NS)
      .default(0.5)
      .describe('Route computation delay (ns).'),
    vcAllocNs: z
      .number()
      .nonnegative()
      .max(MAX_STAGE_NS)
      .default(0)
      .describe('Virtual-channel allocation delay (ns); 0 with one VC.'),
    switchAllocNs: z
      .number()
      .nonnegative()
      .max(MAX_STAGE_NS)
      .default(0.5)
      .describe('Switch allocation delay (ns).'),
    crossbarNs: z
      .number()
      .nonnegative()
      .max(MAX_STAGE_NS)
      .default(0.5)
      .describe('Crossbar traversal delay (ns).'),
    linkNs: z
      .number()
      .nonnegative()
      .max(MAX_STAGE_NS)
      .default(1)
      .describe('Link traversal delay between neighbouring routers (ns).'),
    creditNs: z
      .number()
      .nonnegative()
      .max(MAX_STAGE_NS)
      .default(0.5)
      .describe('Credit (buffer-free handshake) return delay (ns).'),
  })
  .describe('Stage delays of an asynchronous (handshake) router, in nanoseconds.');

export const clockedStagesSchema = z
  .strictObject({
    clockNs: z
      .number()
      .positive()
      .max(MAX_STAGE_NS)
      .default(1)
      .describe('Router clock period (ns).'),
    routeCycles: z
      .number()
      .int()
      .nonnegative()
      .max(MAX_STAGE_CYCLES)
      .default(1)
      .describe('Route computation (cycles).'),
    vcAllocCycles: z
      .number()
      .int()
      .nonnegative()
      .max(MAX_STAGE_CYCLES)
      .default(1)
      .describe('Virtual-channel allocation (cycles).'),
    switchAllocCycles: z
      .number()
      .int()
      .nonnegative()
      .max(MAX_STAGE_CYCLES)
      .default(1)
      .describe('Switch allocation (cycles).'),
    crossbarCycles: z
      .number()
      .int()
      .nonnegative()
      .max(MAX_STAGE_CYCLES)
      .default(1)
      .describe('Crossbar traversal (cycles).'),
    linkCycles: z
      .number()
      .int()
      .positive()
      .max(MAX_STAGE_CYCLES)
      .default(1)
      .describe('Link traversal (cycles).'),
    creditCycles: z
      .number()
      .int()
      .nonnegative()
      .max(MAX_STAGE_CYCLES)
      .default(1)
      .describe('Credit return (cycles).'),
    injectionCycles: z
      .number()
      .int()
      .nonnegative()
      .max(MAX_STAGE_CYCLES)
      .default(0)
      .describe(
        "Cycles a flit takes from its source queue into the local input buffer (an injection channel); 0: it enters in the cycle it leaves the queue. BookSim's iq router: 2.",
      ),
    ejectionCycles: z
      .number()
      .int()
      .nonnegative()
      .max(MAX_STAGE_CYCLES)
      .default(0)
      .describe(
        "Cycles from the destination router's crossbar to the sink (an ejection channel). BookSim's iq router: 1.",
      ),
    vcTurnaround: z
      .boolean()
      .default(false)
      .describe(
        "true: an input VC starts route computation for its next packet only after the previous packet's tail has won the switch, so a VC serves at most one packet per routeCycles + vcAllocCycles + switchAllocCycles (BookSim's iq router: 3); false: route computation and VC allocation of the next head overlap the flits ahead of it.",
      ),
  })
  .describe(
    'Stage latencies of a clocked router in cycles; defaults mirror a textbook 4-stage pipeline (RC, VA, SA, ST) plus one link cycle.',
  );

export const nocSchema = z
  .strictObject({
    topology: z.literal('mesh').default('mesh').describe('Network topology: a 2D mesh.'),
    routing: z
      .enum(['xy', 'yx', 'west-first'])
      .default('xy')
      .describe(
        'Routing algorithm: dimension-order XY (the paper), YX, or partially adaptive west-first (deadlock-free).',
      ),
    multicast: z
      .enum(['unicast', 'xy-tree'])
      .default('unicast')
      .describe(
        'unicast: one packet per destination core; xy-tree: one packet that forks where the XY routes of its destinations part.',
      ),
    timing: z
      .enum(['async', 'clocked'])
      .default('async')
      .describe(
        'Timing style of the detailed network: asynchronous handshakes (ns) or clocked pipeline (cycles).',
      ),
    bufferDepthFlits: z
      .number()
      .int()
      .positive()
      .max(1024)
      .default(4)
      .describe('Depth of each input-port FIFO (per virtual channel), in flits.'),
    virtualChannels: z
      .number()
      .int()
      .positive()
      .max(16)
      .default(1)
      .describe('Virtual channels per input port.'),
    spikePacketFlits: z
      .number()
      .int()
      .positive()
      .max(64)
      .default(1)
      .describe('Flits per spike packet (1: a spike fits one flit).'),
    async: asyncStagesSchema.default(asyncStagesSchema.parse({})),
    clocked: clockedStagesSchema.default(clockedStagesSchema.parse({})),
    idealHopNs: z
      .number()
      .nonnegative()
      .max(MAX_STAGE_NS)
      .optional()
      .describe(
        'Per-hop delay of the ideal (contention-free) network in ns; default: the sum of the async stage delays of one hop.',
      ),
    watchdogNs: z
      .number()
      .positive()
      .max(1e12)
      .default(1e6)
      .describe(
        'Deadlock/livelock watchdog: stop with a report if no flit moves for this long while flits are in flight (ns).',
      ),
  })
  .describe('Network-on-chip: 2D mesh of 5-port routers (N, E, S, W, local).');

export type NocParams = z.infer<typeof nocSchema>;

/** Defaults of every NoC field. */
export function defaultNocParams(): NocParams {
  return nocSchema.parse({});
}

/** Per-hop delay of the ideal network (ns). */
export function idealHopNs(p: NocParams): number {
  if (p.idealHopNs !== undefined) return p.idealHopNs;
  const a = p.async;
  return a.routeNs + a.vcAllocNs + a.switchAllocNs + a.crossbarNs + a.linkNs;
}
