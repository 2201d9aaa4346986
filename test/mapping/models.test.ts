import { describe, expect, it } from 'vitest';
import { loadHardwareConfig } from '../../src/hardware/config.js';
import {
  coreTraffic,
  formatMapping,
  mapNetwork,
  mappingToJson,
  placeRowMajor,
  placeSnake,
  weightedHops,
} from '../../src/mapping/index.js';
import { paperNeuronCount } from '../../src/snn/network.js';
import { UserError } from '../../src/util/errors.js';
import { mnistCnn, vgg16 } from './archs.js';

const mesh22nm = loadHardwareConfig('mesh22nm');

describe("the paper's networks on mesh22nm", () => {
  it('maps the MNIST CNN on 22 cores of a 5x5 mesh', () => {
    const m = mapNetwork(mnistCnn(), mesh22nm, { model: 'mnist-cnn' });
    expect(m.coresUsed).toBe(22);
    expect([m.meshWidth, m.meshHeight]).toEqual([5, 5]);
    // encoding 1 + conv1 16 (one 24x24 channel each) + conv2 2 (16 8x8 channels each) + 3 dense.
    expect(m.stages.map((s) => [s.name, s.cores.length])).toEqual([
      ['encoding', 1],
      ['conv1', 16],
      ['conv2', 2],
      ['fc1', 1],
      ['fc2', 1],
      ['fc3', 1],
    ]);
    // The pixel encoding's 784 neurons are on the chip as well as the paper's 12,202.
    expect(m.neurons).toBe(784 + paperNeuronCount(mnistCnn()));
    expect(m.stages[1]!.hosted).toEqual([2]);
    expect(m.stages[2]!.hosted).toEqual([4, 5]);
    expect(m.stages[2]!.emitStage).toBe(5);
  });

  it('maps VGG16 on 279 cores of a 17x17 mesh', () => {
    const m = mapNetwork(vgg16(), mesh22nm, { model: 'vgg16' });
    expect(m.coresUsed).toBe(279);
    expect([m.meshWidth, m.meshHeight]).toEqual([17, 17]);
    // With direct encoding conv1 runs on the host; its output (stage 1) is the encoding.
    expect(m.stages[0]).toMatchObject({ stage: 1, name: 'conv1', role: 'encoding', window: 0 });
    expect(m.coreOfNeuron[0]).toBeNull();
    expect(m.neurons).toBe(284682);
    expect(m.neurons).toBe(paperNeuronCount(vgg16()));
    expect(m.stages.map((s) => s.cores.length)).toEqual([
      64, 64, 32, 32, 16, 16, 16, 8, 8, 8, 2, 2, 2, 4, 4, 1,
    ]);
    expect(m.utilization).toBeCloseTo(284682 / (279 * 1024), 12);
  });

  it('says so when VGG16 does not fit a 16x16 mesh', () => {
    const chip = { ...mesh22nm.chip, meshWidth: 16, meshHeight: 16 };
    expect(() => mapNetwork(vgg16(), { chip }, { model: 'vgg16' })).toThrow(
      new UserError('model vgg16 needs 279 cores; the 16x16 mesh has 256'),
    );
  });

  it('layer-affinity placement needs fewer weighted hops than snake and row-major', () => {
    for (const [arch, bound] of [
      [mnistCnn(), 0.8],
      [vgg16(), 0.9],
    ] as const) {
      const m = mapNetwork(arch, mesh22nm);
      const traffic = coreTraffic(arch, m);
      const affinity = weightedHops(traffic, m.nodeOfCore, m.meshWidth);
      const snake = weightedHops(traffic, placeSnake(m.coresUsed, m.meshWidth), m.meshWidth);
      const rowMajor = weightedHops(traffic, placeRowMajor(m.coresUsed), m.meshWidth);
      expect(affinity).toBeLessThan(bound * snake);
      expect(affinity).toBeLessThan(bound * rowMajor);
    }
  });

  it('prints a readable summary and a JSON form', () => {
    const m = mapNetwork(mnistCnn(), mesh22nm, { model: 'mnist-cnn' });
    const text = formatMapping(m);
    expect(text).toContain('mnist-cnn: 22 cores on a 5x5 mesh');
    expect(text).toContain('conv1');
    expect(text.split('\n').filter((l) => /^ {4}[0-9a-z.]{5}$/.test(l))).toHaveLength(5);
    const json = JSON.parse(JSON.stringify(mappingToJson(m)));
    expect(json.coresUsed).toBe(22);
    expect(json.stages[1].cores[0]).toMatchObject({
      channels: [0, 1],
      rows: [0, 24],
      neurons: 576,
    });
  });
});
