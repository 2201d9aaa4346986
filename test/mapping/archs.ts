import type { Architecture, LayerSpec } from '../../src/snn/network.js';

/** VGG16 for CIFAR-10: 13 conv3x3 pad 1 with 5 max pools, FC 4096-4096-10, direct encoding. */
export function vgg16(): Architecture {
  const plan: (number | 'P')[] = [
    64,
    64,
    'P',
    128,
    128,
    'P',
    256,
    256,
    256,
    'P',
    512,
    512,
    512,
    'P',
    512,
    512,
    512,
    'P',
  ];
  const layers: LayerSpec[] = [];
  let conv = 0;
  let pool = 0;
  for (const p of plan) {
    if (p === 'P') layers.push({ kind: 'pool', name: `pool${++pool}`, size: 2, stride: 2 });
    else
      layers.push({
        kind: 'conv',
        name: `conv${++conv}`,
        outChannels: p,
        kernel: 3,
        stride: 1,
        padding: 1,
      });
  }
  layers.push({ kind: 'flatten', name: 'flatten' });
  layers.push({ kind: 'dense', name: 'fc1', units: 4096 });
  layers.push({ kind: 'dense', name: 'fc2', units: 4096 });
  layers.push({ kind: 'dense', name: 'fc3', units: 10 });
  return {
    input: { c: 3, h: 32, w: 32 },
    encoding: { kind: 'direct' },
    layers,
    readout: 'first-spike',
  };
}

/** The paper's MNIST CNN: 784-16C5-P2-32C5-P2-800-128-10, pixel encoding. */
export function mnistCnn(): Architecture {
  return {
    input: { c: 1, h: 28, w: 28 },
    encoding: { kind: 'pixel', maxValue: 1 },
    layers: [
      { kind: 'conv', name: 'conv1', outChannels: 16, kernel: 5, stride: 1, padding: 0 },
      { kind: 'pool', name: 'pool1', size: 2, stride: 2 },
      { kind: 'conv', name: 'conv2', outChannels: 32, kernel: 5, stride: 1, padding: 0 },
      { kind: 'pool', name: 'pool2', size: 2, stride: 2 },
      { kind: 'flatten', name: 'flatten' },
      { kind: 'dense', name: 'fc1', units: 800 },
      { kind: 'dense', name: 'fc2', units: 128 },
      { kind: 'dense', name: 'fc3', units: 10 },
    ],
    readout: 'first-spike',
  };
}
