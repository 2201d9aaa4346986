/**
 * Expansion of a sweep spec into its ordered list of points, and each point's content id.
 * Every point's hardware config is resolved and validated, and the model must fit its mesh.
 *
 * Order: grid combinations (Cartesian product of the `values` axes, last axis fastest) x random
 * draws over the `range` axes (`sampling.count`, seeded) x seeds (innermost). Every point's
 * hardware config is resolved and validated here, so a bad field or value is reported before
 * anything runs.
 *
 * Content id: the first 16 hex digits of sha256 over a canonical JSON (keys sorted) of
 * `{ tool version, runner, resolved hardware config, model hash, data identity, frames, options,
 * seed }`. Two points with equal ids compute the same thing; the second is dropped.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset } from '../data/dataset.js';
import {
  type HardwareConfig,
  loadHardwareConfig,
  resolveHardwareConfigPath,
} from '../hardware/config.js';
import { createRng, deriveSeed } from '../kernel/rng.js';
import { meshSize, partitionNetwork } from '../mapping/index.js';
import { loadManifest, resolveModelPath, resolveWeightsPath } from '../model/load.js';
import { stages } from '../snn/network.js';
import { UserError } from '../util/errors.js';
import { VERSION } from '../util/version.js';
import {
  type Axis,
  type AxisValue,
  frameRange,
  type LoadedSpec,
  type RunnerName,
  resolveSpecPath,
  type SimOptionName,
  simOptionSchemas,
} from './spec.js';

export interface SimOptions {
  noc: 'ideal' | 'detailed';
  stepsPerWindow: number | 'exact' | null;
  weightBits: number | 'float' | null;
}

/** One design point: everything a runner needs, self-contained (it travels to a worker). */
export interface SweepPoint {
  /** Position in the sweep's ordered list (after duplicates are dropped). */
  index: number;
  /** Content id (16 hex digits). */
  id: string;
  seed: number;
  /** Axis field -> value, in axis order. */
  params: Record<string, AxisValue>;
  runner: RunnerName;
  /** Resolved base config path and the overrides (spec `set`, then the axes). */
  hardwarePath: string;
  hardwareOverrides: string[];
  hardware: HardwareConfig;
  hardwareSha256: string;
  modelPath: string;
  modelSha256: string;
  /** Data spec (name or absolute folder) and its identity hash. */
  data: string | null;
  dataSha256: string;
  frames: [number, number];
  options: SimOptions;
  syntheticWork: number;
}

/** Everything a sweep resolves to. */
export interface SweepPlan {
  name: string;
  /** sha256 of the canonical spec JSON (after defaults). */
  specSha256: string;
  /** Axis fields, in order: the parameter columns of the CSV. */
  fields: string[];
  points: SweepPoint[];
  /** Points dropped because an earlier point has the same content id. */
  duplicates: number;
}

/** JSON with object keys sorted at every level (arrays keep their order). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** sha256 of a model: its manifest bytes, then its weights file bytes when it names one. */
export function modelSha256(manifestPath: string): string {
  const hash = createHash('sha256').update(readFileSync(manifestPath));
  const { manifest } = loadManifest(manifestPath);
  if (manifest.weights !== null) {
    hash.update(readFileSync(resolveWeightsPath(manifestPath, manifest.weights.file)));
  }
  return hash.digest('hex');
}

/** Identity of a data set: a bundled name as is; a folder by its file names and contents. */
export function dataSha256(data: string | null): string {
  const hash = createHash('sha256').update(`data:${data ?? '<model default>'}`);
  if (data !== null && existsSync(data) && statSync(data).isDirectory()) {
    for (const f of readdirSync(data).sort()) {
      const p = join(data, f);
      if (statSync(p).isFile()) hash.update(`\n${f}\n`).update(readFileSync(p));
    }
  }
  return hash.digest('hex');
}

/** Values of the range axes for `count` joint draws (each draw uses its own derived stream). */
export function sampleRanges(axes: Axis[], count: number, seed: number): AxisValue[][] {
  const draws: AxisValue[][] = [];
  for (let k = 0; k < count; k++) {
    const rng = createRng(deriveSeed(seed, `draw${k}`));
    draws.push(
      axes.map((axis) => {
        const r = axis.range!;
        const u = rng.next();
        let v =
          r.scale === 'log'
            ? Math.exp(Math.log(r.min) + u * (Math.log(r.max) - Math.log(r.min)))
            : r.min + u * (r.max - r.min);
        if (r.integer) v = Math.min(r.max, Math.max(r.min, Math.round(v)));
        return v;
      }),
    );
  }
  return draws;
}

