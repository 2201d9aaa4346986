/**
 * Worker-thread entry of the data-parallel engine (engine.ts): builds a compute context over
 * the shared buffers it is given and answers `grad` and `eval` requests.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type AugmentFlags, ComputeContext, type SharedSetup } from './shard.js';
import type { BatchStats, LossOptions } from './workspace.js';

type Request =
  | {
      id: number;
      kind: 'grad';
      shards: number[];
      batchSize: number;
      loss: LossOptions;
      aug: AugmentFlags;
    }
  | {
      id: number;
      kind: 'eval';
      split: 'train' | 'test';
      chunks: [number, number][];
      loss: LossOptions;
    };

const ctx = new ComputeContext(workerData as SharedSetup);

parentPort!.on('message', (req: Request) => {
  try {
    let stats: BatchStats[];
    if (req.kind === 'grad') {
      stats = req.shards.map((s) => ctx.gradShard(s, req.batchSize, req.loss, req.aug));
    } else {
      stats = req.chunks.map(([start, n]) => ctx.evalChunk(req.split, start, n, req.loss));
    }
    parentPort!.postMessage({ id: req.id, stats });
  } catch (err) {
    parentPort!.postMessage({ id: req.id, error: (err as Error).stack ?? String(err) });
  }
});
