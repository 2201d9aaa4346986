import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { z } from 'zod';
import { inFile, UserError } from '../util/errors.js';
import { parseJsonStrict } from '../util/json.js';
import { PROJECT_ROOT } from '../util/version.js';
import { nocSchema } from './noc/params.js';
import { applyOverride, checkFieldPath, isPlainObject } from './overrides.js';

export { applyOverride, checkFieldPath } from './overrides.js';

/**
 * The hardware configuration: a chip of identical cores on a 2D mesh (SPEC section 5), the
 * timing figures the simulator needs, the energy coefficients of Eq. 12 (SPEC section 6) and the
 * network-on-chip (`noc`, owned by `./noc/params.ts`). Every field has a default and a
 * description; unknown keys are rejected everywhere. Shipped configs live in
 * `hardware-configs/` and say in `sources` where every figure comes from.
 */

/**
 * Bounds of the numeric fields: far beyond any real chip, but small enough that times stay
 * exact enough in doubles and a simulation fits in memory (a 1024 x 1024 mesh is a million
 * routers). Larger values are refused by the schema with the field name.
 */
export const MAX_MESH_SIDE = 1024;
export const MAX_NEURONS_PER_CORE = 1 << 20;
/** Longest delay of any one step, operation or router stage (1 ms). */
export const MAX_DELAY_NS = 1e6;

/** The core placements `chip.placement` accepts (src/mapping/placement.ts). */
export const placementNames = ['row-major', 'snake', 'layer-affinity'] as const;
export type PlacementName = (typeof placementNames)[number];

export const chipSchema = z
  .strictObject({
    neuronsPerCore: z
      .number()
      .int()
      .positive()
      .max(MAX_NEURONS_PER_CORE)
      .default(1024)
      .describe('Most neurons one core holds (paper, section 4.4.2: 1024).'),
    meshWidth: z
      .number()
      .int()
      .positive()
      .max(MAX_MESH_SIDE)
      .nullable()
      .default(null)
      .describe(
        'Mesh columns; null: the smallest square mesh that fits the network (or derived from meshHeight).',
      ),
    meshHeight: z
      .number()
      .int()
      .positive()
      .max(MAX_MESH_SIDE)
      .nullable()
      .default(null)
      .describe(
        'Mesh rows; null: the smallest square mesh that fits the network (or derived from meshWidth).',
      ),
    placement: z
      .enum(placementNames)
      .default('layer-affinity')
      .describe(
        'How cores are placed on mesh nodes: row-major, snake (boustrophedon), or layer-affinity (each core greedily near the cores that feed it, fewer hops).',
      ),
    weightBits: z
      .number()
      .int()
      .min(2)
      .max(32)
      .nullable()
      .default(4)
      .describe(
        'Signed weight precision in bits, symmetric per-layer quantization (SPEC section 4); null: float weights.',
      ),
    processNm: z
      .number()
      .positive()
      .max(10_000)
      .default(22)
      .describe('CMOS process node (nm); informative, recorded in results.'),
  })
  .describe('The chip: cores, mesh size, placement, weight precision.');

export const timingSchema = z
  .strictObject({
    stepsPerWindow: z
      .number()
      .int()
      .positive()
      .max(1_000_000)
      .default(10)
      .describe(
        'Physical steps one window is divided into (SPEC section 4); latency in steps and ns uses it even in exact-time mode.',
      ),
    stepNs: z
      .number()
      .positive()
      .max(MAX_DELAY_NS)
      .default(100)
      .describe('Duration of one step (ns).'),
    sopNs: z
      .number()
      .nonnegative()
      .max(MAX_DELAY_NS)
      .default(2)
      .describe('Time a core needs per synaptic operation (ns); SOPs of one core are serial.'),
    neuronUpdateNs: z
      .number()
      .nonnegative()
      .max(MAX_DELAY_NS)
      .default(1)
      .describe(
        'Time per neuron of a core when it opens a window (threshold and accumulator set-up), ns.',
      ),
    windowOpenNs: z
      .number()
      .nonnegative()
      .max(MAX_DELAY_NS)
      .default(10)
      .describe('Fixed overhead per core each time it opens a window (ns).'),
  })
  .describe('Timing of the cores: steps, synaptic operations, window set-up.');

