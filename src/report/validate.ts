/**
 * Validation of a results folder's files (run.json, spikes-frame<k>.json) before the report
 * reads them: a clear `UserError` naming the file and the field instead of a crash deep inside
 * a figure. Numbers may be `null` in the files (JSON has no NaN/Infinity: `JSON.stringify`
 * writes them as null); they are read back as NaN and drawn as missing.
 */
import { z } from 'zod';
import { UserError } from '../util/errors.js';
import type { RunResult, SpikeRaster } from './runResult.js';

const n = z.union([z.number(), z.null()]).transform((v) => (v === null ? Number.NaN : v));
const int = z.number().int();
const energy = z.looseObject({ sop: n, hop: n, static: n, total: n });

const frame = z.looseObject({
  index: int,
  label: n,
  decision: n,
  correct: z.boolean(),
  spikes: n,
  sparsity: n,
  sops: n,
  packets: n,
  controlPackets: n,
  hops: n,
  latencySteps: n,
  latencyNs: n,
  energyJ: energy,
});

const layer = z.looseObject({
  name: z.string(),
  kind: z.enum(['input', 'conv', 'pool', 'flatten', 'dense']),
  stage: int,
  window: int,
  shape: z.array(int).length(3),
  neurons: int,
  spikes: n,
  firingFraction: n,
  inactiveFraction: n,
  sops: n,
  packets: n,
  hops: n,
  energyJ: energy,
  cores: int,
});

const core = z.looseObject({
  core: int,
  node: int,
  x: int.nonnegative(),
  y: int.nonnegative(),
  layer: z.string(),
  neurons: int,
  sops: n,
  energyJ: energy,
});

const noc = z.looseObject({
  kind: z.enum(['ideal', 'detailed']),
  timing: z.enum(['async', 'clocked', 'ideal']),
  packets: n,
  hops: n,
  flitHops: n,
  directionFlits: z.array(n).length(5),
  routerFlits: z.array(n),
  routerCongestion: z.array(n),
  linkFlits: z.record(z.string(), n),
  latencyNs: z.looseObject({
    mean: n,
    p50: n,
    p99: n,
    max: n,
    zeroLoadMean: n,
    congestionMean: n,
  }),
  latencyHistogram: z
    .looseObject({ edgesNs: z.array(n), counts: z.array(n) })
    .refine((h) => h.edgesNs.length === h.counts.length + 1 || h.counts.length === 0, {
      message: 'edgesNs must have one more entry than counts',
    }),
});

const summary = z.looseObject({
  frames: int,
  accuracy: z.number().nullable(),
  sparsity: n,
  spikes: n,
  sops: n,
  packets: n,
  hops: n,
  latencySteps: n,
  latencyNs: n,
  energyJ: energy,
  framesPerSecond: n,
  coresUsed: int,
  mesh: z.looseObject({ width: int.positive(), height: int.positive() }),
  theoreticalEnergy: z.looseObject({ trueNorth: n, spiNNaker: n }),
});

export const runResultSchema = z.looseObject({
  tool: z.looseObject({ name: z.string(), version: z.string() }),
  run: z.string(),
  seed: z.number(),
  weightsTrained: z.boolean(),
  notes: z.array(z.string()).default([]),
  options: z.looseObject({
    noc: z.enum(['ideal', 'detailed']),
    stepsPerWindow: z.number().nullable(),
    weightBits: z.number().nullable(),
    frames: z.array(int).length(2),
    data: z.string(),
  }),
  hardware: z.record(z.string(), z.unknown()),
  model: z.looseObject({
    name: z.string(),
    path: z.string(),
    sha256: z.string(),
    readout: z.enum(['first-spike', 'membrane']),
    neurons: int,
  }),
  input: z.looseObject({ dataset: z.string(), sha256: z.string() }),
  hardwareSha256: z.string(),
  summary,
  layers: z.array(layer),
  cores: z.array(core),
  noc,
  frames: z.array(frame),
  wall: z.looseObject({ seconds: n, framesPerSecond: n }).optional(),
});

export const spikeRasterSchema = z
  .looseObject({
    frame: int,
    layers: z.array(
      z.looseObject({
        name: z.string(),
        stage: int,
        window: int,
        neurons: int.nonnegative(),
        neuron: z.array(int.nonnegative()),
        t: z.array(z.number()),
      }),
    ),
  })
  .superRefine((r, ctx) => {
    r.layers.forEach((l, i) => {
      if (l.neuron.length !== l.t.length)
        ctx.addIssue({
          code: 'custom',
          path: ['layers', i, 't'],
          message: `has ${l.t.length} times for ${l.neuron.length} neuron indices`,
        });
    });
  });

/** `field.path: message` of the first few issues. */
function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`)
    .join('; ');
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UserError(`${file}: not valid JSON (${(err as Error).message})`);
  }
}

/**
 * Parses and validates the text of a `run.json` (`file` names it in messages): a `UserError` for
 * anything that is not a ttfsim run result, or a core outside the mesh.
 */
export function parseRunResult(text: string, file: string): RunResult {
  const r = runResultSchema.safeParse(parseJson(text, file));
  if (!r.success) throw new UserError(`${file}: not a ttfsim run result: ${describe(r.error)}`);
  const run = r.data as unknown as RunResult;
  const { width, height } = run.summary.mesh;
  run.cores.forEach((c, i) => {
    if (c.x >= width || c.y >= height)
      throw new UserError(
        `${file}: cores.${i}: position (${c.x}, ${c.y}) is outside the ${width}x${height} mesh`,
      );
  });
  return run;
}

export function parseSpikeRaster(text: string, file: string): SpikeRaster {
  const r = spikeRasterSchema.safeParse(parseJson(text, file));
  if (!r.success) throw new UserError(`${file}: not a ttfsim spike file: ${describe(r.error)}`);
  return r.data as unknown as SpikeRaster;
}