/** Cartesian product of value lists, last list fastest. */
export function cartesian(lists: AxisValue[][]): AxisValue[][] {
  let out: AxisValue[][] = [[]];
  for (const list of lists) {
    const next: AxisValue[][] = [];
    for (const prefix of out) for (const v of list) next.push([...prefix, v]);
    out = next;
  }
  return out;
}

const SIM_PREFIX = 'sim.';

/** Checks a `sim.*` axis value; returns the option name. */
function checkSimValue(field: string, value: AxisValue, where: string): SimOptionName {
  const name = field.slice(SIM_PREFIX.length) as SimOptionName;
  const schema = simOptionSchemas[name];
  if (schema === undefined) {
    throw new UserError(
      `${where}: unknown simulation option "${field}"; expected ${Object.keys(simOptionSchemas)
        .map((k) => SIM_PREFIX + k)
        .join(', ')}`,
    );
  }
  const r = schema.safeParse(value);
  if (!r.success) {
    const msg = r.error.issues[0]?.message.replace(/^Invalid input: /, '') ?? 'invalid';
    throw new UserError(`${where}: value ${JSON.stringify(value)}: ${msg}`);
  }
  return name;
}

const NOT_AXES = new Set(['sources', 'name', 'description']);

/** How many points a spec gives, counted from the spec alone (before duplicates are dropped). */
export interface PointCount {
  points: number;
  /** Values per grid axis, random draws, seeds. */
  grid: number[];
  draws: number;
  seeds: number;
  /** `3 x 4 grid x 16 draws x 2 seeds`. */
  text: string;
}

/** Counts a spec's points without building any (a grid of 10^9 is a multiplication). */
export function countPoints(spec: LoadedSpec['spec']): PointCount {
  const grid = spec.axes.filter((a) => a.values !== undefined).map((a) => a.values!.length);
  const draws = spec.sampling?.count ?? 1;
  const seeds = spec.seeds.length;
  const points = grid.reduce((a, n) => a * n, 1) * draws * seeds;
  const parts: string[] = [];
  if (grid.length > 0) parts.push(`${grid.join(' x ')} grid`);
  if (spec.sampling !== undefined) parts.push(`${draws} draws`);
  parts.push(`${seeds} seed${seeds === 1 ? '' : 's'}`);
  return { points, grid, draws, seeds, text: parts.join(' x ') };
}

/**
 * Resolves a loaded spec into its plan: checks the model, the data, every axis field and every
 * point's hardware config. Throws a `UserError` naming the spec file and the axis on any problem.
 */
