/**
 * Worker-thread entry of the frame pool (framePool.ts): prepares the run's simulation from its
 * `workerData` ({@link FrameWorkerInit}) and says `{ ready: true }`, then answers each
 * `{ first, count, inputs, reuse }` with the frames' computed spikes, `{ first, count, data }`
 * (frameSpikes.ts layout, written into `reuse` when given, the buffer transferred), or
 * `{ error, userError }`. Loaded from `frameWorker.ts` (sources, through tsx) or `frameWorker.js`
 * (dist).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FrameSpikes } from '../sim/frameSpikes.js';
import { prepareSimulation } from '../sim/setup.js';
import { UserError } from '../util/errors.js';
import type { FrameBatchRequest, FrameWorkerInit, FrameWorkerReply } from './framePool.js';

const port = parentPort;
if (port === null) throw new Error('src/run/frameWorker.ts must run in a worker thread');

function fail(err: unknown): void {
  const reply: FrameWorkerReply = {
    error: err instanceof Error ? err.message : String(err),
    userError: err instanceof UserError,
  };
  port!.postMessage(reply);
}

let frames: FrameSpikes | null = null;
let frameSize = 0;
try {
  const init = workerData as FrameWorkerInit;
  const setup = prepareSimulation(init.network, init.hw, init.options);
  frames = new FrameSpikes(setup);
  frameSize = setup.stages[0]!.size;
  const ready: FrameWorkerReply = { ready: true };
  port.postMessage(ready);
} catch (err) {
  fail(err);
}

port.on('message', (msg: FrameBatchRequest) => {
  if (frames === null) return;
  try {
    const length = frames.layout.length;
    // Every value of a frame is written (FrameSpikesLayout.pack), so a reused buffer needs no clearing.
    const n = msg.count * length;
    const data =
      msg.reuse !== null && msg.reuse.byteLength >= n * 8
        ? new Float64Array(msg.reuse, 0, n)
        : new Float64Array(n);
    for (let i = 0; i < msg.count; i++) {
      frames.run(msg.inputs.subarray(i * frameSize, (i + 1) * frameSize), data, i * length);
    }
    const reply: FrameWorkerReply = { first: msg.first, count: msg.count, data };
    port.postMessage(reply, [data.buffer]);
  } catch (err) {
    fail(err);
  }
});
