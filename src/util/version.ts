import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project root (where package.json, models/ and hardware-configs/ live): the nearest folder
 * above this file whose package.json is ttfsim's. Found by walking up, so that the same code
 * works from src/ (tsx, vitest), dist/ (the CLI) and the compiled benchmarks (.bench-build/src/).
 */
function findProjectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (
      existsSync(pkg) &&
      (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'ttfsim'
    ) {
      return dir;
    }
    const up = dirname(dir);
    if (up === dir)
      throw new Error(`no ttfsim package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

export const PROJECT_ROOT = findProjectRoot();

/** ttfsim's version, from package.json; recorded in every results file. */
export const VERSION: string = (
  JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;
