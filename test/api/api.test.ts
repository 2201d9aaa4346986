/**
 * The library API (issue 21): the same run through `simulate` and through the CLI gives the same
 * run.json field by field; bad input throws a typed `UserError` naming the file and the field,
 * and the process goes on; frames stream in order and a run can be cancelled.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type FrameRecord,
  type RunResult,
  runNocExperiment,
  simulate,
  simulateFrames,
  UserError,
} from '../../src/api/index.js';
import { cli } from '../cli/helpers.js';
import { tempDir, writeTinyMnist, writeTinyModel } from '../run/helpers.js';

const tmp = tempDir('ttfsim-api-');
afterAll(tmp.cleanup);
const dataDir = join(tmp.dir, 'data');
writeTinyMnist(dataDir, 6);
const model = writeTinyModel(join(tmp.dir, 'model'), dataDir);
const set = ['chip.neuronsPerCore=40', 'noc.bufferDepthFlits=2'];

/** Leaves that may differ between two runs: wall-clock time only. */
function fieldsOf(v: unknown, path = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) fieldsOf(x, path === '' ? k : `${path}.${k}`, out);
  } else out.set(path, v);
  return out;
}

describe('API and CLI', () => {
  it('give identical run.json for the same options, field by field', async () => {
    const cliOut = join(tmp.dir, 'cli');
    const apiOut = join(tmp.dir, 'api');
    const args = ['--model', model, '--frames', '4', '--seed', '3', '--noc', 'detailed'];
    const r = await cli(
      [...args, ...set.flatMap((s) => ['--set', s]), '--out', cliOut, '--quiet'],
      tmp.dir,
    );
    expect(r.code, r.stderr).toBe(0);
    const returned = await simulate({
      model,
      frames: '4',
      seed: 3,
      noc: 'detailed',
      set,
      out: apiOut,
    });
    const fromCli = JSON.parse(readFileSync(join(cliOut, 'run.json'), 'utf8')) as RunResult;
    const fromApi = JSON.parse(readFileSync(join(apiOut, 'run.json'), 'utf8')) as RunResult;
    // The folder name is the run id when --out is given; the rest must agree exactly.
    const a = fieldsOf({ ...fromCli, run: null, wall: null });
    const b = fieldsOf({ ...fromApi, run: null, wall: null });
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
    for (const [k, v] of a) expect(b.get(k), k).toEqual(v);
    expect(a.size).toBeGreaterThan(100);
    // The returned object is what run.json holds.
    expect(JSON.parse(JSON.stringify(returned))).toEqual(fromApi);
  });
});

describe('bad input through the API', () => {
  it('a bad hardware field throws a UserError naming the file and the field; the process goes on', async () => {
    const hw = join(tmp.dir, 'bad-hw.json');
    writeFileSync(hw, JSON.stringify({ chip: { meshWidth: 'wide' } }));
    const err = await simulate({ hw, model, frames: 1, write: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    const u = err as UserError;
    expect(u.field).toBe('chip.meshWidth');
    expect(u.file).toMatch(/bad-hw\.json$/);
    expect(u.message).toMatch(/bad-hw\.json.*chip\.meshWidth/);
    // A bad --set value names the field too.
    const e2 = await simulate({ model, frames: 1, write: false, set: ['noc.bufferDepthFlits=0'] })
      .then(() => null)
      .catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(UserError);
    expect((e2 as UserError).field).toBe('noc.bufferDepthFlits');
    expect(() =>
      runNocExperiment({ meshWidth: 2, meshHeight: 2, set: ['chip.meshWidth=3'] }),
    ).toThrow(UserError);
    expect(process.exitCode ?? 0).toBe(0);
  });
});

describe('frames and cancellation', () => {
  it('streams each frame in order with the record run.json holds, then the result', async () => {
    const frames: FrameRecord[] = [];
    let result: RunResult | null = null;
    for await (const e of simulateFrames({ model, frames: '1:5', set, write: false })) {
      if (e.kind === 'frame') frames.push(e.frame);
      else result = e.result;
    }
    expect(result).not.toBeNull();
    expect(frames.map((f) => f.index)).toEqual([1, 2, 3, 4]);
    const strip = ({ energyJ: _e, ...rest }: FrameRecord) => rest;
    expect(frames.map(strip)).toEqual(result!.frames.map(strip));
    frames.forEach((f, i) => {
      expect(f.energyJ.sop).toBe(result!.frames[i]!.energyJ.sop);
      expect(f.energyJ.hop).toBe(result!.frames[i]!.energyJ.hop);
    });
  });

  it('an AbortSignal stops a run between frames, writing nothing', async () => {
    const stop = new AbortController();
    const out = join(tmp.dir, 'aborted');
    let seen = 0;
    const err = await simulate(
      { model, frames: 5, set, out },
      {
        signal: stop.signal,
        onFrame: () => {
          if (++seen === 2) stop.abort();
        },
      },
    ).catch((e: unknown) => e);
    expect((err as Error).name).toBe('AbortError');
    expect(seen).toBe(2);
    expect(() => readFileSync(join(out, 'run.json'))).toThrow();
    const before = new AbortController();
    before.abort(new Error('not wanted'));
    await expect(simulate({ model, write: false }, { signal: before.signal })).rejects.toThrow(
      'not wanted',
    );
  });

  it('a timer aborts a run on worker threads at the next frame', async () => {
    let frames = 0;
    const t0 = performance.now();
    const err = await simulate(
      { frames: 400, workers: 2, write: false },
      { signal: AbortSignal.timeout(100), onFrame: () => frames++ },
    ).catch((e: unknown) => e);
    expect((err as Error).name).toBe('TimeoutError');
    expect(frames).toBeLessThan(400);
    expect(performance.now() - t0).toBeLessThan(30_000);
  });

  it('leaving the frame loop early ends the run', async () => {
    let n = 0;
    for await (const e of simulateFrames({ model, frames: 5, set, write: false })) {
      if (e.kind === 'frame' && ++n === 1) break;
    }
    expect(n).toBe(1);
  });
});
