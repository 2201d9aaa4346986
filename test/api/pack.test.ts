/**
 * The package as a user gets it (issue 21): `npm pack`, installed with npm into a fresh folder
 * from the local tarball and npm's cache (no network), imported from plain Node ESM and from
 * TypeScript (`ttfsim` and `ttfsim/testing`, type-checked against the shipped declarations,
 * with the examples of docs/api.md),
 * and the property of examples/property-test run there with the user's own vitest.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/util/version.js';
import { tempDir } from '../run/helpers.js';
import { installOffline } from './offlineInstall.js';

const tmp = tempDir('ttfsim-pack-');
afterAll(tmp.cleanup);
const EXAMPLE = join(PROJECT_ROOT, 'examples', 'property-test');
const user = join(tmp.dir, 'user');

/** The environment of a user's shell: none of this test runner's variables. */
function userEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(VITEST|NODE_OPTIONS|TEST$|npm_)/.test(k)) env[k] = v;
  }
  return { ...env, TTFSIM_CACHE_DIR: 'off', PROPERTY_RUNS: '10' };
}

function run(cmd: string, args: string[], cwd: string) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: userEnv(), timeout: 300_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

let files: string[] = [];
let tarball = '';

beforeAll(() => {
  // dist/ is built by `npm ci` (prepare); the declarations are part of that build.
  if (!existsSync(join(PROJECT_ROOT, 'dist', 'api', 'index.d.ts'))) {
    const b = run('npx', ['tsc', '-p', 'tsconfig.build.json'], PROJECT_ROOT);
    expect(existsSync(join(PROJECT_ROOT, 'dist', 'api', 'index.d.ts')), b.out).toBe(true);
  }
  const p = run(
    'npm',
    ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp.dir],
    PROJECT_ROOT,
  );
  expect(p.status, p.out).toBe(0);
  const info = JSON.parse(p.out.slice(p.out.indexOf('['))) as {
    filename: string;
    files: { path: string }[];
  }[];
  tarball = join(tmp.dir, info[0]!.filename);
  files = info[0]!.files.map((f) => f.path);
  cpSync(EXAMPLE, user, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(EXAMPLE, 'package.json'), 'utf8'));
  const inst = installOffline(user, tarball, manifest);
  expect(inst.status, inst.output).toBe(0);
}, 300_000);

describe('npm pack', () => {
  it('holds what a user needs and nothing else', () => {
    for (const f of [
      'package.json',
      'README.md',
      'dist/api/index.js',
      'dist/api/index.d.ts',
      'dist/testing/index.js',
      'dist/testing/index.d.ts',
      'dist/cli/main.js',
      'dist/wasm/sops.wasm',
      'hardware-configs/mesh22nm.json',
      'models/mnist-cnn.json',
      'models/mnist-cnn.safetensors',
    ])
      expect(files, f).toContain(f);
    const stray = files.filter((f) =>
      /^(src|test|bench|results|runs|examples|docs|etc|\.ci)\/|\.map$|\.test\.|tsconfig/.test(f),
    );
    expect(stray).toEqual([]);
  });
});

describe('installed from the tarball, offline', () => {
  it('imports ttfsim and ttfsim/testing from plain Node ESM', () => {
    const r = run('node', ['esm-check.mjs'], user);
    expect(r.status, r.out).toBe(0);
    const out = JSON.parse(r.out.trim().split('\n').at(-1)!);
    expect(out).toMatchObject({ chip: 'my-chip', mapNetwork: 'function', arbitraries: true });
    expect(out.frames).toBe(1);
    expect(out.sops).toBeGreaterThan(0);
  });

  it("type-checks a TypeScript user of both entry points, and docs/api.md's examples, against the shipped declarations", () => {
    // Every ```ts block of docs/api.md becomes a module of the user's project.
    const doc = readFileSync(join(PROJECT_ROOT, 'docs', 'api.md'), 'utf8');
    const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThanOrEqual(7);
    blocks.forEach((code, i) => {
      writeFileSync(join(user, `api-doc-${i}.ts`), `${code}\nexport {};\n`);
    });
    const r = run('npx', ['tsc', '--noEmit', '-p', 'tsconfig.json'], user);
    expect(r.status, r.out).toBe(0);
  });

  it("runs the example's property with the user's vitest and fast-check", () => {
    const r = run('npx', ['vitest', 'run'], user);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toMatch(/3 passed/);
  });
});
