// Packs the package as `npm publish` would (without re-running the build: `dist/` is built by
// `npm ci`'s prepare) and checks the tarball with Are the Types Wrong? (ESM only: the CJS and
// node10 resolutions are out of scope for an ESM package). Exit code: attw's.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'ttfsim-attw-'));
try {
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
    encoding: 'utf8',
  });
  const tarball = join(dir, JSON.parse(out)[0].filename);
  const r = spawnSync('npx', ['attw', tarball, '--profile', 'esm-only'], { stdio: 'inherit' });
  process.exitCode = r.status ?? 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
