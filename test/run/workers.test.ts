import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/report/runResult.js';
import { runSimulation } from '../../src/run/simulate.js';
import { UserError } from '../../src/util/errors.js';
import { tempDir, writeTinyMnist, writeTinyModel } from './helpers.js';

const tmp = tempDir();
afterAll(tmp.cleanup);
const dataDir = join(tmp.dir, 'data');
writeTinyMnist(dataDir, 7);

/** Every file of a results folder, run.json without its wall time (the only figure that may differ). */
function folder(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    const text = readFileSync(join(dir, name), 'utf8');
    if (name !== 'run.json') out[name] = text;
    else {
      const { wall: _wall, ...rest } = JSON.parse(text) as RunResult;
      out[name] = JSON.stringify(rest);
    }
  }
  return out;
}

describe('simulate --workers N', () => {
  it('gives the same results files, traces and NoC statistics for 1, 2 and 3 workers (random weights, ideal and detailed networks, integer and fixed-point SOPs)', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          seed: fc.integer({ min: 1, max: 1_000_000 }),
          readout: fc.constantFrom('first-spike' as const, 'membrane' as const),
          noc: fc.constantFrom('ideal' as const, 'detailed' as const),
          timing: fc.constantFrom('async', 'clocked'),
          multicast: fc.constantFrom('unicast', 'xy-tree'),
          neuronsPerCore: fc.integer({ min: 20, max: 64 }),
          framesInFlight: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
          stepsPerWindow: fc.constantFrom(4, 10, 'exact' as const),
          weightBits: fc.constantFrom(3, 4, 8, 'float' as const),
        }),
        async (c) => {
          const dir = join(tmp.dir, `case${n++}`);
          const model = writeTinyModel(join(dir, 'model'), dataDir, {
            seed: c.seed,
            readout: c.readout,
          });
          const files: Record<string, string>[] = [];
          const results: Omit<RunResult, 'wall' | 'run'>[] = [];
          for (const workers of [1, 2, 3]) {
            const out = join(dir, `w${workers}`, 'run');
            mkdirSync(out, { recursive: true });
            const r = await runSimulation({
              model,
              hw: 'mesh22nm',
              set: [
                `chip.neuronsPerCore=${c.neuronsPerCore}`,
                `noc.timing=${c.timing}`,
                `noc.multicast=${c.multicast}`,
              ],
              frames: 'all',
              noc: c.noc,
              stepsPerWindow: c.stepsPerWindow,
              weightBits: c.weightBits,
              ...(c.framesInFlight === undefined ? {} : { framesInFlight: c.framesInFlight }),
              workers,
              out,
              traceSpikes: join(dir, `w${workers}`, 'trace.csv'),
            });
            const { wall: _wall, run: _run, ...rest } = r;
            results.push(rest);
            const trace = readFileSync(join(dir, `w${workers}`, 'trace.csv'), 'utf8');
            files.push({ ...folder(out), 'trace.csv': trace });
          }
          expect(results[0]!.frames).toHaveLength(7);
          expect(files[0]!['trace.csv']!.split('\n').length).toBeGreaterThan(7);
          expect(results[1]).toEqual(results[0]);
          expect(results[2]).toEqual(results[0]);
          expect(files[1]).toEqual(files[0]);
          expect(files[2]).toEqual(files[0]);
        },
      ),
      { numRuns: 6, seed: 22 },
    );
  }, 120_000);

  it('rejects a bad --workers before anything runs', async () => {
    for (const workers of [0, -1, 1.5, 2000]) {
      await expect(runSimulation({ workers, write: false })).rejects.toThrow(UserError);
      await expect(runSimulation({ workers, write: false })).rejects.toThrow(/--workers/);
    }
  });
});
