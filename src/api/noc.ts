import {
  applyOverride,
  loadHardwareConfig,
  parseHardwareConfig,
  parseOverride,
} from '../hardware/config.js';
import type { NocParams } from '../hardware/noc/params.js';
import { runSynthetic, type SyntheticResult, sweepRates } from '../hardware/noc/synthetic.js';
import { TRAFFIC_PATTERNS, type TrafficPattern } from '../hardware/noc/traffic.js';
import { UserError } from '../util/errors.js';

/**
 * The `noc` section of a hardware config: from `hw` (a shipped name or a file) with `set`
 * overrides, or the schema's defaults with the overrides when `hw` is undefined. `router.x=y` is
 * accepted as a synonym of `noc.x=y`; any other section is refused. Validated after merging; a
 * {@link UserError} names the file and the field.
 */
export function resolveNocParams(hw: string | undefined, sets: readonly string[] = []): NocParams {
  const overrides = sets.map((s) =>
    s.startsWith('router.') ? `noc.${s.slice('router.'.length)}` : s,
  );
  for (const o of overrides) {
    const { path } = parseOverride(o);
    if (path[0] !== 'noc')
      throw new UserError(`--set ${o}: ttfsim noc takes noc.FIELD=VALUE (or router.FIELD=VALUE)`);
  }
  if (hw !== undefined) return loadHardwareConfig(hw, overrides).noc;
  let raw: Record<string, unknown> = {};
  for (const o of overrides) {
    const { path, value } = parseOverride(o);
    raw = applyOverride(raw, path, value);
  }
  const label = overrides.length > 0 ? `defaults (with --set ${overrides.join(' ')})` : 'defaults';
  return parseHardwareConfig(raw, label).noc;
}

/** One synthetic-traffic experiment (`ttfsim noc`); defaults are the command's. */
export interface NocExperimentOptions {
  meshWidth: number;
  meshHeight: number;
  /** Default `uniform`. */
  pattern?: TrafficPattern;
  /** Offered load in flits per node per cycle, in [0, packetFlits] (default 0.1). */
  rate?: number;
  /** Flits per packet, default 1. */
  packetFlits?: number;
  /** Router timing; default the config's `noc.timing`. */
  timing?: 'clocked' | 'async';
  /** Hardware config (name or path) whose `noc` section is used; default the schema's. */
  hw?: string;
  /** `noc.FIELD=VALUE` (or `router.FIELD=VALUE`) overrides. */
  set?: readonly string[];
  /** Default 1000 and 10000 cycles. */
  warmupCycles?: number;
  measureCycles?: number;
  /** Default 1. */
  seed?: number | string;
}

function checked(name: string, v: number, ok: boolean, what: string): number {
  if (!Number.isFinite(v) || !ok) throw new UserError(`${name}: expected ${what}, got "${v}"`);
  return v;
}

function prepare(o: NocExperimentOptions): {
  params: NocParams;
  base: Omit<Parameters<typeof runSynthetic>[0], 'rate'>;
} {
  const w = o.meshWidth;
  const h = o.meshHeight;
  if (!Number.isInteger(w) || !Number.isInteger(h) || w < 1 || h < 1)
    throw new UserError(`--mesh: expected WIDTHxHEIGHT such as 8x8, got "${w}x${h}"`);
  const pattern = o.pattern ?? 'uniform';
  if (!TRAFFIC_PATTERNS.includes(pattern))
    throw new UserError(`--traffic ${pattern}: expected one of ${TRAFFIC_PATTERNS.join(', ')}`);
  let params = resolveNocParams(o.hw, o.set ?? []);
  if (o.timing !== undefined) params = { ...params, timing: o.timing };
  const packetFlits = o.packetFlits ?? 1;
  checked(
    '--packet-flits',
    packetFlits,
    Number.isInteger(packetFlits) && packetFlits >= 1 && packetFlits < 65536,
    'a positive integer',
  );
  const warmupCycles = o.warmupCycles ?? 1000;
  const measureCycles = o.measureCycles ?? 10000;
  checked(
    '--warmup',
    warmupCycles,
    Number.isInteger(warmupCycles) && warmupCycles >= 0,
    'a whole number of cycles',
  );
  checked(
    '--measure',
    measureCycles,
    Number.isInteger(measureCycles) && measureCycles >= 1,
    'a positive whole number of cycles',
  );
  if (pattern === 'transpose' && w !== h)
    throw new UserError(`--traffic transpose: needs a square mesh, not ${w}x${h}`);
  if (params.multicast === 'xy-tree' && params.routing === 'west-first')
    throw new UserError('noc.multicast: xy-tree needs routing xy or yx');
  const base = {
    meshWidth: w,
    meshHeight: h,
    params,
    pattern,
    packetFlits,
    warmupCycles,
    measureCycles,
    seed: o.seed ?? 1,
  };
  return { params, base };
}

/**
 * Runs synthetic traffic through the detailed network-on-chip (BookSim-style warmup, measure,
 * drain), as `ttfsim noc` does, and returns its figures (latency, accepted throughput, hops,
 * saturation). Bad options throw a {@link UserError}; a network that stops moving throws
 * `NocDeadlockError`.
 *
 * @example
 * ```ts
 * const r = runNocExperiment({ meshWidth: 4, meshHeight: 4, rate: 0.1, set: ['noc.bufferDepthFlits=2'] });
 * console.log(r.avgPacketLatency, r.acceptedFlitRate, r.pastSaturation);
 * ```
 */
export function runNocExperiment(o: NocExperimentOptions): SyntheticResult & {
  params: NocParams;
} {
  const { params, base } = prepare(o);
  const rate = o.rate ?? 0.1;
  checked(
    '--rate',
    rate,
    rate >= 0 && rate / base.packetFlits <= 1,
    'a load in [0, packet-flits] flits per node per cycle',
  );
  return { ...runSynthetic({ ...base, rate }), params };
}

/**
 * The latency-vs-load curve (`ttfsim noc --sweep-rates`): runs each offered rate in turn and
 * stops after the first point past saturation; the saturation throughput is the largest
 * accepted rate seen.
 */
export function sweepNocRates(
  o: Omit<NocExperimentOptions, 'rate'>,
  rates: readonly number[],
): { points: SyntheticResult[]; saturationThroughput: number; params: NocParams } {
  const { params, base } = prepare(o);
  const low = rates.find((r) => !(r > 0));
  if (low !== undefined) throw new UserError(`--sweep-rates: rate ${low} is not positive`);
  const bad = rates.find((r) => r / base.packetFlits > 1);
  if (bad !== undefined)
    throw new UserError(`--sweep-rates: rate ${bad} exceeds one packet per node per cycle`);
  return { ...sweepRates(base, rates), params };
}
