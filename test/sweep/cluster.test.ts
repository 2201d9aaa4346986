/**
 * Sharded sweeps in separate processes: 3 shards + merge equal one process (with 2 worker
 * threads), row for row. Points run the real simulator (detailed NoC) on a tiny model and data
 * set written here.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeSweeps } from '../../src/sweep/merge.js';
import { runSweep } from '../../src/sweep/runner.js';
import { runPointByName } from '../../src/sweep/runners.js';
import { read, runCli, runCliAsync, tempDir, writeSpec, writeTinyModel } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
let spec: string;
let single: string;
const POINTS = 2 * 2 * 3 * 2;

function csvRows(dir: string): string[] {
  return read(join(dir, 'sweep.csv')).trimEnd().split('\n').slice(1);
}

beforeAll(() => {
  tmp = tempDir();
  const { model, data } = writeTinyModel(tmp.dir);
  spec = writeSpec(tmp.dir, 'spec.json', {
    name: 'cluster-test',
    model,
    data,
    frames: 2,
    noc: 'detailed',
    set: ['chip.neuronsPerCore=32'],
    axes: [
      { field: 'noc.bufferDepthFlits', values: [1, 8] },
      { field: 'noc.multicast', values: ['unicast', 'xy-tree'] },
      { field: 'chip.placement', values: ['row-major', 'snake', 'layer-affinity'] },
      { field: 'energy.sopEnergyPj', range: { min: 1, max: 20, scale: 'log' } },
    ],
    sampling: { count: 2, seed: 4 },
  });
  single = join(tmp.dir, 'single');
  const r = runCli(['sweep', spec, '--out', single, '--workers', '2']);
  expect(r.stderr).not.toMatch(/error|failed:/);
  expect(r.code).toBe(0);
});
afterAll(() => tmp.cleanup());

describe('sharded sweeps', () => {
  it('the single-process run has every point, Pareto-marked, in sweep order', () => {
    const rows = csvRows(single);
    expect(rows).toHaveLength(POINTS);
    expect(rows.map((r) => Number(r.split(',')[0]))).toEqual([...Array(POINTS).keys()]);
    const pareto = rows.map((r) => r.split(',').at(-1));
    expect(pareto).toContain('1');
    expect(pareto).toContain('0');
    expect(readdirSync(join(single, 'points'))).toHaveLength(POINTS);
    expect(read(join(single, 'pareto.svg'))).toMatch(/^<svg [^>]*xmlns=/);
  });

  it('3 shards in separate processes + merge equal the single-process CSV row for row', async () => {
    const shards = [0, 1, 2].map((i) => join(tmp.dir, `shard-${i}`));
    const results = await Promise.all(
      shards.map((out, i) =>
        runCliAsync(['sweep', spec, '--out', out, '--shard', `${i}/3`, '--workers', '1']),
      ),
    );
    for (const r of results) expect(r.code).toBe(0);
    // Each shard holds only its points (index mod 3), and together they hold each point once.
    const seen: number[] = [];
    shards.forEach((dir, i) => {
      const idx = csvRows(dir).map((r) => Number(r.split(',')[0]));
      expect(idx.length).toBeGreaterThan(0);
      for (const k of idx) expect(k % 3).toBe(i);
      seen.push(...idx);
    });
    expect(seen.sort((a, b) => a - b)).toEqual([...Array(POINTS).keys()]);
    const merged = join(tmp.dir, 'merged');
    const m = runCli(['sweep', 'merge', ...shards, '--out', merged]);
    expect(m.code).toBe(0);
    expect(m.stdout).toContain(`${POINTS} of ${POINTS} points`);
    expect(read(join(merged, 'sweep.csv'))).toBe(read(join(single, 'sweep.csv')));
    expect(read(join(merged, 'pareto.svg'))).toBe(read(join(single, 'pareto.svg')));
    // Re-running finished work runs nothing and changes nothing.
    const before = read(join(single, 'sweep.csv'));
    const again = await runSweep({
      specPath: spec,
      outDir: single,
      runPoint: () => Promise.reject(new Error('must not run')),
    });
    expect(again).toMatchObject({ ran: 0, skipped: POINTS, rows: POINTS, failed: [] });
    expect(read(join(single, 'sweep.csv'))).toBe(before);
  });

  it('merge reports missing shards and refuses folders of different sweeps', async () => {
    const partial = join(tmp.dir, 'partial');
    const m = runCli(['sweep', 'merge', join(tmp.dir, 'shard-0'), '--out', partial]);
    expect(m.code).toBe(1);
    expect(m.stderr).toMatch(/points have no result in any input/);
    const other = writeSpec(tmp.dir, 'other.json', { ...JSON.parse(read(spec)), seeds: [7] });
    const otherOut = join(tmp.dir, 'other');
    await runSweep({ specPath: other, outDir: otherOut, runPoint: runPointByName });
    expect(() => mergeSweeps([single, otherOut], join(tmp.dir, 'x'))).toThrow(
      /holds a different sweep/,
    );
    await expect(
      runSweep({ specPath: other, outDir: single, runPoint: runPointByName }),
    ).rejects.toThrow(/holds a different sweep/);
  });
});
