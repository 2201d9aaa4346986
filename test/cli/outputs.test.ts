/**
 * Nothing lost, nothing hung (issue 15) for `ttfsim simulate`, through the CLI in child
 * processes: a results folder with the user's files is refused unless --force, and even then
 * only ttfsim's files change (item 1); a second run on a locked --out fails at once and a killed
 * run's lock is taken over (item 3); a killed --trace-spikes run leaves no temporary file, and
 * the next run removes stale ones (item 5); unusable output paths fail before any frame runs
 * (item 6).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCK_FILE } from '../../src/util/lock.js';
import { tempDir, writeTinyMnist, writeTinyModel } from '../run/helpers.js';
import { cli, expectOneLineError, snapshot, startCli, waitFor } from './helpers.js';

const tmp = tempDir('ttfsim-outputs-');
afterAll(tmp.cleanup);
const dataDir = join(tmp.dir, 'data');
writeTinyMnist(dataDir, 6);
const model = writeTinyModel(join(tmp.dir, 'model'), dataDir);
const tiny = ['--model', model, '--set', 'chip.neuronsPerCore=40', '--quiet'];
/** A run that takes minutes: every MNIST test image through the bundled CNN. */
const long = ['--model', 'mnist-cnn', '--frames', 'all', '--quiet'];
const cwd = tmp.dir;

