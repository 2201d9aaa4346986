/**
 * The sweep spec file (`ttfsim sweep spec.json`): a base hardware config and model, axes over
 * dotted hardware fields or simulation options, frames, seeds. The zod schema below is the single
 * source of truth; `schemas/sweep.schema.json` is generated from it (`npx tsx
 * src/sweep/exportSchema.ts`) and a test checks the committed file equals the generated one.
 *
 * Axes:
 * - `{ "field": "noc.bufferDepthFlits", "values": [2, 4, 8] }`: a grid axis; the sweep takes the
 *   Cartesian product of all grid axes (the last axis varies fastest).
 * - `{ "field": "energy.sopEnergyPj", "range": { "min": 1, "max": 20, "scale": "log" } }`: a
 *   sampled axis; `sampling.count` joint draws over all range axes (seeded by `sampling.seed`)
 *   are crossed with the grid.
 * - fields starting with `sim.` are simulation options instead of hardware fields:
 *   `sim.noc` (ideal | detailed), `sim.stepsPerWindow`, `sim.weightBits`.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { firstIssueField, formatIssues } from '../hardware/config.js';
import { inFile } from '../util/errors.js';
import { parseJsonStrict } from '../util/json.js';

/** A value an axis can take: whatever a JSON hardware field or option holds. */
export const axisValueSchema = z.union([z.number(), z.string(), z.boolean(), z.null()]);
export type AxisValue = z.infer<typeof axisValueSchema>;

export const rangeSchema = z
  .strictObject({
    min: z.number().describe('Smallest value (inclusive).'),
    max: z.number().describe('Largest value (inclusive).'),
    scale: z
      .enum(['linear', 'log'])
      .default('linear')
      .describe('linear: uniform in [min, max]; log: uniform in log space (min > 0).'),
    integer: z
      .boolean()
      .default(false)
      .describe('Round each draw to the nearest whole number (for integer fields).'),
  })
  .describe('A continuous range sampled at random (seeded); see `sampling`.');

export const axisSchema = z
  .strictObject({
    field: z
      .string()
      .min(1)
      .describe(
        'A dotted hardware config field (chip.neuronsPerCore, noc.bufferDepthFlits, energy.sopEnergyPj, ...) or a simulation option: sim.noc, sim.stepsPerWindow, sim.weightBits.',
      ),
    values: z
      .array(axisValueSchema)
      .min(1)
      .optional()
      .describe('Grid axis: the values to try, in this order.'),
    range: rangeSchema.optional(),
  })
  .describe('One dimension of the design space: a list of values (grid) or a range (sampled).');
export type Axis = z.infer<typeof axisSchema>;

/** The simulation options an axis (or the spec) can set, with the checks on their values. */
export const simOptionSchemas = {
  noc: z.enum(['ideal', 'detailed']),
  stepsPerWindow: z.union([z.number().int().positive(), z.literal('exact')]).nullable(),
  weightBits: z.union([z.number().int().min(2).max(32), z.literal('float')]).nullable(),
} as const;
export type SimOptionName = keyof typeof simOptionSchemas;

export const runnerNames = ['simulate', 'estimate', 'synthetic'] as const;
export type RunnerName = (typeof runnerNames)[number];

