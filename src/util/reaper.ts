/**
 * Temporary files removed when this process dies, however it dies (SIGINT, SIGTERM, SIGKILL,
 * a crash). A handler inside the process cannot do it: the simulation runs synchronously, and a
 * JavaScript signal handler would wait for it to finish (and make Ctrl-C wait too). Instead a
 * small watcher process is started on first use; it is told over a pipe which paths to remove,
 * and when the pipe closes (this process is gone) it removes the paths still registered. The
 * watcher ignores SIGINT, SIGTERM and SIGHUP, so that a Ctrl-C sent to the whole process group
 * does not stop it before it has cleaned up. When it cannot be started, nothing else changes:
 * the next run removes the stale files it owns (see `removeStaleTemps`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { isProcessAlive } from './lock.js';

const WATCHER = `
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, () => {});
const fs = require('node:fs');
const paths = new Set();
let buf = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => {
  buf += d;
  for (let i = buf.indexOf('\\n'); i >= 0; i = buf.indexOf('\\n')) {
    const line = buf.slice(0, i);
    buf = buf.slice(i + 1);
    const p = JSON.parse(line.slice(1));
    if (line[0] === '+') paths.add(p); else paths.delete(p);
  }
});
const done = () => {
  for (const p of paths) { try { fs.rmSync(p, { force: true, recursive: true }); } catch {} }
  process.exit(0);
};
process.stdin.on('end', done);
process.stdin.on('error', done);
`;

let watcher: ChildProcess | null | undefined;

function send(line: string): void {
  if (watcher === undefined) {
    try {
      watcher = spawn(process.execPath, ['-e', WATCHER], {
        stdio: ['pipe', 'ignore', 'ignore'],
        env: { ...process.env, NODE_OPTIONS: '' },
      });
      watcher.on('error', () => {
        watcher = null;
      });
      watcher.stdin?.on('error', () => {});
      watcher.unref();
      (watcher.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    } catch {
      watcher = null;
    }
  }
  watcher?.stdin?.write(`${line}\n`);
}

/** Removes `path` (file or folder) if this process dies before {@link keepPath} is called. */
export function removeOnDeath(path: string): void {
  send(`+${JSON.stringify(path)}`);
}

/** Forgets a path given to {@link removeOnDeath} (it was committed or removed). */
export function keepPath(path: string): void {
  send(`-${JSON.stringify(path)}`);
}

/**
 * Removes the temporary files `<file>.tmp-<pid>` left by runs that were killed (their pid no
 * longer alive); returns the names removed.
 */
export function removeStaleTemps(file: string): string[] {
  const dir = dirname(file);
  const prefix = `${basename(file)}.tmp-`;
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length));
    if (!Number.isSafeInteger(pid) || pid === process.pid || isProcessAlive(pid)) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
