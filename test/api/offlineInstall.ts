/**
 * Installs a packed tarball into a fresh folder with npm and no network: `npm ci --offline`
 * from a lockfile made of the project's own (the dependency versions `npm ci` put into npm's
 * cache when the project was installed), so every package comes from the local cache and
 * ttfsim from the tarball, exactly as npm installs it for a user.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { PROJECT_ROOT } from '../../src/util/version.js';

interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [k: string]: unknown;
}

/** Where `name` resolves from the package at `from` (Node's walk up the node_modules folders). */
function resolveIn(pkgs: Record<string, LockEntry>, from: string, name: string): string | null {
  let dir = from;
  for (;;) {
    const at = `${dir === '' ? '' : `${dir}/`}node_modules/${name}`;
    if (pkgs[at] !== undefined) return at;
    if (dir === '') return null;
    const i = dir.lastIndexOf('/node_modules/');
    dir = i < 0 ? '' : dir.slice(0, i);
  }
}

/** The project lockfile's entries reachable from `roots` (names), with their paths. */
function closure(pkgs: Record<string, LockEntry>, roots: string[]): Record<string, LockEntry> {
  const out: Record<string, LockEntry> = {};
  const todo: [string, string, boolean][] = roots.map((n) => ['', n, false]);
  while (todo.length > 0) {
    const [from, name, optional] = todo.pop()!;
    const at = resolveIn(pkgs, from, name);
    if (at === null) {
      if (optional) continue;
      throw new Error(
        `offline install: ${name} (needed by ${from || 'the root'}) is not in package-lock.json`,
      );
    }
    if (out[at] !== undefined) continue;
    const e = pkgs[at]!;
    out[at] = e;
    for (const d of Object.keys(e.dependencies ?? {})) todo.push([at, d, false]);
    for (const d of Object.keys(e.optionalDependencies ?? {})) todo.push([at, d, true]);
    for (const d of Object.keys(e.peerDependencies ?? {}))
      todo.push([at, d, e.peerDependenciesMeta?.[d]?.optional === true]);
  }
  return out;
}

/**
 * Writes `dir/package.json` (the example's, with ttfsim from the tarball) and a lockfile, then
 * runs `npm ci --offline` in `dir`. Returns npm's exit status and output.
 */
export function installOffline(
  dir: string,
  tarball: string,
  manifest: { devDependencies?: Record<string, string>; [k: string]: unknown },
): { status: number | null; output: string } {
  const tgz = basename(tarball);
  copyFileSync(tarball, join(dir, tgz));
  const project = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const ttfsim = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as LockEntry;
  const dev = manifest.devDependencies ?? {};
  const deps = { ttfsim: `file:${tgz}` };
  const pkg = { ...manifest, dependencies: deps, devDependencies: dev };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  const packages: Record<string, unknown> = {
    '': { name: manifest.name, dependencies: deps, devDependencies: dev },
    'node_modules/ttfsim': {
      version: ttfsim.version,
      resolved: `file:${tgz}`,
      integrity: `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`,
      license: ttfsim.license,
      dependencies: ttfsim.dependencies,
      peerDependencies: ttfsim.peerDependencies,
      peerDependenciesMeta: ttfsim.peerDependenciesMeta,
      bin: ttfsim.bin,
      engines: ttfsim.engines,
    },
    ...closure(project.packages, [...Object.keys(ttfsim.dependencies ?? {}), ...Object.keys(dev)]),
  };
  const lock = { name: manifest.name, lockfileVersion: 3, requires: true, packages };
  writeFileSync(join(dir, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
  const r = spawnSync('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, npm_config_offline: 'true' },
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}
