/**
 * Limits (issue 15, items 8 and 11): every numeric hardware field and model dimension has
 * bounds in the schema, the memory of a model and of the network-on-chip is estimated before
 * anything is allocated, and `--set` accepts only fields of the schema.
 */
import { describe, expect, it } from 'vitest';
import {
  applyOverride,
  hardwareConfigJsonSchema,
  loadHardwareConfig,
  parseHardwareConfig,
  parseOverride,
} from '../../src/hardware/config.js';
import { hardwareConfigFields } from '../../src/hardware/configDocs.js';
import { checkNocMemory, estimateNocMemory } from '../../src/hardware/memory.js';
import { modelJsonSchemaText } from '../../src/model/exportSchema.js';
import { manifestToArchitecture, parseManifest } from '../../src/model/manifest.js';
import { checkModelMemory, estimateModelMemory } from '../../src/model/memory.js';
import { UserError } from '../../src/util/errors.js';

function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as Error).message;
  }
  throw new Error('expected a UserError');
}

describe('bounds of the hardware fields (item 8)', () => {
  it('every numeric field has a documented maximum in the schema and the docs', () => {
    const numeric = hardwareConfigFields().filter((f) => /number|integer/.test(f.type));
    expect(numeric.length).toBeGreaterThan(25);
    for (const f of numeric) expect(f.range, f.path).toMatch(/<=? \d/);
    expect(JSON.stringify(hardwareConfigJsonSchema())).toContain('"maximum":1024');
  });

  it.each([
    ['chip.meshWidth', 10000],
    ['timing.stepNs', 1e308],
    ['noc.spikePacketFlits', 1e6],
    ['noc.bufferDepthFlits', 1e9],
    ['noc.virtualChannels', 64],
    ['noc.async.linkNs', 1e300],
    ['energy.hopEnergyPj', 1e300],
  ])('%s = %d is refused by name', (field, value) => {
    expect(messageOf(() => loadHardwareConfig('mesh22nm', [`${field}=${value}`]))).toMatch(
      new RegExp(`${field.replace(/\./g, '\\.')}: Too big`),
    );
  });
});

describe('memory estimates before allocating (item 8)', () => {
  const manifest = (layers: unknown[], side = 8) =>
    parseManifest({
      name: 'm',
      input: { channels: 1, height: side, width: side },
      encoding: { kind: 'pixel' },
      layers,
      classes: Array.from({ length: 10 }, (_, i) => String(i)),
      dataset: 'mnist',
    });

  it('counts weights and neurons of a model exactly', () => {
    const arch = manifestToArchitecture(
      manifest([
        { type: 'conv', outChannels: 4, kernel: 3 },
        { type: 'flatten' },
        { type: 'dense', units: 10 },
      ]),
    );
    const m = estimateModelMemory(arch);
    expect(m.weights).toBe(4 * 9 + 10 * 4 * 6 * 6);
    expect(m.neurons).toBe(64 + 144 + 144 + 10);
    expect(m.largest.layer).toBe(0); // the conv: its 144 neurons outweigh the dense's 1440 weights
  });

  it('refuses a model beyond the budget, naming the largest layer and the estimate', () => {
    const m = manifest(
      [{ type: 'flatten' }, { type: 'dense', units: 1e6 }, { type: 'dense', units: 10 }],
      1024,
    );
    const arch = manifestToArchitecture(m);
    expect(messageOf(() => checkModelMemory(arch, 'x.json', (i) => i, 1e9))).toMatch(
      /^x\.json: layers\[1\]\.units: the model needs about 17 TB of memory \(estimate: 1\.05e\+12 weights, .*\), more than this machine's 1 GB$/,
    );
    expect(() => checkModelMemory(arch, 'x.json', (i) => i, 1e14)).not.toThrow();
  });

  it('estimates the network-on-chip from mesh, virtual channels, buffers and routing', () => {
    const c = parseHardwareConfig({});
    const ideal = estimateNocMemory(c, 100, 100, 'ideal');
    const detailed = estimateNocMemory(c, 100, 100, 'detailed');
    expect(detailed).toBeGreaterThan(ideal);
    const deeper = parseHardwareConfig({ noc: { bufferDepthFlits: 64, virtualChannels: 4 } });
    expect(estimateNocMemory(deeper, 100, 100, 'detailed')).toBeGreaterThan(10 * detailed);
    const westFirst = parseHardwareConfig({ noc: { routing: 'west-first' } });
    expect(estimateNocMemory(westFirst, 1024, 1024, 'detailed')).toBeGreaterThan(1024 ** 4);
    expect(messageOf(() => checkNocMemory(westFirst, 1024, 1024, 'detailed', 32e9))).toMatch(
      /^chip\.meshWidth x chip\.meshHeight: a 1024x1024 mesh with the detailed network \(.*noc\.routing west-first\) needs about 1\.1 TB of memory \(estimate\), more than this machine's 32 GB$/,
    );
    expect(() => checkNocMemory(c, 17, 17, 'detailed', 32e9)).not.toThrow();
  });

  it('model dimensions have bounds in the schema', () => {
    expect(modelJsonSchemaText()).toContain('"maximum": 10000000');
    expect(messageOf(() => manifest([{ type: 'flatten' }, { type: 'dense', units: 1e8 }]))).toMatch(
      /layers\[1\]\.units: Too big/,
    );
    expect(messageOf(() => manifest([{ type: 'conv', outChannels: 4, kernel: 1000 }]))).toMatch(
      /layers\[0\]\.kernel: Too big/,
    );
  });
});

describe('--set accepts only schema fields (item 11)', () => {
  it.each([
    ['__proto__.x=1', /__proto__: unknown field \(the config has name, description, chip/],
    ['constructor.prototype.x=1', /constructor: unknown field/],
    ['chip.__proto__.x=1', /chip\.__proto__: unknown field \(chip has neuronsPerCore/],
    ['chip.constructor=1', /chip\.constructor: unknown field/],
    ['noc.async.toString=1', /noc\.async\.toString: unknown field/],
    ['sources.__proto__=x', /sources\.__proto__: not a valid key/],
    [
      'energy.sopEnergyPj.x=1',
      /energy\.sopEnergyPj\.x: unknown field \(energy\.sopEnergyPj is a value/,
    ],
    ['Chip.meshWidth=2', /Chip: unknown field/],
  ])('--set %s is refused', (override, pattern) => {
    expect(messageOf(() => parseOverride(override))).toMatch(pattern);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('accepts every field of the schema and sources entries', () => {
    for (const f of hardwareConfigFields()) {
      if (f.path === 'sources') continue;
      expect(() => parseOverride(`${f.path}=1`), f.path).not.toThrow();
    }
    expect(loadHardwareConfig('mesh22nm', ['sources.note=mine']).sources.note).toBe('mine');
  });

  it('applyOverride never touches a prototype', () => {
    const out = applyOverride({}, ['__proto__', 'polluted'], 1);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
