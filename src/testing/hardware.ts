import fc from 'fast-check';
import {
  applyOverride,
  type HardwareConfig,
  parseHardwareConfig,
  placementNames,
} from '../hardware/config.js';
import { TRAFFIC_PATTERNS, type TrafficPattern } from '../hardware/noc/traffic.js';
import type { Architecture } from '../snn/network.js';
import { inputArb } from './networks.js';

/** Bounds of {@link hardwareConfigArb}; every range is inclusive and inside the schema's. */
export interface HardwareArbOptions {
  /** Buffer depth per virtual channel in flits (default [1, 8]). */
  bufferDepthFlits?: [number, number];
  /** Virtual channels per port (default [1, 4]). */
  virtualChannels?: [number, number];
  /** Neurons per core (default [8, 256]: small networks spread over several cores). */
  neuronsPerCore?: [number, number];
  /** Steps per window (default [1, 16]). */
  stepsPerWindow?: [number, number];
  /** Draw weight bits in [2, 8] or float (default true); false keeps the base config's. */
  weightBits?: boolean;
}

/**
 * A hardware config and the `--set` overrides that make it from `base` (default: the schema's
 * defaults): the same object `loadHardwareConfig(file, set)` returns for that file, so a failing
 * case replays on the command line.
 */
export interface HardwareCase {
  config: HardwareConfig;
  set: string[];
}

const range = (r: [number, number]) => fc.integer({ min: r[0], max: r[1] });

/**
 * Hardware configs within the schema's bounds: placement, neurons per core, steps per window,
 * weight bits, NoC routing, multicast (xy-tree only with a deterministic routing), timing style,
 * buffer depth, virtual channels and the SOP and hop energies. Every draw passes
 * `parseHardwareConfig`.
 */
export function hardwareConfigArb(
  opts: HardwareArbOptions = {},
  base: Record<string, unknown> = {},
): fc.Arbitrary<HardwareCase> {
  return fc
    .record({
      'chip.placement': fc.constantFrom(...placementNames),
      'chip.neuronsPerCore': range(opts.neuronsPerCore ?? [8, 256]),
      'chip.weightBits':
        opts.weightBits === false
          ? fc.constant(undefined)
          : fc.option(fc.integer({ min: 2, max: 8 }), { nil: null }),
      'timing.stepsPerWindow': range(opts.stepsPerWindow ?? [1, 16]),
      'noc.routing': fc.constantFrom('xy' as const, 'yx' as const, 'west-first' as const),
      'noc.multicast': fc.constantFrom('unicast' as const, 'xy-tree' as const),
      'noc.timing': fc.constantFrom('async' as const, 'clocked' as const),
      'noc.bufferDepthFlits': range(opts.bufferDepthFlits ?? [1, 8]),
      'noc.virtualChannels': range(opts.virtualChannels ?? [1, 4]),
      'energy.sopEnergyPj': fc.integer({ min: 1, max: 400 }).map((k) => k / 64),
      'energy.hopEnergyPj': fc.integer({ min: 1, max: 400 }).map((k) => k / 64),
    })
    .map((fields) => {
      if (fields['noc.routing'] === 'west-first') fields['noc.multicast'] = 'unicast';
      const set: string[] = [];
      let raw: Record<string, unknown> = structuredClone(base);
      for (const [key, value] of Object.entries(fields)) {
        if (value === undefined) continue;
        set.push(`${key}=${JSON.stringify(value)}`);
        raw = applyOverride(raw, key.split('.'), value);
      }
      return { config: parseHardwareConfig(raw, '<hardwareConfigArb>'), set };
    });
}

/** Between `min` and `max` input frames for an architecture (raw values, as `inputArb`). */
export function framesArb(
  arch: Architecture,
  opts: { min?: number; max?: number; dyadic?: boolean } = {},
): fc.Arbitrary<Float32Array[]> {
  return fc.array(inputArb(arch, opts.dyadic ?? false), {
    minLength: opts.min ?? 1,
    maxLength: opts.max ?? 3,
  });
}

/** A synthetic-traffic experiment (`runNocExperiment`'s options) on a small mesh. */
export interface TrafficCase {
  meshWidth: number;
  meshHeight: number;
  pattern: TrafficPattern;
  /** Flits per node per cycle, at most one packet per node per cycle. */
  rate: number;
  packetFlits: number;
  seed: number;
}

/**
 * Synthetic traffic patterns on meshes up to `maxSide` a side (transpose only on square ones),
 * offered loads from idle to past saturation, 1-4 flit packets.
 */
export function trafficArb(opts: { maxSide?: number } = {}): fc.Arbitrary<TrafficCase> {
  const side = fc.integer({ min: 2, max: opts.maxSide ?? 5 });
  return fc
    .record({
      meshWidth: side,
      meshHeight: side,
      pattern: fc.constantFrom(...TRAFFIC_PATTERNS),
      packetFlits: fc.integer({ min: 1, max: 4 }),
      load: fc.integer({ min: 0, max: 20 }),
      seed: fc.integer({ min: 1, max: 1 << 30 }),
    })
    .map(({ load, ...c }) => ({
      ...c,
      meshHeight: c.pattern === 'transpose' ? c.meshWidth : c.meshHeight,
      rate: (load / 20) * c.packetFlits * 0.6,
    }));
}
