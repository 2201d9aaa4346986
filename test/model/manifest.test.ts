import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MODEL_SCHEMA_PATH, modelJsonSchemaText } from '../../src/model/exportSchema.js';
import {
  formatPath,
  manifestTensorLayout,
  manifestToArchitecture,
  parseManifest,
} from '../../src/model/manifest.js';
import { UserError } from '../../src/util/errors.js';

const base = {
  name: 'tiny',
  input: { channels: 1, height: 6, width: 6 },
  encoding: { kind: 'pixel' },
  layers: [
    { type: 'conv', outChannels: 2, kernel: 3 },
    { type: 'pool' },
    { type: 'flatten' },
    { type: 'dense', units: 4 },
    { type: 'dense', units: 3, name: 'out' },
  ],
  classes: ['a', 'b', 'c'],
  dataset: 'mnist',
};

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as Error).message;
  }
  throw new Error('expected a UserError');
}

describe('manifest schema', () => {
  it('fills defaults and layer names', () => {
    const m = parseManifest(structuredClone(base), 'tiny.json');
    expect(m.readout).toBe('first-spike');
    expect(m.weights).toBeNull();
    expect(m.encoding).toEqual({ kind: 'pixel', maxValue: 255 });
    expect(m.layers.map((l) => l.name)).toEqual(['conv1', 'pool1', 'flatten1', 'fc1', 'out']);
    const arch = manifestToArchitecture(m);
    expect(arch.input).toEqual({ c: 1, h: 6, w: 6 });
    expect(arch.layers).toEqual([
      { kind: 'conv', name: 'conv1', outChannels: 2, kernel: 3, stride: 1, padding: 0 },
      { kind: 'pool', name: 'pool1', size: 2, stride: 2 },
      { kind: 'flatten', name: 'flatten1' },
      { kind: 'dense', name: 'fc1', units: 4 },
      { kind: 'dense', name: 'out', units: 3 },
    ]);
    const pool3 = parseManifest({
      ...base,
      layers: [{ type: 'pool', size: 3 }, ...base.layers.slice(2)],
    });
    expect(manifestToArchitecture(pool3).layers[0]).toEqual({
      kind: 'pool',
      name: 'pool1',
      size: 3,
      stride: 3,
    });
  });

  it('reads biases and batch norm: folded away in the architecture, the layer before gets a bias', () => {
    const m = parseManifest(
      {
        ...base,
        layers: [
          { type: 'conv', outChannels: 2, kernel: 3 },
          { type: 'batchnorm' },
          { type: 'pool' },
          { type: 'flatten' },
          { type: 'dense', units: 4, bias: true },
          { type: 'batchnorm', name: 'features.5', eps: 1e-3 },
          { type: 'dense', units: 3, name: 'out', bias: true },
        ],
      },
      'bn.json',
    );
    expect(m.layers.map((l) => l.name)).toEqual([
      'conv1',
      'bn1',
      'pool1',
      'flatten1',
      'fc1',
      'features.5',
      'out',
    ]);
    expect(m.layers[1]).toMatchObject({ type: 'batchnorm', eps: 1e-5 });
    expect(m.layers[0]).toMatchObject({ bias: false });
    const arch = manifestToArchitecture(m);
    expect(arch.layers).toEqual([
      { kind: 'conv', name: 'conv1', outChannels: 2, kernel: 3, stride: 1, padding: 0, bias: true },
      { kind: 'pool', name: 'pool1', size: 2, stride: 2 },
      { kind: 'flatten', name: 'flatten1' },
      { kind: 'dense', name: 'fc1', units: 4, bias: true },
      { kind: 'dense', name: 'out', units: 3, bias: true },
    ]);
    expect(manifestTensorLayout(m)).toEqual({
      ownBias: [false, false, false, true, true],
      batchNorms: [
        { after: 0, name: 'bn1', eps: 1e-5 },
        { after: 3, name: 'features.5', eps: 1e-3 },
      ],
    });
  });

  it('rejects a batch norm that does not directly follow a conv or dense layer', () => {
    const errorOf = (layers: unknown[]) =>
      messageOf(() => parseManifest({ ...base, layers }, 'x.json'));
    expect(errorOf([{ type: 'batchnorm' }, ...base.layers])).toBe(
      'x.json: layers[0]: batch norm must directly follow a conv or dense layer (it is folded into that layer), not the input',
    );
    expect(
      errorOf([base.layers[0], base.layers[1], { type: 'batchnorm' }, ...base.layers.slice(2)]),
    ).toBe(
      'x.json: layers[2]: batch norm must directly follow a conv or dense layer (it is folded into that layer), not a pool layer',
    );
    expect(
      errorOf([
        base.layers[0],
        { type: 'batchnorm' },
        { type: 'batchnorm' },
        ...base.layers.slice(1),
      ]),
    ).toMatch(/layers\[2\]: .*not a batchnorm layer/);
    expect(
      messageOf(() =>
        parseManifest(
          {
            ...base,
            layers: [base.layers[0], { type: 'batchnorm', eps: 0 }, ...base.layers.slice(1)],
          },
          'x.json',
        ),
      ),
    ).toMatch(/^x\.json: layers\[1\]\.eps: /);
  });

  it('renders issue paths as layers[2].type', () => {
    expect(formatPath(['layers', 2, 'type'])).toBe('layers[2].type');
    expect(formatPath(['input', 'channels'])).toBe('input.channels');
    expect(formatPath([])).toBe('(top level)');
  });

  it('names the file and the field for an unknown layer type', () => {
    const m = structuredClone(base) as { layers: unknown[] };
    m.layers[2] = { type: 'lstm', units: 3 };
    expect(messageOf(() => parseManifest(m, 'models/x.json'))).toBe(
      'models/x.json: layers[2].type: unknown layer type "lstm" (expected one of conv, pool, flatten, dense, batchnorm)',
    );
  });

  it('rejects unknown fields, bad numbers and duplicate names', () => {
    const m = structuredClone(base) as { layers: Record<string, unknown>[] };
    m.layers[0]!.groups = 2;
    expect(messageOf(() => parseManifest(m, 'x.json'))).toBe(
      'x.json: layers[0]: unknown field "groups"',
    );
    const k = structuredClone(base) as { layers: Record<string, unknown>[] };
    k.layers[0]!.kernel = 0;
    expect(messageOf(() => parseManifest(k, 'x.json'))).toMatch(/^x\.json: layers\[0\]\.kernel: /);
    const d = structuredClone(base) as { layers: Record<string, unknown>[] };
    d.layers[3]!.name = 'out';
    expect(messageOf(() => parseManifest(d, 'x.json'))).toBe(
      'x.json: layers[4].name: duplicate layer name "out"',
    );
    expect(
      messageOf(() => parseManifest({ ...base, encoding: { kind: 'rate' } }, 'x.json')),
    ).toMatch(/^x\.json: encoding\.kind: unknown kind "rate"/);
    expect(messageOf(() => parseManifest({ ...base, name: undefined }, 'x.json'))).toMatch(
      /^x\.json: name: /,
    );
  });
});

describe('schemas/model.schema.json', () => {
  it('equals the schema generated from the zod manifest schema (run src/model/exportSchema.ts)', () => {
    expect(readFileSync(MODEL_SCHEMA_PATH, 'utf8')).toBe(modelJsonSchemaText());
  });

  it('describes every property', () => {
    const schema = JSON.parse(modelJsonSchemaText());
    const missing: string[] = [];
    const walk = (node: unknown, path: string) => {
      if (typeof node !== 'object' || node === null) return;
      const n = node as Record<string, unknown>;
      if (n.properties) {
        for (const [k, v] of Object.entries(
          n.properties as Record<string, Record<string, unknown>>,
        )) {
          if (!v.description) missing.push(`${path}.${k}`);
          walk(v, `${path}.${k}`);
        }
      }
      for (const key of ['items', 'oneOf', 'anyOf', 'additionalProperties']) {
        const c = n[key];
        if (Array.isArray(c)) {
          c.forEach((x, i) => {
            walk(x, `${path}.${key}[${i}]`);
          });
        } else walk(c, `${path}.${key}`);
      }
    };
    walk(schema, '');
    expect(missing).toEqual([]);
  });
});
