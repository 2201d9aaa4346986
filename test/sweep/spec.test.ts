import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolvePlan } from '../../src/sweep/points.js';
import { runSweep } from '../../src/sweep/runner.js';
import { loadSweepSpec, sweepJsonSchemaText } from '../../src/sweep/spec.js';
import { UserError } from '../../src/util/errors.js';
import { PROJECT_ROOT } from '../../src/util/version.js';
import { runCli, tempDir, writeSpec, writeTinyModel } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
let model: string;

beforeAll(() => {
  tmp = tempDir();
  model = writeTinyModel(tmp.dir).model;
});
afterAll(() => tmp.cleanup());

function base(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model, runner: 'estimate', frames: 2, ...extra };
}

/** The UserError message a spec produces when resolved (structure + semantics). */
function rejection(spec: unknown): string {
  const path = writeSpec(tmp.dir, 'bad.json', spec);
  try {
    resolvePlan(loadSweepSpec(path));
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as Error).message;
  }
  throw new Error('expected the spec to be rejected');
}

describe('sweep spec validation', () => {
  it('the committed schemas/sweep.schema.json equals the generated one', () => {
    const committed = readFileSync(join(PROJECT_ROOT, 'schemas', 'sweep.schema.json'), 'utf8');
    expect(committed).toBe(sweepJsonSchemaText());
  });

  const cases: [string, () => Record<string, unknown>, RegExp][] = [
    ['unknown top-level field', () => base({ axis: [] }), /axis: unknown field/],
    [
      'unknown hardware field',
      () => base({ axes: [{ field: 'noc.bufferDepth', values: [2, 4] }] }),
      /noc\.bufferDepth: unknown field/,
    ],
    [
      'unknown hardware section',
      () => base({ axes: [{ field: 'router.depth', values: [2] }] }),
      /router: unknown field/,
    ],
    [
      'empty axis',
      () => base({ axes: [{ field: 'noc.bufferDepthFlits', values: [] }] }),
      /axes\[0\]\.values/,
    ],
    [
      'wrong value type',
      () => base({ axes: [{ field: 'noc.bufferDepthFlits', values: [2, 'four'] }] }),
      /noc\.bufferDepthFlits: expected number, received string/,
    ],
    [
      'value out of the field range',
      () => base({ axes: [{ field: 'noc.bufferDepthFlits', values: [0] }] }),
      /noc\.bufferDepthFlits/,
    ],
    [
      'enum value unknown',
      () => base({ axes: [{ field: 'chip.placement', values: ['spiral'] }] }),
      /chip\.placement/,
    ],
    ['seeds of the wrong type', () => base({ seeds: '1' }), /seeds: expected array/],
    ['frames of the wrong type', () => base({ frames: 'all' }), /frames/],
    [
      'range without sampling',
      () => base({ axes: [{ field: 'energy.sopEnergyPj', range: { min: 1, max: 2 } }] }),
      /sampling: range axes need sampling\.count/,
    ],
    [
      'values and range together',
      () =>
        base({
          axes: [{ field: 'energy.sopEnergyPj', values: [1], range: { min: 1, max: 2 } }],
          sampling: { count: 2 },
        }),
      /exactly one of values or range/,
    ],
    [
      'duplicate value',
      () => base({ axes: [{ field: 'noc.bufferDepthFlits', values: [2, 2] }] }),
      /duplicate value 2/,
    ],
    [
      'the same field twice',
      () =>
        base({
          axes: [
            { field: 'noc.bufferDepthFlits', values: [2] },
            { field: 'noc.bufferDepthFlits', values: [4] },
          ],
        }),
      /appears twice/,
    ],
    [
      'unknown simulation option',
      () => base({ axes: [{ field: 'sim.speed', values: [1] }] }),
      /unknown simulation option "sim\.speed"/,
    ],
    [
      'bad simulation option value',
      () => base({ axes: [{ field: 'sim.noc', values: ['ideal', 'exact'] }] }),
      /sim\.noc.*"exact"/,
    ],
    [
      'not a hardware parameter',
      () => base({ axes: [{ field: 'sources.x', values: ['a'] }] }),
      /not a hardware parameter/,
    ],
    [
      'log range from 0',
      () =>
        base({
          axes: [{ field: 'energy.sopEnergyPj', range: { min: 0, max: 2, scale: 'log' } }],
          sampling: { count: 2 },
        }),
      /log scale needs min > 0/,
    ],
    [
      'a mesh too small for the model',
      () =>
        base({
          axes: [{ field: 'chip.meshWidth', values: [32, 1] }],
          set: ['chip.meshHeight=1', 'chip.neuronsPerCore=16'],
        }),
      /axes \(chip\.meshWidth=1\): model tiny needs \d+ cores; the 1x1 mesh has 1/,
    ],
    ['unknown runner', () => base({ runner: 'magic' }), /runner/],
    ['missing model', () => ({ runner: 'estimate' }), /model/],
    ['model not found', () => base({ model: './nope.json' }), /nope\.json: model not found/],
    [
      'unknown base config',
      () => base({ hardware: 'mesh99nm' }),
      /unknown hardware config "mesh99nm"/,
    ],
    [
      'bad base override',
      () => base({ set: ['energy.sopEnergyPj="x"'] }),
      /set: .*energy\.sopEnergyPj/,
    ],
  ];
  for (const [name, spec, pattern] of cases) {
    it(`rejects: ${name}`, () => {
      const msg = rejection(spec());
      expect(msg).toMatch(pattern);
      expect(msg).toContain('bad.json');
    });
  }

  it('rejects a bad spec before anything runs or is written', async () => {
    const path = writeSpec(tmp.dir, 'bad-late.json', {
      ...base(),
      // The first values are fine; the last one is not: nothing may run.
      axes: [{ field: 'noc.bufferDepthFlits', values: [2, 4, 8, -1] }],
    });
    const out = join(tmp.dir, 'never');
    let calls = 0;
    await expect(
      runSweep({
        specPath: path,
        outDir: out,
        runPoint: async () => {
          calls++;
          throw new Error('must not run');
        },
      }),
    ).rejects.toThrow(/axes\[0\] \(noc\.bufferDepthFlits = -1\)/);
    expect(calls).toBe(0);
    expect(existsSync(out)).toBe(false);
  });

  it('the CLI prints one line and exits 2 for a bad spec, creating nothing', () => {
    const path = writeSpec(
      tmp.dir,
      'bad-cli.json',
      base({ axes: [{ field: 'noc.depth', values: [1] }] }),
    );
    const out = join(tmp.dir, 'never-cli');
    const r = runCli(['sweep', path, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^ttfsim: error: .*bad-cli\.json: .*noc\.depth: unknown field/);
    expect(existsSync(out)).toBe(false);
  });
});
