/**
 * Untrusted model files (issue 15, items 9-10): weights confined to the model's folder after
 * symlinks, errors that never quote a file's bytes, duplicate tensor names refused.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel, resolveWeightsPath } from '../../src/model/load.js';
import { encodeSafetensors, parseSafetensors } from '../../src/model/safetensors.js';
import { UserError } from '../../src/util/errors.js';
import { tempDir } from '../run/helpers.js';

const tmp = tempDir('ttfsim-untrusted-');
afterAll(tmp.cleanup);

function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as Error).message;
  }
  throw new Error('expected a UserError');
}

function model(dir: string, file: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'm.json');
  writeFileSync(
    path,
    JSON.stringify({
      name: 'm',
      input: { channels: 1, height: 2, width: 2 },
      encoding: { kind: 'pixel' },
      layers: [{ type: 'flatten' }, { type: 'dense', units: 2 }],
      classes: ['a', 'b'],
      dataset: 'mnist',
      weights: { file, trained: true },
    }),
  );
  return path;
}

describe('weights confined to the model folder (item 9)', () => {
  const outside = /weights\.file: .* is outside the model's folder/;

  it('accepts files in the folder or below it', () => {
    const dir = join(tmp.dir, 'ok');
    const m = model(dir, 'sub/w.safetensors');
    mkdirSync(join(dir, 'sub'));
    writeFileSync(
      join(dir, 'sub', 'w.safetensors'),
      encodeSafetensors({ 'fc1.weight': { shape: [2, 4], data: new Float32Array(8) } }),
    );
    expect(resolveWeightsPath(m, 'sub/w.safetensors')).toBe(join(dir, 'sub', 'w.safetensors'));
    expect(loadModel(m).network).not.toBeNull();
  });

  it('refuses ../ paths, absolute paths and symlinks out of the folder, before reading', () => {
    const dir = join(tmp.dir, 'bad');
    const secret = join(tmp.dir, 'secret.txt');
    writeFileSync(secret, 'SECRET-CONTENT of a private file');
    expect(messageOf(() => loadModel(model(join(dir, 'a'), '../../secret.txt')))).toMatch(outside);
    expect(messageOf(() => loadModel(model(join(dir, 'b'), secret)))).toMatch(outside);
    expect(messageOf(() => loadModel(model(join(dir, 'c'), '.')))).toMatch(outside);
    symlinkSync(secret, join(dir, 'c', 'w.safetensors'));
    const linked = messageOf(() => loadModel(model(join(dir, 'c'), 'w.safetensors')));
    expect(linked).toMatch(outside);
    expect(linked).not.toContain('SECRET');
  });

  it('never quotes the bytes of a file that is not safetensors', () => {
    const text = new TextEncoder().encode('root:x:0:0:SECRET:/root:/bin/bash\n'.repeat(3));
    const m = messageOf(() => parseSafetensors(text, 'w.st'));
    expect(m).toMatch(/^w\.st: header length \(bytes 0-7\) runs past the end/);
    const header = new TextEncoder().encode('{"SECRET": not json}');
    const buf = new Uint8Array(8 + header.length);
    new DataView(buf.buffer).setBigUint64(0, BigInt(header.length), true);
    buf.set(header, 8);
    const j = messageOf(() => parseSafetensors(buf, 'w.st'));
    expect(j).toMatch(/^w\.st: header is not valid JSON \(line 1, column \d+: /);
    expect(j).not.toContain('SECRET');
  });
});

describe('duplicate tensor names (item 10)', () => {
  it('are refused, naming the tensor; distinct names still parse', () => {
    const entry = (b: number) => `{"dtype":"F32","shape":[2],"data_offsets":[${b},${b + 8}]}`;
    const build = (header: string) => {
      const h = new TextEncoder().encode(header);
      const buf = new Uint8Array(8 + h.length + 16);
      new DataView(buf.buffer).setBigUint64(0, BigInt(h.length), true);
      buf.set(h, 8);
      return buf;
    };
    const twice = `{"w":${entry(0)},"w":${entry(8)}}`;
    const column = twice.indexOf('"w"', 2) + 1;
    expect(messageOf(() => parseSafetensors(build(twice), 'x.st'))).toBe(
      `x.st: header: line 1, column ${column}: duplicate key "w": every tensor name (and entry field) may appear once`,
    );
    expect(
      messageOf(() =>
        parseSafetensors(
          build(`{"w":{"dtype":"F32","dtype":"F16","shape":[4],"data_offsets":[0,16]}}`),
          'x.st',
        ),
      ),
    ).toMatch(/duplicate key "dtype"/);
    const ok = parseSafetensors(build(`{"w":${entry(0)},"v":${entry(8)}}`), 'x.st');
    expect([...ok.tensors.keys()]).toEqual(['w', 'v']);
  });
});