/** The pid of a process that has exited (for stale lock and temp files). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(r.stdout);
}

describe('simulate --out: only ttfsim replaces its own files (item 1)', () => {
  it('refuses a results folder holding the user’s files, and with --force leaves them alone', async () => {
    const out = join(tmp.dir, 'results-user');
    expect((await cli([...tiny, '--out', out, '--report'], cwd)).code).toBe(0);
    expect(existsSync(join(out, 'report.html'))).toBe(true);
    writeFileSync(join(out, 'notes.ipynb'), '{"cells": []}\n');
    mkdirSync(join(out, 'plots'));
    writeFileSync(join(out, 'plots', 'fig.png'), 'png');
    const before = snapshot(out);
    const r = await cli([...tiny, '--out', out], cwd);
    expectOneLineError(
      r,
      /--out .*results-user: holds files ttfsim did not write \("notes\.ipynb", "plots"\); .*--force/,
    );
    expect(snapshot(out)).toEqual(before);

    const forced = await cli([...tiny, '--out', out, '--force'], cwd);
    expect(forced.code, forced.stderr).toBe(0);
    const after = snapshot(out);
    for (const f of ['notes.ipynb', 'plots', 'plots/fig.png']) expect(after[f]).toBe(before[f]);
    expect(after['run.json']).not.toBe(before['run.json']);
    // The old report described the old run: it is gone; no temporary folder or lock is left.
    expect(Object.keys(after).sort()).toEqual(
      [
        'cores.csv',
        'frames.csv',
        'layers.csv',
        'notes.ipynb',
        'plots',
        'plots/fig.png',
        'run.json',
        'spikes-frame0.json',
      ].sort(),
    );
  });

  it('replaces an earlier run in a folder that holds only ttfsim’s files', async () => {
    const out = join(tmp.dir, 'results-own');
    expect((await cli([...tiny, '--out', out, '--frames', '2'], cwd)).code).toBe(0);
    const first = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    const r = await cli([...tiny, '--out', out, '--frames', '3'], cwd);
    expect(r.code, r.stderr).toBe(0);
    const second = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(first.options.frames).toEqual([0, 2]);
    expect(second.options.frames).toEqual([0, 3]);
    expect(readdirSync(out).filter((f) => f.startsWith('.'))).toEqual([]);
  });
});

describe('simulate --out is locked while a run writes it (item 3)', () => {
  it('a second run fails at once naming the first; a killed run’s lock is taken over', async () => {
    const out = join(tmp.dir, 'locked');
    const first = startCli([...long, '--out', out], cwd);
    expect(await waitFor(() => existsSync(join(out, LOCK_FILE)))).toBe(true);
    const second = await cli([...tiny, '--out', out], cwd);
    expectOneLineError(
      second,
      new RegExp(
        `--out .*locked: another ttfsim simulate \\(pid ${first.child.pid}\\) is writing there`,
      ),
    );
    expect(first.child.exitCode).toBeNull(); // still running, undisturbed
    first.child.kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');
    expect(existsSync(join(out, LOCK_FILE))).toBe(true); // stale: its holder is gone
    const third = await cli([...tiny, '--out', out], cwd);
    expect(third.code, third.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(
      ['cores.csv', 'frames.csv', 'layers.csv', 'run.json', 'spikes-frame0.json'].sort(),
    );
  });
});

describe('simulate --trace-spikes leaves no temporary file behind (item 5)', () => {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGKILL'] as const) {
    it(`a run stopped by ${signal} has its FILE.tmp-<pid> removed`, async () => {
      const dir = join(tmp.dir, `trace-${signal}`);
      mkdirSync(dir);
      const trace = join(dir, 'spikes.csv');
      const run = startCli([...long, '--out', join(dir, 'out'), '--trace-spikes', trace], cwd);
      const temp = `${trace}.tmp-${run.child.pid}`;
      expect(await waitFor(() => existsSync(temp))).toBe(true);
      run.child.kill(signal);
      const r = await run.done;
      expect(r.signal).toBe(signal);
      expect(await waitFor(() => !existsSync(temp), 10_000)).toBe(true);
      expect(existsSync(trace)).toBe(false);
      expect(readdirSync(dir).filter((f) => f.startsWith('spikes'))).toEqual([]);
    });
  }

  it('the next run removes the stale temporary files of killed runs', async () => {
    const dir = join(tmp.dir, 'trace-stale');
    const out = join(dir, 'out');
    const pid = deadPid();
    mkdirSync(join(out, `.tmp-${pid}`), { recursive: true });
    writeFileSync(join(out, `.tmp-${pid}`, 'run.json'), '{}');
    const trace = join(dir, 'spikes.csv');
    const stale = `${trace}.tmp-${pid}`;
    writeFileSync(stale, 'frame,layer,neuron,t\n0,conv1,3,');
    const r = await cli([...tiny, '--out', out, '--trace-spikes', trace], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(stale)).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(['out', 'spikes.csv']);
    expect(readdirSync(out).filter((f) => f.startsWith('.'))).toEqual([]);
    expect(readFileSync(trace, 'utf8')).toMatch(/^frame,layer,neuron,t\n0,/);
  });
});

describe('unusable output paths fail before any frame runs (item 6)', () => {
  const file = join(tmp.dir, 'a-file');
  writeFileSync(file, 'x');
  const cases: [string, string[], RegExp][] = [
    ['--out ""', ['--out', ''], /--out: empty path/],
    ['--out in /proc', ['--out', '/proc/ttfsim-test'], /--out \/proc\/ttfsim-test: cannot create/],
    ['--out too long', ['--out', join(tmp.dir, 'y'.repeat(256))], /name too long \(256 bytes/],
    ['--out an existing file', ['--out', file], /--out .*a-file: exists and is a file/],
    ['--out below a file', ['--out', join(file, 'sub')], /--out .*: .*a-file is a file/],
    [
      '--trace-spikes in /proc',
      ['--out', join(tmp.dir, 'p'), '--trace-spikes', '/proc/x.csv'],
      /--trace-spikes \/proc\/x\.csv: cannot write/,
    ],
  ];
  it.each(cases)('%s, on a run of minutes, fails in seconds', async (_name, args, pattern) => {
    const before = snapshot(tmp.dir);
    const r = await cli([...long, ...args], cwd);
    expectOneLineError(r, pattern);
    expect(r.ms).toBeLessThan(20_000); // the whole run would take minutes
    expect(snapshot(tmp.dir)).toEqual(before);
  });

  it('sweep --out: an unusable path fails before the plan is built', async () => {
    const spec = join(tmp.dir, 'spec.json');
    writeFileSync(spec, JSON.stringify({ model: 'mnist-cnn', frames: 100, axes: [] }));
    const before = snapshot(tmp.dir);
    for (const [out, pattern] of [
      ['', /--out: empty path/],
      [file, /--out .*a-file: exists and is a file/],
      ['/proc/ttfsim-sweep', /--out \/proc\/ttfsim-sweep: cannot create/],
    ] as const) {
      expectOneLineError(await cli(['sweep', spec, '--out', out], cwd), pattern);
    }
    expect(snapshot(tmp.dir)).toEqual(before);
  });
});
