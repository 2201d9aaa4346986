import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadHardwareConfig, parseHardwareConfig } from '../../src/hardware/config.js';
import { loadManifest } from '../../src/model/load.js';
import { parseSweepSpec } from '../../src/sweep/spec.js';
import { inFile, leadingField, UserError } from '../../src/util/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'ttfsim-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

function caught(fn: () => unknown): UserError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return err as UserError;
  }
  throw new Error('expected a UserError');
}

describe('UserError names the file and the field', () => {
  it('reads the field from the start of a message, never from a file name', () => {
    expect(leadingField('energy.sopEnergyPj: expected number')).toBe('energy.sopEnergyPj');
    expect(leadingField('layers[2].kind: unknown')).toBe('layers[2].kind');
    expect(leadingField('not valid JSON: x')).toBeUndefined();
    const e = inFile('cfg.json', 'classes: 3 names');
    expect([e.file, e.field, e.message]).toEqual([
      'cfg.json',
      'classes',
      'cfg.json: classes: 3 names',
    ]);
    expect(new UserError('chip.json: broken').field).toBeUndefined();
  });

  it('a hardware config with a wrong value: the file and the field', () => {
    const path = write('bad-value.json', { chip: { meshWidth: -3 } });
    const e = caught(() => loadHardwareConfig(path));
    expect(e.file).toBe(path);
    expect(e.field).toBe('chip.meshWidth');
    expect(e.message).toContain('chip.meshWidth');
  });

  it('an unknown field of a config, and a wrong value set by an override', () => {
    const unknown = caught(() => parseHardwareConfig({ noc: { bufferDepth: 4 } }, 'x.json'));
    expect([unknown.file, unknown.field]).toEqual(['x.json', 'noc.bufferDepth']);
    const path = write('good.json', {});
    const set = caught(() => loadHardwareConfig(path, ['energy.hopEnergyPj="lots"']));
    expect([set.file, set.field]).toEqual([path, 'energy.hopEnergyPj']);
    expect(set.message).toContain('--set');
    const field = caught(() => loadHardwareConfig(path, ['energy.hopEnergy=3']));
    expect([field.file, field.field]).toEqual([undefined, 'energy.hopEnergy']);
  });

  it('a model manifest and a sweep spec', () => {
    const manifest = write('m.json', {
      formatVersion: 1,
      name: 'm',
      encoding: { kind: 'direct' },
      input: { channels: 1, height: 4, width: 4 },
      layers: [{ type: 'flatten' }, { type: 'dense', units: 'ten' }],
      classes: ['a'],
    });
    const m = caught(() => loadManifest(manifest));
    expect(m.field).toBe('layers[1].units');
    expect(m.file).toContain('m.json');
    const s = caught(() => parseSweepSpec({ axes: 3 }, 'spec.json'));
    expect(s.file).toBe('spec.json');
    expect(s.field).toBeDefined();
    expect(s.message).toContain(s.field!);
  });
});
