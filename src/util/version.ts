import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project root (where package.json, models/ and hardware-configs/ live): the nearest folder
 * above this file whose package.json is ttfsim's, found by walking up, so that the same code
 * works from src/ (tsx, vitest), dist/ (the CLI) and the compiled benchmarks (.bench-build/src/);
 * with the version that package.json gives.
 */
function findProject(): { root: string; version: string } {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      const json = JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string; version: string };
      if (json.name === 'ttfsim') return { root: dir, version: json.version };
    }
    const up = dirname(dir);
    if (up === dir)
      throw new Error(`no ttfsim package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

const project = findProject();

export const PROJECT_ROOT = project.root;

/** ttfsim's version, from package.json; recorded in every results file. */
export const VERSION: string = project.version;
