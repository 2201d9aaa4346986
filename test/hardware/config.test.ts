import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  applyOverride,
  availableHardwareConfigs,
  defaultHardwareConfig,
  loadHardwareConfig,
  numericFields,
  parseHardwareConfig,
  parseOverride,
} from '../../src/hardware/config.js';
import {
  HARDWARE_DOC_FILE,
  HARDWARE_SCHEMA_FILE,
  hardwareConfigFields,
  hardwareConfigMarkdown,
  hardwareConfigSchemaText,
} from '../../src/hardware/configDocs.js';
import { UserError } from '../../src/util/errors.js';

function tempConfig(content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'ttfsim-hw-'));
  const path = join(dir, 'x.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

describe('hardware config schema', () => {
  it('fills every default from an empty object', () => {
    const c = defaultHardwareConfig();
    expect(c.chip.neuronsPerCore).toBe(1024);
    expect(c.chip.weightBits).toBe(4);
    expect(c.chip.meshWidth).toBeNull();
    expect(c.chip.placement).toBe('layer-affinity');
    expect(c.timing.stepsPerWindow).toBe(10);
    expect(c.energy).toMatchObject({
      sopEnergyPj: 20,
      hopEnergyPj: 100,
      staticEnergyUjPerFrame: 3.52,
      staticMode: 'per-frame',
    });
    expect(c.noc.routing).toBe('xy');
    expect(c.sources).toEqual({});
    // A partial section keeps the other defaults of that section.
    const p = parseHardwareConfig({ energy: { sopEnergyPj: 1.5 } });
    expect(p.energy.sopEnergyPj).toBe(1.5);
    expect(p.energy.hopEnergyPj).toBe(100);
  });

  it('gives every field a description and a default', () => {
    const fields = hardwareConfigFields();
    expect(fields.length).toBeGreaterThan(30);
    for (const f of fields) {
      expect(f.description, f.path).not.toBe('');
      if (f.path !== 'noc.idealHopNs') expect(f.defaultValue, f.path).not.toBeUndefined();
    }
  });

  it('rejects an unknown key and names its path', () => {
    const e = errorOf(() => parseHardwareConfig({ energy: { sopEnergyPJ: 3 } }, 'x.json'));
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toBe('x.json: energy.sopEnergyPJ: unknown field');
    expect(errorOf(() => parseHardwareConfig({ chipp: {} }, 'x.json')).message).toBe(
      'x.json: chipp: unknown field',
    );
    expect(errorOf(() => parseHardwareConfig({ noc: { async: { foo: 1 } } })).message).toMatch(
      /noc\.async\.foo: unknown field/,
    );
  });

  it('names the file and the field of a wrong type', () => {
    const path = tempConfig({ energy: { sopEnergyPj: 'twenty' } });
    const e = errorOf(() => loadHardwareConfig(path));
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toContain('x.json: energy.sopEnergyPj: expected number, received string');
    expect(errorOf(() => parseHardwareConfig({ chip: { placement: 'spiral' } })).message).toMatch(
      /chip\.placement: .*row-major/,
    );
  });

  it('rejects a file that is not JSON', () => {
    expect(errorOf(() => loadHardwareConfig(tempConfig('{ nope'))).message).toMatch(
      /not valid JSON/,
    );
  });

  it('resolves bare names and lists the available ones for an unknown name', () => {
    expect(availableHardwareConfigs()).toEqual(['anp-i-28nm', 'mesh22nm']);
    expect(loadHardwareConfig('mesh22nm').name).toBe('mesh22nm');
    expect(loadHardwareConfig('mesh22nm.json').name).toBe('mesh22nm');
    const e = errorOf(() => loadHardwareConfig('mesh7nm'));
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toBe('unknown hardware config "mesh7nm"; available: anp-i-28nm, mesh22nm');
  });

  it('parses --set values as JSON when possible, else as strings', () => {
    expect(parseOverride('energy.sopEnergyPj=1.5')).toEqual({
      path: ['energy', 'sopEnergyPj'],
      value: 1.5,
    });
    expect(parseOverride('chip.placement=snake').value).toBe('snake');
    expect(parseOverride('chip.meshWidth=null').value).toBeNull();
    expect(parseOverride('name="a=b"').value).toBe('a=b');
    expect(() => parseOverride('=3')).toThrow(UserError);
    expect(() => parseOverride('energy..x=3')).toThrow(UserError);
    const raw = { a: { b: 1, c: 2 } };
    expect(applyOverride(raw, ['a', 'b'], 5)).toEqual({ a: { b: 5, c: 2 } });
    expect(raw.a.b).toBe(1);
  });

  it('applies --set overrides, then validates the merged object', () => {
    const c = loadHardwareConfig('mesh22nm', [
      'energy.sopEnergyPj=1.5',
      'chip.meshWidth=20',
      'chip.placement=snake',
      'noc.async.linkNs=3',
    ]);
    expect(c.energy.sopEnergyPj).toBe(1.5);
    expect(c.chip.meshWidth).toBe(20);
    expect(c.chip.placement).toBe('snake');
    expect(c.noc.async.linkNs).toBe(3);
    expect(c.noc.async.routeNs).toBe(0.5);
    expect(c.sources['energy.sopEnergyPj']).toBe('override: --set energy.sopEnergyPj=1.5');
    const bad = errorOf(() => loadHardwareConfig('mesh22nm', ['energy.sopEnergyPj=abc']));
    expect(bad.message).toBe(
      'hardware-configs/mesh22nm.json (with --set energy.sopEnergyPj=abc): energy.sopEnergyPj: expected number, received string',
    );
    expect(errorOf(() => loadHardwareConfig('mesh22nm', ['energy.bogus=1'])).message).toMatch(
      /energy\.bogus: unknown field/,
    );
    expect(
      errorOf(() => loadHardwareConfig('mesh22nm', ['chip.neuronsPerCore=-4'])).message,
    ).toMatch(/chip\.neuronsPerCore: Too small/);
  });
});

describe('shipped hardware configs', () => {
  const names = availableHardwareConfigs();

  it.each(names)('%s: every numeric field has a source, and every source names a field', (name) => {
    const c = loadHardwareConfig(name);
    const raw = JSON.parse(readFileSync(join('hardware-configs', `${name}.json`), 'utf8'));
    const fields = new Set(hardwareConfigFields().map((f) => f.path));
    const numeric = numericFields(c);
    expect(numeric.length).toBeGreaterThan(25);
    for (const { path } of numeric) {
      const source = c.sources[path];
      expect(source, `${name}: ${path} has no source`).toBeDefined();
      expect(source).toMatch(/^(paper|assumption|ANP-I)|assumption: /);
    }
    for (const key of Object.keys(c.sources)) expect(fields.has(key), key).toBe(true);
    // The file spells out every field, so what runs is what the file says.
    expect(
      numericFields(raw)
        .map((f) => f.path)
        .sort(),
    ).toEqual(numeric.map((f) => f.path).sort());
  });

  it("mesh22nm carries the paper's figures", () => {
    const c = loadHardwareConfig('mesh22nm');
    expect(c.chip.neuronsPerCore).toBe(1024);
    expect(c.chip.weightBits).toBe(4);
    expect(c.energy.sopEnergyPj).toBe(20);
    expect(c.energy.hopEnergyPj).toBe(100);
    expect(c.energy.staticEnergyUjPerFrame).toBe(3.52);
    expect(c.noc.topology).toBe('mesh');
    expect(c.noc.routing).toBe('xy');
    // Leakage mode gives the paper's 3.52 uJ for a VGG16 frame of 160 steps.
    const frameNs = 16 * c.timing.stepsPerWindow * c.timing.stepNs;
    expect(c.energy.leakagePowerMw * frameNs * 1e-12).toBeCloseTo(3.52e-6, 12);
  });

  it("anp-i-28nm has ANP-I's 1.5 pJ/SOP and 28 nm", () => {
    const c = loadHardwareConfig('anp-i-28nm');
    expect(c.energy.sopEnergyPj).toBe(1.5);
    expect(c.chip.processNm).toBe(28);
    expect(c.sources['energy.sopEnergyPj']).toMatch(/^ANP-I/);
    expect(c.sources['energy.hopEnergyPj']).toMatch(/^assumption/);
  });
});

describe('generated schema and docs', () => {
  it('schemas/hardware-config.schema.json equals the generated schema', () => {
    expect(
      readFileSync(HARDWARE_SCHEMA_FILE, 'utf8'),
      'run npx tsx src/hardware/writeConfigDocs.ts',
    ).toBe(hardwareConfigSchemaText());
  });

  it('docs/hardware-config.md is up to date and lists every field', () => {
    const doc = readFileSync(HARDWARE_DOC_FILE, 'utf8');
    expect(doc, 'run npx tsx src/hardware/writeConfigDocs.ts').toBe(hardwareConfigMarkdown());
    for (const f of hardwareConfigFields()) expect(doc).toContain(`\`${f.path}\``);
  });
});
