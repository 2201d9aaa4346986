/**
 * Sweeps that cannot hang (issue 15, item 7) and a locked output folder (item 3), through the
 * CLI: the points are counted from the spec and printed before anything runs, a sweep over the
 * limit is refused at once with the count (`--max-points` moves the limit), and a folder that
 * another sweep holds is refused.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { countPoints } from '../../src/sweep/points.js';
import { parseSweepSpec } from '../../src/sweep/spec.js';
import { LOCK_FILE } from '../../src/util/lock.js';
import { cli, expectOneLineError, snapshot } from '../cli/helpers.js';
import { tempDir, writeSpec } from './helpers.js';

const tmp = tempDir();
afterAll(tmp.cleanup);
const spec = {
  model: 'mnist-cnn',
  runner: 'synthetic',
  seeds: [0, 1],
  axes: [
    { field: 'noc.bufferDepthFlits', values: [2, 4] },
    { field: 'energy.sopEnergyPj', values: [1, 2, 3] },
  ],
};
const path = writeSpec(tmp.dir, 'twelve.json', spec);

describe('sweep point count and limit', () => {
  it('counts grid x draws x seeds from the spec alone, even for 10^9 points', () => {
    expect(countPoints(parseSweepSpec(spec))).toMatchObject({
      points: 12,
      text: '2 x 3 grid x 2 seeds',
    });
    const huge = parseSweepSpec({
      model: 'mnist-cnn',
      axes: [{ field: 'energy.sopEnergyPj', range: { min: 1, max: 2 } }],
      sampling: { count: 1e9 },
    });
    expect(countPoints(huge)).toMatchObject({ points: 1e9, text: '1000000000 draws x 1 seed' });
  });

  it('prints the count before the points run', async () => {
    const out = join(tmp.dir, 'ok');
    const r = await cli(['sweep', path, '--out', out, '--workers', '1'], tmp.dir);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.split('\n');
    const count = lines.findIndex((l) => l.includes('has 12 points (2 x 3 grid x 2 seeds)'));
    expect(count, r.stderr).toBeGreaterThanOrEqual(0);
    expect(lines.findIndex((l) => /point \d+ .*done/.test(l))).toBeGreaterThan(count);
    expect(existsSync(join(out, 'sweep.csv'))).toBe(true);
  });

  it('refuses a sweep over --max-points at once, and runs it when the limit allows', async () => {
    const out = join(tmp.dir, 'limited');
    const r = await cli(['sweep', path, '--out', out, '--max-points', '11'], tmp.dir);
    expectOneLineError(
      r,
      /twelve\.json: 12 points \(2 x 3 grid x 2 seeds\) is more than the limit of 11; split the sweep, or raise the limit with --max-points 12/,
    );
    expect(existsSync(out)).toBe(false);
    const ok = await cli(
      ['sweep', path, '--out', out, '--max-points', '12', '--workers', '1'],
      tmp.dir,
    );
    expect(ok.code, ok.stderr).toBe(0);
  });
});

describe('sweep --out lock (item 3)', () => {
  it('refuses a folder that another sweep holds, changing nothing', async () => {
    const out = join(tmp.dir, 'held');
    mkdirSync(out);
    writeFileSync(
      join(out, LOCK_FILE),
      JSON.stringify({ pid: process.pid, host: hostname(), command: 'sweep' }),
    );
    const before = snapshot(out);
    const r = await cli(['sweep', path, '--out', out], tmp.dir);
    expectOneLineError(
      r,
      new RegExp(`--out .*held: another ttfsim sweep \\(pid ${process.pid}\\) is writing there`),
    );
    expect(snapshot(out)).toEqual(before);
  });
});
