/**
 * Sweeps through the API: `planSweep` validates a spec (a file or an object) without running
 * it, a bad one throws a UserError naming the field; `runSweep` stops on an AbortSignal after the
 * points in flight, keeps them, and a re-run resumes with the rest.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { planSweep, runSweep, UserError } from '../../src/api/index.js';
import { runPointByName } from '../../src/sweep/runners.js';
import { tempDir, writeSpec, writeTinyModel } from '../sweep/helpers.js';

const tmp = tempDir();
afterAll(tmp.cleanup);
const { model, data } = writeTinyModel(join(tmp.dir, 'model'), 4);
const spec = {
  name: 'api',
  model,
  data,
  frames: 2,
  runner: 'estimate',
  axes: [{ field: 'noc.bufferDepthFlits', values: [1, 2, 4, 8] }],
};

describe('planSweep', () => {
  it('plans a spec object or file, and names the field of a bad one', () => {
    const fromObject = planSweep(spec);
    const fromFile = planSweep(writeSpec(tmp.dir, 'api.json', spec));
    expect(fromObject.count.points).toBe(4);
    expect(fromObject.points.map((p) => p.hardware.noc.bufferDepthFlits)).toEqual([1, 2, 4, 8]);
    expect(fromFile.points.map((p) => p.id)).toEqual(fromObject.points.map((p) => p.id));
    let err: unknown;
    try {
      planSweep({ ...spec, frames: 'many' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).field).toBe('frames');
  });
});

describe('runSweep with an AbortSignal', () => {
  it('finishes the points in flight, throws, and a re-run resumes', async () => {
    const specPath = writeSpec(tmp.dir, 'abort.json', spec);
    const outDir = join(tmp.dir, 'out');
    const stop = new AbortController();
    let ran = 0;
    const err = await runSweep({
      specPath,
      outDir,
      workers: 1,
      runPoint: async (p) => {
        if (++ran === 2) stop.abort();
        return runPointByName(p);
      },
      signal: stop.signal,
    }).catch((e: unknown) => e);
    expect((err as Error).name).toBe('AbortError');
    expect(ran).toBe(2);
    const plan = planSweep(specPath);
    const done = plan.points.filter((p) => existsSync(join(outDir, 'points', p.id, 'run.json')));
    expect(done).toHaveLength(2);
    const resumed = await runSweep({ specPath, outDir, workers: 1, runPoint: runPointByName });
    expect(resumed.skipped).toBe(2);
    expect(resumed.ran).toBe(2);
    expect(resumed.failed).toEqual([]);
  });
});
