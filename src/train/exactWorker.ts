/** Worker-thread entry of {@link measureExact}: one chunk of frames through {@link ExactForward}. */
import { parentPort, workerData } from 'node:worker_threads';
import type { Network } from '../snn/network.js';
import { ExactForward } from './exact.js';

const d = workerData as {
  net: Network;
  stepsPerWindow: number | null;
  images: Float32Array;
  labels: Uint8Array;
};
const fwd = new ExactForward(d.net, d.stepsPerWindow);
parentPort!.postMessage(fwd.batch(d.images, d.labels, 0, d.labels.length));
