/**
 * `ttfsim train --out` (issue 15), through the CLI in child processes: a folder that holds a
 * checkpoint is refused without --resume or --force (item 2); a folder another run holds is
 * refused at once (item 3); options given again on --resume are applied and recorded in the
 * checkpoint's `changes` and the model's provenance, and the ones that cannot change are
 * refused (item 4).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCK_FILE } from '../../src/util/lock.js';
import { cli, expectOneLineError, snapshot } from '../cli/helpers.js';
import { writeTinySet } from './tinyData.js';

const tiny = writeTinySet(64, 16);
const args = (out: string, ...more: string[]) => [
  'train',
  '--model',
  tiny.manifest,
  '--data',
  tiny.dataDir,
  '--epochs',
  '1',
  '--batch',
  '16',
  '--workers',
  '1',
  '--out',
  out,
  ...more,
];
const json = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

describe('ttfsim train --out', () => {
  it('refuses a folder with a checkpoint unless --resume or --force (item 2)', async () => {
    const out = join(tiny.dir, 'twice');
    const first = await cli(args(out), tiny.dir);
    expect(first.code, first.stderr).toBe(0);
    const before = snapshot(out);
    expect(Object.keys(before)).toContain('checkpoint.json');
    const again = await cli(args(out), tiny.dir);
    expectOneLineError(
      again,
      /twice\/checkpoint\.json: a training run is there; continue it with --resume, or start over with --force/,
    );
    expect(snapshot(out)).toEqual(before);
    const forced = await cli(args(out, '--force'), tiny.dir);
    expect(forced.code, forced.stderr).toBe(0);
    expect(json(join(out, 'checkpoint.json')).epoch).toBe(1);
  });

  it('refuses a folder another run holds, at once (item 3)', async () => {
    const out = join(tiny.dir, 'held');
    mkdirSync(out);
    // This test process is alive on this host: its lock is held, not stale.
    const lock = { pid: process.pid, host: hostname(), command: 'train' };
    writeFileSync(join(out, LOCK_FILE), JSON.stringify(lock));
    const before = snapshot(out);
    const r = await cli(args(out), tiny.dir);
    expectOneLineError(
      r,
      new RegExp(`--out .*held: another ttfsim train \\(pid ${process.pid}\\) is writing there`),
    );
    expect(snapshot(out)).toEqual(before);
  });

  it('--resume applies changed options and records them; fixed ones are refused (item 4)', async () => {
    const out = join(tiny.dir, 'resumed');
    expect((await cli(args(out, '--lr', '1e-3'), tiny.dir)).code).toBe(0);
    const before = snapshot(out);
    const fixed = await cli(args(out, '--resume', '--seed', '5'), tiny.dir);
    expectOneLineError(
      fixed,
      /--resume: train\.seed is 1 in the checkpoint and cannot change mid-run \(given 5\); start a new run in another --out/,
    );
    expect(snapshot(out)).toEqual(before);

    const r = await cli(args(out, '--resume', '--epochs', '2', '--lr', '5e-4'), tiny.dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('resume: train.optimizer.lr 0.001 -> 0.0005 from here on');
    const cp = json(join(out, 'checkpoint.json'));
    expect(cp.epoch).toBe(2);
    const changes = cp.config.config.changes as { option: string; from: unknown; to: unknown }[];
    expect(changes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ option: 'train.optimizer.lr', from: 0.001, to: 0.0005 }),
        expect.objectContaining({ option: 'train.epochs', from: 1, to: 2 }),
      ]),
    );
    expect(cp.config.config.train.optimizer.lr).toBe(0.0005);
    const model = json(join(out, 'tiny.json'));
    expect(model.provenance.notes).toContain(
      'changed on --resume after snn epoch 1: train.optimizer.lr 0.001 -> 0.0005',
    );
    expect(model.provenance.epochs).toBe(2);
  });
});
