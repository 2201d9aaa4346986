/**
 * Kill and resume: a real `ttfsim sweep` process is killed with SIGKILL once at least one point
 * has finished; what it leaves is consistent (a parseable CSV whose rows are a prefix-free subset
 * of the final rows, complete point files), and re-running the same command finishes with exactly
 * the CSV (and SVG) of an uninterrupted run. The points run the real simulator (detailed NoC) on
 * the bundled MNIST CNN and 2 MNIST test frames (about a second each), on 2 worker threads; the
 * uninterrupted reference runs in the test's process.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSweep } from '../../src/sweep/runner.js';
import { runPointByName } from '../../src/sweep/runners.js';
import { PROJECT_ROOT } from '../../src/util/version.js';
import { CLI, read, runCli, TSX_IMPORT, tempDir, writeSpec } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
let spec: string;
const POINTS = 6;

beforeAll(() => {
  tmp = tempDir();
  spec = writeSpec(tmp.dir, 'spec.json', {
    name: 'resume-test',
    model: 'mnist-cnn',
    data: 'mnist',
    frames: 2,
    noc: 'detailed',
    axes: [
      { field: 'noc.bufferDepthFlits', values: [1, 4] },
      { field: 'chip.placement', values: ['row-major', 'snake', 'layer-affinity'] },
    ],
  });
});
afterAll(() => tmp.cleanup());

function finishedPoints(out: string): string[] {
  const dir = join(out, 'points');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((id) => existsSync(join(dir, id, 'run.json')));
}

/** Starts a sweep, SIGKILLs it as soon as a point file exists; resolves with the exit signal. */
function runAndKill(out: string): Promise<NodeJS.Signals | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', TSX_IMPORT, CLI, 'sweep', spec, '--out', out, '--workers', '2'],
      { cwd: PROJECT_ROOT, stdio: 'ignore' },
    );
    const timer = setInterval(() => {
      if (finishedPoints(out).length > 0) {
        clearInterval(timer);
        process.kill(child.pid!, 'SIGKILL');
      }
    }, 10);
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      clearInterval(timer);
      resolve(signal);
    });
  });
}

describe('kill and resume', () => {
  it('a sweep killed with SIGKILL resumes to exactly the uninterrupted CSV', async () => {
    const killedOut = join(tmp.dir, 'killed');
    const cleanOut = join(tmp.dir, 'clean');
    const signal = await runAndKill(killedOut);
    // The uninterrupted run, in this process (same runner, same points).
    const clean = await runSweep({ specPath: spec, outDir: cleanOut, runPoint: runPointByName });
    expect(clean.failed).toEqual([]);
    const expected = read(join(cleanOut, 'sweep.csv'));
    const expectedRows = expected.trimEnd().split('\n');
    expect(expectedRows).toHaveLength(POINTS + 1);

    // Killed mid-run: some but not all points finished.
    expect(signal).toBe('SIGKILL');
    const done = finishedPoints(killedOut);
    expect(done.length).toBeGreaterThan(0);
    expect(done.length).toBeLessThan(POINTS);
    // What it left is consistent: whole point files, and a CSV (if written) whose every row is a
    // row of the final CSV, each id once.
    for (const id of done) {
      const file = JSON.parse(readFileSync(join(killedOut, 'points', id, 'run.json'), 'utf8'));
      expect(file.point.id).toBe(id);
    }
    const partialCsv = join(killedOut, 'sweep.csv');
    if (existsSync(partialCsv)) {
      const rows = read(partialCsv).trimEnd().split('\n');
      expect(rows[0]).toBe(expectedRows[0]);
      const ids = rows.slice(1).map((r) => r.split(',')[1]);
      expect(new Set(ids).size).toBe(ids.length);
      for (const row of rows.slice(1)) {
        // Rows match the final CSV except possibly the Pareto flag (a subset has its own front).
        const body = (r: string) => r.slice(0, r.lastIndexOf(','));
        expect(expectedRows.map(body)).toContain(body(row));
      }
    }

    const resumed = runCli(['sweep', spec, '--out', killedOut, '--workers', '2']);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain(`${POINTS - done.length} run, ${done.length} already done`);
    expect(read(join(killedOut, 'sweep.csv'))).toBe(expected);
    expect(read(join(killedOut, 'pareto.svg'))).toBe(read(join(cleanOut, 'pareto.svg')));
  });
});
