/**
 * A small pool of worker threads that run sweep points, one point per worker at a time. Workers
 * run both from the TypeScript sources (tests, `npx tsx`, `node --import tsx`: `spawnWorker`
 * registers tsx in the thread) and from `dist/` (the built CLI).
 */
import type { Worker } from 'node:worker_threads';
import { UserError } from '../util/errors.js';
import { siblingModule, spawnWorker } from '../util/worker.js';
import type { SweepPoint } from './points.js';
import type { PointResult } from './results.js';
import type { PointRunner } from './runners.js';

/** Starts one sweep worker thread (`worker.ts` from sources through tsx, `worker.js` from dist). */
export function startSweepWorker(): Worker {
  return spawnWorker(siblingModule(import.meta.url, 'worker'), null);
}

/** The worker thread itself failed (crashed or exited), not the point's computation. */
export class WorkerDied extends Error {}

type Reply = { ok: true; result: PointResult } | { ok: false; message: string; userError: boolean };

/** Runs one point on `worker`; rejects if the worker dies. */
function runOn(worker: Worker, point: SweepPoint): Promise<PointResult> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (reply: Reply) => {
      cleanup();
      if (reply.ok) resolve(reply.result);
      else reject(reply.userError ? new UserError(reply.message) : new Error(reply.message));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(new WorkerDied(`sweep worker crashed: ${err.message}`));
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new WorkerDied(`sweep worker exited with code ${code}`));
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.postMessage({ point });
  });
}

/**
 * A point runner backed by `size` worker threads. `run` may be called concurrently up to `size`
 * times; `close` terminates the threads. A worker that dies is replaced.
 */
export function workerPool(size: number): { run: PointRunner; close: () => Promise<void> } {
  const idle: Worker[] = [];
  const all = new Set<Worker>();
  const take = (): Worker => {
    const w = idle.pop();
    if (w !== undefined) return w;
    if (all.size >= size) throw new Error('sweep pool: more concurrent points than workers');
    const fresh = startSweepWorker();
    all.add(fresh);
    return fresh;
  };
  const run: PointRunner = async (point) => {
    const w = take();
    try {
      const result = await runOn(w, point);
      idle.push(w);
      return result;
    } catch (err) {
      if (err instanceof WorkerDied) {
        all.delete(w);
        void w.terminate();
      } else {
        idle.push(w); // the point failed, the worker is fine
      }
      throw err;
    }
  };
  const close = async () => {
    await Promise.all([...all].map((w) => w.terminate()));
    all.clear();
    idle.length = 0;
  };
  return { run, close };
}
