import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/util/errors.js';
import { JsonFileError, parseJsonStrict } from '../../src/util/json.js';
import {
  checkOutputPath,
  isProcessAlive,
  LOCK_FILE,
  lockOutputFolder,
} from '../../src/util/lock.js';
import { removeStaleTemps } from '../../src/util/reaper.js';
import { tempDir } from '../run/helpers.js';

const tmp = tempDir('ttfsim-lock-');
afterAll(tmp.cleanup);

function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(r.stdout);
}

function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as Error).message;
  }
  throw new Error('expected a UserError');
}

describe('lockOutputFolder', () => {
  it('creates the folder, holds .ttfsim.lock with this pid, and releases it', () => {
    const dir = join(tmp.dir, 'a', 'b');
    const lock = lockOutputFolder(dir, '--out a/b', 'simulate');
    expect(lock.created).toBe(true);
    const info = JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'));
    expect(info).toEqual({ pid: process.pid, host: hostname(), command: 'simulate' });
    expect(messageOf(() => lockOutputFolder(dir, '--out a/b', 'sweep'))).toBe(
      `--out a/b: another ttfsim simulate (pid ${process.pid}) is writing there; wait for it to finish or choose another folder (if no run is using it, delete ${join(dir, LOCK_FILE)})`,
    );
    lock.release();
    // a/ and a/b/ were created by the lock and left empty: removed, a failed run leaves nothing.
    expect(existsSync(join(tmp.dir, 'a'))).toBe(false);
    expect(existsSync(tmp.dir)).toBe(true);
  });

  it('keeps a folder that has content, and an existing folder', () => {
    const dir = join(tmp.dir, 'kept');
    mkdirSync(dir);
    const lock = lockOutputFolder(dir, '--out kept', 'sweep');
    expect(lock.created).toBe(false);
    writeFileSync(join(dir, 'result.csv'), 'x');
    lock.release();
    expect(existsSync(join(dir, 'result.csv'))).toBe(true);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it('takes over the lock of a dead process; respects a live one and another host', () => {
    const dir = join(tmp.dir, 'stale');
    mkdirSync(dir);
    const pid = deadPid();
    expect(isProcessAlive(pid)).toBe(false);
    expect(isProcessAlive(process.pid)).toBe(true);
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid, host: hostname(), command: 'x' }));
    const lock = lockOutputFolder(dir, '--out stale', 'train');
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    lock.release();
    writeFileSync(
      join(dir, LOCK_FILE),
      JSON.stringify({ pid, host: 'another-machine', command: 'sweep' }),
    );
    expect(messageOf(() => lockOutputFolder(dir, '--out stale', 'sweep'))).toMatch(
      new RegExp(`another ttfsim sweep \\(pid ${pid} on another-machine\\)`),
    );
  });

  it('checks paths without writing: empty, too long, a file, below a file', () => {
    const file = join(tmp.dir, 'f');
    writeFileSync(file, '');
    expect(messageOf(() => checkOutputPath('', '--out'))).toBe(
      '--out: empty path; give a folder name',
    );
    expect(messageOf(() => checkOutputPath(join(tmp.dir, 'n'.repeat(256)), '--out x'))).toMatch(
      /^--out x: name too long \(256 bytes; at most 255/,
    );
    expect(messageOf(() => checkOutputPath(file, '--out f'))).toBe('--out f: exists and is a file');
    expect(messageOf(() => checkOutputPath(join(file, 'x'), '--out f/x'))).toBe(
      `--out f/x: ${file} is a file`,
    );
    expect(messageOf(() => checkOutputPath(tmp.dir, '--trace-spikes d', 'file'))).toBe(
      '--trace-spikes d: is a folder; expected a file name',
    );
    expect(checkOutputPath(file, '--trace-spikes f', 'file')).toBe(file);
    expect(messageOf(() => lockOutputFolder('/proc/ttfsim-lock-test', '--out p', 'x'))).toMatch(
      /^--out p: cannot create the folder: /,
    );
  });

  it('removeStaleTemps removes FILE.tmp-<pid> of dead processes only', () => {
    const file = join(tmp.dir, 'trace.csv');
    const dead = `${file}.tmp-${deadPid()}`;
    const live = `${file}.tmp-${process.pid}`;
    const other = `${file}.tmp-notapid`;
    for (const p of [dead, live, other]) writeFileSync(p, 'x');
    expect(removeStaleTemps(file)).toEqual([dead.slice(tmp.dir.length + 1)]);
    expect([existsSync(dead), existsSync(live), existsSync(other)]).toEqual([false, true, true]);
  });
});

describe('parseJsonStrict', () => {
  const err = (text: string) => {
    try {
      parseJsonStrict(text);
    } catch (e) {
      expect(e).toBeInstanceOf(JsonFileError);
      return (e as Error).message;
    }
    return 'parsed';
  };

  it('parses JSON as JSON.parse does', () => {
    const text = '{"a": [1, 2.5, "x", null, true], "b": {"c": {}}}';
    expect(parseJsonStrict(text)).toEqual(JSON.parse(text));
    expect(parseJsonStrict('[{"a": 1}, {"a": 1}]')).toEqual([{ a: 1 }, { a: 1 }]);
  });

  it('refuses a key given twice at any depth, by line and column', () => {
    expect(err('{"a": 1, "a": 2}')).toBe('line 1, column 10: duplicate key "a"');
    expect(err('{\n "x": {"w": 1,\n  "w": 2}}')).toBe('line 3, column 3: duplicate key "w"');
  });

  it('reports syntax errors by position only, never quoting the text', () => {
    const secret = 'root:x:0:0:SECRET';
    expect(err(secret)).toBe('line 1, column 1: unexpected character');
    expect(err('{"a": 1,}')).toMatch(/^line 1, column 9: /);
    expect(err('{"a": 1} // c')).toMatch(/^line 1, column 10: comments are not allowed/);
    expect(err('')).toMatch(/^line 1, column 1: expected a value/);
    for (const t of [secret, `{"k": SECRET}`, `["SECRET`]) expect(err(t)).not.toContain('SECRET');
  });
});
