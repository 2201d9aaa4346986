/**
 * Worker-thread entry of the sweep pool: receives `{ point }` messages, runs each with the runner
 * its spec chose and answers `{ ok: true, result }` or `{ ok: false, message, userError }`.
 * Loaded from `worker.ts` (sources, through tsx) or `worker.js` (dist); see `pool.ts`.
 */
import { parentPort } from 'node:worker_threads';
import { UserError } from '../util/errors.js';
import type { SweepPoint } from './points.js';
import { runPointByName } from './runners.js';

const port = parentPort;
if (port === null) throw new Error('src/sweep/worker.ts must run in a worker thread');

port.on('message', async (msg: { point: SweepPoint }) => {
  try {
    const result = await runPointByName(msg.point);
    port.postMessage({ ok: true, result });
  } catch (err) {
    port.postMessage({
      ok: false,
      message: err instanceof Error ? err.message : String(err),
      userError: err instanceof UserError,
    });
  }
});
