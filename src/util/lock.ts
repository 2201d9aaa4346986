/**
 * One run at a time per output folder. `lockOutputFolder(dir)` checks that `dir` can be an
 * output folder (a name, not too long, not a file, somewhere writable), creates it when missing
 * and takes `<dir>/.ttfsim.lock`, before any work starts; a second run on the same folder fails
 * at once with a line that names the holder. `simulate`, `sweep` and `train` take it.
 *
 * The lock file is written whole to a temporary name and then hard-linked to `.ttfsim.lock`
 * (link fails when the name exists), so a reader never sees a half-written lock. It holds the
 * holder's pid, host and command. A lock whose holder is gone (same host, pid no longer alive:
 * the run was killed) is stale and is taken over. A lock from another host cannot be checked
 * and is respected; the message names the file to delete if that run is gone. (Two runs taking
 * over the same stale lock in the same instant could both win; the window is microseconds.)
 */
import {
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { UserError } from './errors.js';

export const LOCK_FILE = '.ttfsim.lock';

/** Longest file or folder name (bytes) and path (bytes) Linux and macOS accept. */
const NAME_MAX_BYTES = 255;
const PATH_MAX_BYTES = 4095;

interface LockInfo {
  pid: number;
  host: string;
  command: string;
}

export interface FolderLock {
  /** Absolute path of the folder. */
  dir: string;
  /** Whether the folder was created by this lock (it is removed on release when left empty). */
  created: boolean;
  release(): void;
}

/** True when a process with this pid exists on this machine. */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  ENOENT: 'cannot be created there',
  ENOTDIR: 'a part of the path is a file',
  ENAMETOOLONG: 'name too long',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EEXIST: 'exists',
};

/** A file-system error in words (`permission denied`), without the path or the raw message. */
export function fsReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  return REASONS[code] ?? (err as Error).message;
}

/**
 * Checks an output path without writing anything: not empty, names and path not too long, below
 * a folder, and (`kind`) not an existing file for a folder or an existing folder for a file.
 * `label` names it in errors (`--out results/x`). Returns the absolute path.
 */
export function checkOutputPath(
  path: string,
  label: string,
  kind: 'folder' | 'file' = 'folder',
): string {
  if (path.trim() === '') {
    throw new UserError(
      `${label.trimEnd()}: empty path; give a ${kind === 'file' ? 'file' : 'folder'} name`,
    );
  }
  const abs = resolve(path);
  if (Buffer.byteLength(abs) > PATH_MAX_BYTES) {
    throw new UserError(
      `${label}: path too long (${Buffer.byteLength(abs)} bytes; at most ${PATH_MAX_BYTES})`,
    );
  }
  const long = abs.split(sep).find((p) => Buffer.byteLength(p) > NAME_MAX_BYTES);
  if (long !== undefined) {
    throw new UserError(
      `${label}: name too long (${Buffer.byteLength(long)} bytes; at most ${NAME_MAX_BYTES} per file or folder name)`,
    );
  }
  let existing = abs;
  while (!existsSync(existing)) existing = dirname(existing);
  const isDir = statSync(existing).isDirectory();
  if (existing === abs && kind === 'file') {
    if (isDir) throw new UserError(`${label}: is a folder; expected a file name`);
  } else if (!isDir) {
    throw new UserError(
      existing === abs ? `${label}: exists and is a file` : `${label}: ${existing} is a file`,
    );
  }
  return abs;
}

/**
 * `mkdir -p`, one level at a time; returns the first folder created. (Node's own recursive
 * mkdirSync never returns for a path below /proc: it retries ENOENT forever.)
 */
function makeFolders(dir: string): string | undefined {
  const missing: string[] = [];
  for (let d = dir; !existsSync(d); d = dirname(d)) missing.unshift(d);
  for (const d of missing) mkdirSync(d);
  return missing[0];
}

function readLock(path: string): LockInfo | null {
  try {
    const info = JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
    return typeof info.pid === 'number' ? info : null;
  } catch {
    return null;
  }
}

/** Writes the lock file whole, then links it into place; false when a lock is already there. */
function tryLink(lockPath: string, info: LockInfo): boolean {
  const tmp = `${lockPath}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(info)}\n`);
  try {
    linkSync(tmp, lockPath);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/**
 * Takes the lock on output folder `path` (created when missing) for `command`; see the file
 * comment. Every problem is a `UserError` naming `label`; nothing is left behind on failure.
 */
export function lockOutputFolder(path: string, label: string, command: string): FolderLock {
  const dir = checkOutputPath(path, label);
  let created = false;
  let firstCreated: string | undefined;
  const undo = () => {
    if (firstCreated !== undefined) rmSync(firstCreated, { recursive: true, force: true });
  };
  try {
    firstCreated = makeFolders(dir);
    created = firstCreated !== undefined;
  } catch (err) {
    undo();
    throw new UserError(`${label}: cannot create the folder: ${fsReason(err)}`);
  }
  const lockPath = join(dir, LOCK_FILE);
  const info: LockInfo = {
    pid: process.pid,
    host: hostname(),
    command,
  };
  try {
    for (let attempt = 0; ; attempt++) {
      if (tryLink(lockPath, info)) break;
      const holder = readLock(lockPath);
      const stale =
        holder !== null &&
        holder.host === info.host &&
        holder.pid !== process.pid &&
        !isProcessAlive(holder.pid);
      if (!stale || attempt > 2) {
        const who =
          holder === null
            ? 'another ttfsim run'
            : `another ttfsim ${holder.command} (pid ${holder.pid}${holder.host === info.host ? '' : ` on ${holder.host}`})`;
        throw new UserError(
          `${label}: ${who} is writing there; wait for it to finish or choose another folder (if no run is using it, delete ${lockPath})`,
        );
      }
      rmSync(lockPath, { force: true });
    }
  } catch (err) {
    undo();
    if (err instanceof UserError) throw err;
    throw new UserError(`${label}: cannot write there: ${fsReason(err)}`);
  }
  let held = true;
  return {
    dir,
    created,
    release() {
      if (!held) return;
      held = false;
      if (readLock(lockPath)?.pid === process.pid) rmSync(lockPath, { force: true });
      // Folders this lock created and that are still empty go again (a failed run leaves none).
      if (firstCreated !== undefined) {
        for (let d = dir; ; d = dirname(d)) {
          try {
            if (readdirSync(d).length > 0) break;
            rmdirSync(d);
          } catch {
            break; // already gone
          }
          if (d === firstCreated) break;
        }
      }
    },
  };
}