export const sweepSpecSchema = z
  .strictObject({
    $schema: z.string().optional().describe('Path or URL of sweep.schema.json (for editors).'),
    name: z.string().min(1).default('sweep').describe('Short name of the sweep.'),
    description: z.string().default('').describe('What the sweep explores.'),
    hardware: z
      .string()
      .min(1)
      .default('mesh22nm')
      .describe(
        'Base hardware config: a name in hardware-configs/ or a path (relative to this file).',
      ),
    set: z
      .array(z.string())
      .default([])
      .describe('Overrides applied to the base config before the axes, like simulate --set.'),
    model: z
      .string()
      .min(1)
      .describe(
        'Model: a bundled name (mnist-cnn, vgg16) or a manifest path (relative to this file).',
      ),
    data: z
      .string()
      .min(1)
      .nullable()
      .default(null)
      .describe("Data set: mnist, cifar10 or a folder (relative to this file); null: the model's."),
    frames: z
      .union([z.number().int().positive(), z.tuple([z.number().int().min(0), z.number().int()])])
      .default(8)
      .describe('Frames each point simulates: N (the first N) or [start, end) test-set indices.'),
    noc: simOptionSchemas.noc
      .default('ideal')
      .describe('Network model: ideal (contention-free) or detailed (routers, buffers).'),
    stepsPerWindow: simOptionSchemas.stepsPerWindow
      .default(null)
      .describe("Steps per window; null: the hardware config's timing.stepsPerWindow."),
    weightBits: simOptionSchemas.weightBits
      .default(null)
      .describe("Weight precision; null: the hardware config's chip.weightBits."),
    seeds: z
      .array(z.number().int().min(0))
      .min(1)
      .default([0])
      .describe('Simulation seeds; every design point runs once per seed.'),
    axes: z.array(axisSchema).default([]).describe('The dimensions of the design space.'),
    sampling: z
      .strictObject({
        count: z.number().int().positive().describe('Random draws over the range axes.'),
        seed: z.number().int().min(0).default(0).describe('Seed of the draws.'),
      })
      .optional()
      .describe('Joint random sampling of the range axes (required when an axis has a range).'),
    runner: z
      .enum(runnerNames)
      .default('simulate')
      .describe(
        'What runs a point: simulate (the event-driven simulator, the default), estimate (static mapping estimate: every neuron spikes once, no accuracy) or synthetic (a fake for tests and benchmarks: metrics derived from the point id).',
      ),
    syntheticWork: z
      .number()
      .nonnegative()
      .default(0)
      .describe(
        'synthetic runner only: thousands of sha256 rounds of CPU work per point, to exercise the pool.',
      ),
  })
  .superRefine((spec, ctx) => {
    const seen = new Set<string>();
    spec.axes.forEach((axis, i) => {
      const at = (...path: (string | number)[]) => ['axes', i, ...path];
      if ((axis.values === undefined) === (axis.range === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: at(),
          message: 'give exactly one of values or range',
        });
      }
      if (seen.has(axis.field)) {
        ctx.addIssue({
          code: 'custom',
          path: at('field'),
          message: `"${axis.field}" appears twice`,
        });
      }
      seen.add(axis.field);
      if (axis.values !== undefined) {
        const keys = axis.values.map((v) => JSON.stringify(v));
        const dup = keys.find((k, j) => keys.indexOf(k) !== j);
        if (dup !== undefined) {
          ctx.addIssue({ code: 'custom', path: at('values'), message: `duplicate value ${dup}` });
        }
      }
      const r = axis.range;
      if (r !== undefined) {
        if (r.min > r.max) {
          ctx.addIssue({ code: 'custom', path: at('range'), message: 'min is larger than max' });
        }
        if (r.scale === 'log' && r.min <= 0) {
          ctx.addIssue({
            code: 'custom',
            path: at('range', 'min'),
            message: 'log scale needs min > 0',
          });
        }
      }
    });
    const ranged = spec.axes.some((a) => a.range !== undefined);
    if (ranged && spec.sampling === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['sampling'],
        message: 'range axes need sampling.count',
      });
    }
    if (!ranged && spec.sampling !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['sampling'],
        message: 'no axis has a range to sample',
      });
    }
    const seeds = new Set(spec.seeds);
    if (seeds.size !== spec.seeds.length) {
      ctx.addIssue({ code: 'custom', path: ['seeds'], message: 'duplicate seed' });
    }
    if (Array.isArray(spec.frames) && spec.frames[1] <= spec.frames[0]) {
      ctx.addIssue({
        code: 'custom',
        path: ['frames'],
        message: 'empty range: end must be after start',
      });
    }
  })
  .describe(
    'A ttfsim sweep: hardware design-space exploration (ttfsim sweep spec.json --out DIR).',
  );

export type SweepSpec = z.infer<typeof sweepSpecSchema>;

/** A spec with its file: relative paths in it are resolved against the file's folder. */
export interface LoadedSpec {
  spec: SweepSpec;
  /** Absolute path of the spec file ('' for a spec given as an object). */
  path: string;
  /** Folder that relative paths are resolved against. */
  baseDir: string;
  /** The file as shown in messages. */
  shown: string;
}

/** Validates a raw spec object; `file` names it in errors. */
export function parseSweepSpec(raw: unknown, file = '<sweep spec>'): SweepSpec {
  const result = sweepSpecSchema.safeParse(raw);
  if (!result.success)
    throw inFile(file, formatIssues(result.error), firstIssueField(result.error));
  return result.data;
}

/** Reads and validates a spec file (structure only; see `resolvePoints` for the semantics). */
export function loadSweepSpec(path: string): LoadedSpec {
  const abs = resolve(path);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw inFile(path, code === 'ENOENT' ? 'sweep spec not found' : (err as Error).message);
  }
  let raw: unknown;
  try {
    raw = parseJsonStrict(text);
  } catch (err) {
    throw inFile(path, `not valid JSON (${(err as Error).message})`);
  }
  return { spec: parseSweepSpec(raw, path), path: abs, baseDir: dirname(abs), shown: path };
}

/**
 * A path-or-name argument of the spec: bare names (no slash) stay as they are (bundled configs,
 * models, datasets); paths are made absolute against the spec's folder.
 */
export function resolveSpecPath(value: string, baseDir: string): string {
  if (!value.includes('/') && !value.includes('\\')) return value;
  return isAbsolute(value) ? value : resolve(baseDir, value);
}

/** `[start, end)` of the frames a point simulates. */
export function frameRange(frames: SweepSpec['frames']): [number, number] {
  return typeof frames === 'number' ? [0, frames] : [frames[0], frames[1]];
}

/** JSON Schema (draft 2020-12) of a sweep spec, as written to `schemas/sweep.schema.json`. */
export function sweepJsonSchemaText(): string {
  const schema = z.toJSONSchema(sweepSpecSchema, { io: 'input' }) as Record<string, unknown>;
  const out = { $schema: schema.$schema, title: 'ttfsim sweep spec', ...schema };
  return `${JSON.stringify(out, null, 2)}\n`;
}
