import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread running the module at `url` with `data` as its `workerData`.
 *
 * In development and tests the sources are TypeScript (`import.meta.url` of a `.ts` file): the
 * worker then registers tsx's loader first (`tsx/esm/api`, resolved from this package) and
 * imports the module through it; `execArgv: ['--import', 'tsx']` alone does not reach a worker's
 * entry module on Node 20. From the built `dist/` the worker file ends in `.js` and runs as is.
 */
export function spawnWorker(url: URL, data: unknown): Worker {
  const isTs = url.pathname.endsWith('.ts') || url.pathname.endsWith('.mts');
  if (!isTs) return new Worker(url, { workerData: data });
  const api = pathToFileURL(
    createRequire(import.meta.url)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(boot, { eval: true, workerData: data });
}

/**
 * The URL of a sibling module of `base` (an `import.meta.url`) named `name` without extension,
 * with the extension `base` has (`.ts` from sources, `.js` from dist/).
 */
export function siblingModule(base: string, name: string): URL {
  const ext = new URL(base).pathname.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./${name}${ext}`, base);
}
