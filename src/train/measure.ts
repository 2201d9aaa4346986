/**
 * Accuracy and sparsity of a network on a labeled set with the reference semantics
 * (exact.ts: the reference's fixed-point arithmetic, bit for bit), spread over worker threads.
 */
import type { Network } from '../snn/network.js';
import { siblingModule, spawnWorker } from '../util/worker.js';
import { ExactForward, type ExactStats } from './exact.js';

export interface Measured {
  frames: number;
  correct: number;
  accuracy: number;
  /** Weighted spikes per neuron per frame (the paper's sparsity). */
  sparsity: number;
}

export async function measureExact(
  net: Network,
  images: Float32Array,
  labels: Uint8Array,
  count: number,
  opts: { stepsPerWindow?: number | null; workers?: number } = {},
): Promise<Measured> {
  const steps = opts.stepsPerWindow || null;
  const fwd = new ExactForward(net, steps);
  const workers = Math.max(1, opts.workers ?? 1);
  const size = images.length / labels.length;
  let parts: ExactStats[];
  if (workers === 1) {
    parts = [fwd.batch(images, labels, 0, count)];
  } else {
    const url = siblingModule(import.meta.url, 'exactWorker');
    parts = await Promise.all(
      Array.from({ length: workers }, (_, w) => {
        const s0 = Math.floor((w * count) / workers);
        const s1 = Math.floor(((w + 1) * count) / workers);
        const worker = spawnWorker(url, {
          net,
          stepsPerWindow: steps,
          images: images.slice(s0 * size, s1 * size),
          labels: labels.slice(s0, s1),
        });
        return new Promise<ExactStats>((resolve, reject) => {
          worker.once('message', (m: ExactStats) => {
            void worker.terminate();
            resolve(m);
          });
          worker.once('error', reject);
        });
      }),
    );
  }
  const frames = parts.reduce((s, p) => s + p.frames, 0);
  const correct = parts.reduce((s, p) => s + p.correct, 0);
  const spikes = parts.reduce((s, p) => s + p.spikes, 0);
  return {
    frames,
    correct,
    accuracy: frames > 0 ? correct / frames : 0,
    sparsity: frames > 0 ? spikes / frames / fwd.neuronCount : 0,
  };
}
