/**
 * The CLI as a user runs it: a child process from the sources, in a working folder of the
 * test's choosing, with its exit code or signal, its output and its wall time; and snapshots of
 * a folder tree to check that nothing was written or changed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { CLI, TSX_IMPORT } from '../sweep/helpers.js';

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Starts `ttfsim ...args` in `cwd`; `done` resolves when it has exited. */
export function startCli(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): { child: ChildProcess; done: Promise<CliRun> } {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--import', TSX_IMPORT, CLI, ...args], {
    cwd,
    env: { ...process.env, TTFSIM_DEBUG: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const done = new Promise<CliRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ code, signal, stdout, stderr, ms: performance.now() - t0 }),
    );
  });
  return { child, done };
}

export function cli(args: string[], cwd: string, env?: Record<string, string>): Promise<CliRun> {
  return startCli(args, cwd, env).done;
}

/** Asserts the project's bad-input contract: exit 2, one `ttfsim: error:` line, no trace. */
export function expectOneLineError(r: CliRun, pattern: RegExp): void {
  const lines = r.stderr.trimEnd().split('\n');
  expect(r.code, r.stderr).toBe(2);
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^ttfsim: error: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stdout).toBe('');
}

/** Every file and folder below `dir` with its size, mode and modification time. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const r = rel === '' ? name : `${rel}/${name}`;
      const st = lstatSync(p);
      out[r] = `${st.isDirectory() ? 'dir' : st.size} ${st.mode} ${st.mtimeMs}`;
      if (st.isDirectory() && !st.isSymbolicLink()) walk(p, r);
    }
  };
  walk(dir, '');
  return out;
}

/** Polls `test` every 20 ms until it holds or `ms` pass; returns whether it held. */
export async function waitFor(test: () => boolean, ms = 60_000): Promise<boolean> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    if (test()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return test();
}

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}
