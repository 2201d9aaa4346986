import type { Architecture, Network } from '../../src/snn/network.js';
import { prepareNetwork, referenceForward } from '../../src/snn/reference.js';
import { flattenWeights } from '../../src/train/init.js';
import { buildPlan } from '../../src/train/plan.js';
import { Workspace } from '../../src/train/workspace.js';

/** A small network with every layer kind: conv (padded), pool, conv, pool, flatten, dense x2. */
export function smallArch(readout: 'first-spike' | 'membrane'): Architecture {
  return {
    input: { c: 1, h: 10, w: 10 },
    encoding: { kind: 'pixel', maxValue: 255 },
    layers: [
      { kind: 'conv', name: 'conv1', outChannels: 3, kernel: 3, stride: 1, padding: 1 },
      { kind: 'pool', name: 'pool1', size: 2, stride: 2 },
      { kind: 'conv', name: 'conv2', outChannels: 4, kernel: 3, stride: 1, padding: 0 },
      { kind: 'pool', name: 'pool2', size: 2, stride: 2 },
      { kind: 'flatten', name: 'flatten' },
      { kind: 'dense', name: 'fc1', units: 8 },
      { kind: 'dense', name: 'fc2', units: 3 },
    ],
    readout,
  };
}

/** Mean cross-entropy over `frames` computed with the reference forward pass (the oracle). */
export function referenceLoss(
  net: Network,
  inputs: Float32Array[],
  labels: number[],
  scale: number,
): number {
  const prep = prepareNetwork(net);
  let sum = 0;
  inputs.forEach((x, f) => {
    const r = referenceForward(prep, x);
    const q = net.arch.readout === 'membrane' ? r.outputMembrane : r.tau[r.tau.length - 1]!;
    const z = Array.from(q, (v) => scale * v);
    const m = Math.max(...z);
    const lse = Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0)) + m;
    sum += lse - z[labels[f]!]!;
  });
  return sum / inputs.length;
}

/**
 * Which piece of the piecewise-smooth forward function a network is on: the case of every
 * neuron (silent / start / inside, from its tau) and every pooling winner. Finite differences
 * are only compared where this does not change.
 */
export function pieceSignature(net: Network, inputs: Float32Array[]): string {
  const prep = prepareNetwork(net);
  const parts: string[] = [];
  for (const x of inputs) {
    const r = referenceForward(prep, x);
    r.tau.forEach((t, s) => {
      if (s === 0) return;
      const layer = net.arch.layers[s - 1]!;
      if (layer.kind === 'pool') {
        const inShape = prep.stages[s - 1]!.shape;
        const outShape = prep.stages[s]!.shape;
        const tin = r.tau[s - 1]!;
        for (let c = 0; c < outShape.c; c++)
          for (let oy = 0; oy < outShape.h; oy++)
            for (let ox = 0; ox < outShape.w; ox++) {
              let best = 0;
              let bi = -1;
              for (let py = 0; py < layer.size; py++)
                for (let px = 0; px < layer.size; px++) {
                  const i =
                    (c * inShape.h + oy * layer.stride + py) * inShape.w + ox * layer.stride + px;
                  if (tin[i]! > best) {
                    best = tin[i]!;
                    bi = i;
                  }
                }
              parts.push(String(bi));
            }
      } else {
        for (const v of t) parts.push(v === 0 ? 's' : v === 1 ? 'S' : 'i');
      }
    });
  }
  return parts.join(',');
}

/** Analytic gradient (flat, plan order) and loss of the trainer's (float32) workspace for a batch. */
export function trainerGradient(
  net: Network,
  inputs: Float32Array[],
  labels: number[],
  scale: number,
): { grad: Float64Array; loss: number } {
  const plan = buildPlan(net.arch, 'snn');
  const flat = flattenWeights(plan, net.weights);
  const n = inputs.length;
  const ws = new Workspace(plan, n);
  const images = new Float32Array(n * plan.inputSize);
  inputs.forEach((x, f) => {
    images.set(x, f * plan.inputSize);
  });
  ws.load({ images, labels: Uint8Array.from(labels) }, null, 0, n);
  ws.forward(flat, new Float32Array(0), true);
  const r = ws.loss(labels, 0, { logitScale: scale }, 1 / n);
  const grad = new Float64Array(plan.paramCount);
  ws.backward(flat, grad);
  return { grad, loss: r.lossSum / n };
}