export function resolvePlan(loaded: LoadedSpec): SweepPlan {
  const { spec, baseDir, shown } = loaded;
  const hardwareArg = resolveSpecPath(spec.hardware, baseDir);
  const wrap = <T>(where: string, fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof UserError) throw new UserError(`${shown}: ${where}: ${err.message}`);
      throw err;
    }
  };
  const hardwarePath = wrap('hardware', () => resolveHardwareConfigPath(hardwareArg));
  wrap('set', () => loadHardwareConfig(hardwarePath, spec.set));
  const modelPath = wrap('model', () => resolveModelPath(resolveSpecPath(spec.model, baseDir)));
  const modelHash = wrap('model', () => modelSha256(modelPath));
  const data = spec.data === null ? null : resolveSpecPath(spec.data, baseDir);
  const dataHash = dataSha256(data);
  const frames = frameRange(spec.frames);

  // Each axis on its own first, so that an error names the axis and the value.
  spec.axes.forEach((axis, i) => {
    const root = axis.field.split('.')[0]!;
    if (!axis.field.startsWith(SIM_PREFIX) && NOT_AXES.has(root)) {
      throw new UserError(`${shown}: axes[${i}].field "${axis.field}": not a hardware parameter`);
    }
    if (axis.field === 'sim.noc' && axis.range !== undefined) {
      throw new UserError(`${shown}: axes[${i}].field "sim.noc": takes values, not a range`);
    }
    const values = axis.values ?? [axis.range!.min, axis.range!.max];
    for (const value of values) {
      const where = `axes[${i}] (${axis.field} = ${JSON.stringify(value)})`;
      if (axis.field.startsWith(SIM_PREFIX)) checkSimValue(axis.field, value, `${shown}: ${where}`);
      else {
        const set = [...spec.set, `${axis.field}=${JSON.stringify(value)}`];
        wrap(where, () => loadHardwareConfig(hardwarePath, set));
      }
    }
  });
  // The network must fit every point's chip (a mesh too small is an error now, not mid-sweep).
  const { manifest, arch } = loadManifest(modelPath);
  if (spec.runner === 'simulate') {
    // The frames must lie in the test set: checked once here, not by every point failing.
    const set = wrap('data', () =>
      loadDataset(data ?? manifest.dataset, 'test', { limit: frames[1] }),
    );
    if (set.count < frames[1]) {
      throw new UserError(
        `${shown}: frames: [${frames[0]}, ${frames[1]}) runs past the ${set.name} test set (${set.count} frames)`,
      );
    }
  }
  const coresFor = new Map<number, number>();
  const checkFits = (hw: HardwareConfig) => {
    const perCore = hw.chip.neuronsPerCore;
    if (!coresFor.has(perCore)) {
      coresFor.set(perCore, partitionNetwork(arch, stages(arch), perCore).cores.length);
    }
    meshSize(coresFor.get(perCore)!, hw.chip.meshWidth, hw.chip.meshHeight, manifest.name);
  };
  const gridAxes = spec.axes.filter((a) => a.values !== undefined);
  const rangeAxes = spec.axes.filter((a) => a.range !== undefined);
  const combos = cartesian(gridAxes.map((a) => a.values!));
  const draws = spec.sampling
    ? sampleRanges(rangeAxes, spec.sampling.count, spec.sampling.seed)
    : [[]];
  const fields = spec.axes.map((a) => a.field);
  const axisIndex = new Map(spec.axes.map((a, i) => [a.field, i]));

  const points: SweepPoint[] = [];
  const seenIds = new Set<string>();
  let duplicates = 0;
  for (const combo of combos) {
    for (const draw of draws) {
      const byField = new Map<string, AxisValue>();
      gridAxes.forEach((a, k) => {
        byField.set(a.field, combo[k]!);
      });
      rangeAxes.forEach((a, k) => {
        byField.set(a.field, draw[k]!);
      });
      const params: Record<string, AxisValue> = {};
      const overrides = [...spec.set];
      const options: SimOptions = {
        noc: spec.noc,
        stepsPerWindow: spec.stepsPerWindow,
        weightBits: spec.weightBits,
      };
      for (const field of fields) {
        const value = byField.get(field)!;
        params[field] = value;
        const where = `axes[${axisIndex.get(field)}] (${field} = ${JSON.stringify(value)})`;
        if (field.startsWith(SIM_PREFIX)) {
          const name = checkSimValue(field, value, `${shown}: ${where}`);
          (options as unknown as Record<string, AxisValue>)[name] = value;
        } else {
          overrides.push(`${field}=${JSON.stringify(value)}`);
        }
      }
      const where = `axes (${fields.map((f) => `${f}=${JSON.stringify(params[f])}`).join(', ')})`;
      const hardware = wrap(where, () => loadHardwareConfig(hardwarePath, overrides));
      wrap(where, () => checkFits(hardware));
      // The id covers what the run computes from, not the `sources` bookkeeping.
      const { sources: _sources, ...configForId } = hardware;
      const hardwareSha256 = sha256Hex(canonicalJson(configForId));
      for (const seed of spec.seeds) {
        const id = sha256Hex(
          canonicalJson({
            tool: { name: 'ttfsim', version: VERSION },
            runner: spec.runner,
            hardware: hardwareSha256,
            model: modelHash,
            data: dataHash,
            frames,
            options,
            seed,
          }),
        ).slice(0, 16);
        if (seenIds.has(id)) {
          duplicates++;
          continue;
        }
        seenIds.add(id);
        points.push({
          index: points.length,
          id,
          seed,
          params,
          runner: spec.runner,
          hardwarePath,
          hardwareOverrides: overrides,
          hardware,
          hardwareSha256,
          modelPath,
          modelSha256: modelHash,
          data,
          dataSha256: dataHash,
          frames,
          options,
          syntheticWork: spec.syntheticWork,
        });
      }
    }
  }
  const { $schema: _s, ...specForHash } = spec;
  return {
    name: spec.name,
    specSha256: sha256Hex(canonicalJson(specForHash)),
    fields,
    points,
    duplicates,
  };
}
