/**
 * Runs every benchmark in bench/ one after another (or those named on the command line:
 * `npm run bench -- sim noc`). Each prints its own figures and ratios; nothing here is a test.
 *
 * `npm run bench` first compiles src/ and bench/ with tsc into `.bench-build/` and runs the
 * JavaScript, as the CLI runs dist/: under tsx every module is transpiled to CommonJS and each
 * access to an imported binding goes through a getter, which costs the hot loops 15-30%.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** `.js` when running compiled (`npm run bench`), `.ts` under tsx. */
const ext = fileURLToPath(import.meta.url).endsWith('.js') ? '.js' : '.ts';
const all = readdirSync(here)
  .filter((f) => f.endsWith(ext) && f !== `run${ext}`)
  .map((f) => f.slice(0, -ext.length))
  .sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length > 0) {
  process.stderr.write(
    `unknown benchmark(s): ${unknown.join(', ')}; available: ${all.join(', ')}\n`,
  );
  process.exit(2);
}
let failed = 0;
for (const name of wanted.length > 0 ? wanted : all) {
  process.stdout.write(`\n=== bench/${name}.ts ===\n`);
  const args =
    ext === '.js' ? [join(here, `${name}.js`)] : ['--import', 'tsx', join(here, `${name}.ts`)];
  const r = spawnSync(process.execPath, args, {
    stdio: 'inherit',
  });
  if (r.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