export const energySchema = z
  .strictObject({
    sopEnergyPj: z
      .number()
      .nonnegative()
      .max(1e6)
      .default(20)
      .describe('Dynamic energy per synaptic operation, E_SOP of Eq. 12 (pJ).'),
    hopEnergyPj: z
      .number()
      .nonnegative()
      .max(1e6)
      .default(100)
      .describe('Dynamic energy per router-to-router hop of a flit, E_hop of Eq. 12 (pJ).'),
    staticMode: z
      .enum(['per-frame', 'leakage'])
      .default('per-frame')
      .describe(
        'per-frame: E_static = staticEnergyUjPerFrame, whatever a frame takes (it assumes staticEnergyUjPerFrame / leakagePowerMw of chip time per frame; runs print that beside their own and warn past 2x); leakage: E_static = leakagePowerMw x chip time per frame (1 / throughput).',
      ),
    staticEnergyUjPerFrame: z
      .number()
      .nonnegative()
      .max(1e9)
      .default(3.52)
      .describe('Static energy per frame, E_static of Eq. 12 (uJ), used in per-frame mode.'),
    leakagePowerMw: z
      .number()
      .nonnegative()
      .max(1e6)
      .default(220)
      .describe(
        'Leakage power of the whole chip (mW), used in leakage mode; with staticEnergyUjPerFrame it fixes the frame time the per-frame figure assumes.',
      ),
    countControlHops: z
      .boolean()
      .default(true)
      .describe(
        'Whether hops of control packets (end-of-window markers) cost E_hop like spike hops.',
      ),
  })
  .describe('Energy coefficients of Eq. 12.');

/**
 * The hardware config schema (zod): every field with its bound, default and description
 * (docs/hardware-config.md, schemas/hardware-config.schema.json). `parseHardwareConfig` and
 * `loadHardwareConfig` validate with it and throw a `UserError` naming the field.
 */
export const hardwareConfigSchema = z
  .strictObject({
    name: z.string().default('custom').describe('Short name of the configuration.'),
    description: z.string().default('').describe('What this configuration models.'),
    chip: chipSchema.default(chipSchema.parse({})),
    timing: timingSchema.default(timingSchema.parse({})),
    energy: energySchema.default(energySchema.parse({})),
    noc: nocSchema.default(nocSchema.parse({})),
    sources: z
      .record(z.string(), z.string())
      .default({})
      .describe(
        'Where each figure comes from: dotted field path -> "paper, section ...: ..." or "assumption: <reason>".',
      ),
  })
  .describe('A ttfsim hardware configuration (chip, timing, energy, network-on-chip).');

export type HardwareConfig = z.infer<typeof hardwareConfigSchema>;
export type ChipParams = HardwareConfig['chip'];
export type TimingParams = HardwareConfig['timing'];
export type EnergyParams = HardwareConfig['energy'];

/** The folder of shipped configs. */
export const HARDWARE_CONFIG_DIR = join(PROJECT_ROOT, 'hardware-configs');

/** Every default (a config file `{}`). */
export function defaultHardwareConfig(): HardwareConfig {
  return hardwareConfigSchema.parse({});
}

/** Names of the shipped configs (files in `hardware-configs/`, without `.json`). */
export function availableHardwareConfigs(): string[] {
  if (!existsSync(HARDWARE_CONFIG_DIR)) return [];
  return readdirSync(HARDWARE_CONFIG_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/** `a.b[2]` style path of a zod issue. */
function issuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out;
}

/** The field of a zod error's first issue (`energy.sopEnergyPj`; an unknown key's own path). */
export function firstIssueField(error: z.ZodError): string | undefined {
  const issue = error.issues[0];
  if (issue === undefined) return undefined;
  const at = issuePath(issue.path);
  if (issue.code === 'unrecognized_keys' && issue.keys.length > 0) {
    return at === '' ? issue.keys[0] : `${at}.${issue.keys[0]}`;
  }
  return at === '' ? undefined : at;
}

/** One line per zod issue: `energy.sopEnergyPj: expected number, received string`. */
export function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const at = issuePath(issue.path);
      if (issue.code === 'unrecognized_keys') {
        const keys = issue.keys.map((k) => (at === '' ? k : `${at}.${k}`));
        return `${keys.join(', ')}: unknown field`;
      }
      const message = issue.message.replace(/^Invalid input: /, '');
      return at === '' ? message : `${at}: ${message}`;
    })
    .join('; ');
}

/**
 * Parses `"a.b=c"`: the value as JSON when it is valid JSON, else as a string. The field path
 * must name a field of the config schema ({@link checkFieldPath}).
 */
export function parseOverride(override: string): { path: string[]; value: unknown } {
  const eq = override.indexOf('=');
  if (eq <= 0)
    throw new UserError(`--set ${override}: expected field=value, e.g. energy.sopEnergyPj=1.5`);
  const key = override.slice(0, eq).trim();
  const text = override.slice(eq + 1);
  const path = key.split('.');
  if (path.some((p) => p === ''))
    throw new UserError(`--set ${override}: empty field name in "${key}"`);
  checkFieldPath(hardwareConfigSchema, path, override);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = text;
  }
  return { path, value };
}

