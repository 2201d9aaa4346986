import { describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/data/mnist.js';
import { loadHardwareConfig } from '../../src/hardware/config.js';
import { mapNetwork } from '../../src/mapping/map.js';
import { loadModel } from '../../src/model/load.js';
import type { SimFrameResult } from '../../src/sim/frameResult.js';
import { simulateFrames } from '../../src/sim/run.js';
import { prepareSimulation, UNTRAINED_NOTE } from '../../src/sim/setup.js';
import { untrainedNetwork } from '../../src/sim/untrained.js';
import { quantizeNetwork } from '../../src/snn/quantize.js';
import { prepareNetwork, referenceForward } from '../../src/snn/reference.js';

describe('bundled models on mesh22nm', () => {
  it('MNIST CNN (untrained, calibrated weights) runs end to end and equals the reference', () => {
    const hw = loadHardwareConfig('mesh22nm');
    const model = loadModel('mnist-cnn');
    const data = loadMnist('test', { limit: 8 });
    const frame = (i: number) => data.images.subarray(i * 784, (i + 1) * 784);
    const u = untrainedNetwork(model.arch, {
      seed: 1,
      calibrationInputs: [0, 1, 2, 3].map(frame),
      stepsPerWindow: hw.timing.stepsPerWindow,
    });
    for (const l of u.layers) expect(Math.abs(l.firingFraction - 0.26)).toBeLessThan(0.02);
    for (const timeMode of ['quantized', 'exact'] as const) {
      const setup = prepareSimulation(u.network, hw, {
        model: 'mnist-cnn',
        weightsTrained: false,
        timeMode,
      });
      const prep = prepareNetwork(quantizeNetwork(u.network, setup.weightBits));
      const results: SimFrameResult[] = [];
      const inputs = [4, 5, 6, 7].map(frame);
      const summary = simulateFrames(setup, inputs, { labels: data.labels.subarray(4) }, (r) =>
        results.push(r),
      );
      results.forEach((r, f) => {
        const ref = referenceForward(prep, inputs[f]!, { stepsPerWindow: setup.stepsPerWindow });
        r.tau.forEach((t, s) => {
          expect(t).toEqual(ref.tau[s]);
        });
        expect(r.decision).toBe(ref.decision);
        expect(r.sparsity).toBeGreaterThan(0.1);
      });
      // Untrained weights: the accuracy is withheld and every output says why.
      expect(summary.weightsTrained).toBe(false);
      expect(summary.accuracy).toBeNull();
      expect(summary.notes).toContain(UNTRAINED_NOTE);
      expect(summary.framesPerSecond).toBeGreaterThan(0);
      if (timeMode === 'quantized') {
        console.log(
          `mnist-cnn on mesh22nm: ${setup.mapping.coresUsed} cores on a ${setup.mapping.meshWidth}x${setup.mapping.meshHeight} mesh; ` +
            `${summary.mean.sops.toFixed(0)} SOPs, ${summary.mean.spikePackets.toFixed(0)} packets, ${summary.mean.spikeHops.toFixed(0)} hops per frame, ` +
            `latency ${summary.mean.latencySteps.toFixed(1)} steps / ${(summary.mean.latencyNs / 1000).toFixed(1)} us`,
        );
      }
    }
  });

  it('VGG16 maps onto mesh22nm (its end-to-end run is in bench/sim.ts)', () => {
    const hw = loadHardwareConfig('mesh22nm');
    const m = mapNetwork(loadModel('vgg16', { skipWeights: true }).arch, hw, { model: 'vgg16' });
    console.log(`vgg16 on mesh22nm: ${m.coresUsed} cores on a ${m.meshWidth}x${m.meshHeight} mesh`);
    expect(m.coresUsed).toBeGreaterThan(0);
    expect(m.meshWidth * m.meshHeight).toBeGreaterThanOrEqual(m.coresUsed);
  });
});