/**
 * Validates a raw config object (after overrides): the merged object must satisfy the schema.
 * `file` names where it came from in error messages (`label`, if given, is shown instead, e.g.
 * the file with its overrides); the `UserError` carries `file` and the first wrong `field`.
 */
export function parseHardwareConfig(
  raw: unknown,
  file = '<hardware config>',
  label = file,
): HardwareConfig {
  let input = raw;
  if (isPlainObject(raw) && '$schema' in raw) {
    const { $schema: _ignored, ...rest } = raw;
    input = rest;
  }
  const result = hardwareConfigSchema.safeParse(input);
  if (!result.success) {
    const field = firstIssueField(result.error);
    throw new UserError(`${label}: ${formatIssues(result.error)}`, {
      file,
      ...(field !== undefined ? { field } : {}),
    });
  }
  return result.data;
}

/** Resolves a bare name (`mesh22nm`, `mesh22nm.json`) or a path to a config file. */
export function resolveHardwareConfigPath(nameOrPath: string): string {
  const looksLikePath = nameOrPath.includes('/') || nameOrPath.includes('\\');
  if (looksLikePath || existsSync(nameOrPath)) {
    const path = resolve(nameOrPath);
    if (!existsSync(path)) throw inFile(nameOrPath, 'hardware config file not found');
    return path;
  }
  const file = nameOrPath.endsWith('.json') ? nameOrPath : `${nameOrPath}.json`;
  const path = join(HARDWARE_CONFIG_DIR, file);
  if (!existsSync(path)) {
    const available = availableHardwareConfigs();
    throw new UserError(
      `unknown hardware config "${nameOrPath}"; available: ${available.length > 0 ? available.join(', ') : '(none)'}`,
    );
  }
  return path;
}

/** A path shown relative to the project root when inside it. */
function displayPath(path: string): string {
  const rel = relative(PROJECT_ROOT, path);
  return rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

/**
 * Loads a hardware config by name or path, applies `--set` overrides (`"a.b=c"`, the value as
 * JSON when possible, else a string) and validates the merged object. Each override replaces
 * the `sources` entry of its field with `"override: --set ..."`, so results stay traceable.
 * Errors name the file and the field:
 * `hardware-configs/x.json: energy.sopEnergyPj: expected number, received string`.
 */
export function loadHardwareConfig(
  nameOrPath: string,
  overrides: readonly string[] = [],
): HardwareConfig {
  const path = resolveHardwareConfigPath(nameOrPath);
  const shown = displayPath(path);
  let raw: unknown;
  try {
    raw = parseJsonStrict(readFileSync(path, 'utf8'));
  } catch (err) {
    throw inFile(shown, `not valid JSON (${(err as Error).message})`);
  }
  if (!isPlainObject(raw)) throw inFile(shown, 'expected a JSON object');
  let merged: Record<string, unknown> = raw;
  for (const o of overrides) {
    const { path: fieldPath, value } = parseOverride(o);
    merged = applyOverride(merged, fieldPath, value);
    if (fieldPath[0] !== 'sources' && fieldPath[0] !== 'name' && fieldPath[0] !== 'description') {
      const sources = isPlainObject(merged.sources) ? { ...merged.sources } : {};
      sources[fieldPath.join('.')] = `override: --set ${o}`;
      merged.sources = sources;
    }
  }
  const label = overrides.length > 0 ? `${shown} (with --set ${overrides.join(' ')})` : shown;
  return parseHardwareConfig(merged, shown, label);
}

/** Dotted paths and values of every number in a config (the figures that need a source). */
export function numericFields(config: unknown, prefix = ''): { path: string; value: number }[] {
  const out: { path: string; value: number }[] = [];
  if (!isPlainObject(config)) return out;
  for (const [key, value] of Object.entries(config)) {
    if (prefix === '' && key === 'sources') continue;
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (typeof value === 'number') out.push({ path, value });
    else if (isPlainObject(value)) out.push(...numericFields(value, path));
  }
  return out;
}

/** JSON Schema (draft 2020-12) of a config file, as written to `schemas/hardware-config.schema.json`. */
export function hardwareConfigJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(hardwareConfigSchema, { io: 'input' }) as Record<string, unknown>;
  const properties = schema.properties as Record<string, unknown>;
  schema.properties = {
    $schema: { type: 'string', description: 'Path or URL of this JSON Schema (for editors).' },
    ...properties,
  };
  return schema;
}
