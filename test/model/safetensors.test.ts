import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bf16ToFloat,
  encodeSafetensors,
  floatToHalf,
  halfToFloat,
  parseSafetensors,
  tensorToFloat32,
} from '../../src/model/safetensors.js';
import { UserError } from '../../src/util/errors.js';
import { rawSafetensors } from './helpers.js';

const ascii = (s: string) => Array.from(s, (c) => c.charCodeAt(0));

/** Expects a one-line UserError that names `file` and matches `re`. */
function expectUserError(fn: () => unknown, file: string, re: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(UserError);
  const msg = (caught as Error).message;
  expect(msg.startsWith(`${file}: `)).toBe(true);
  expect(msg).toMatch(re);
  expect(msg).not.toContain('\n');
}

describe('safetensors: format written by hand from the spec', () => {
  it('reads a file assembled byte by byte', () => {
    const header =
      '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},' +
      '"b":{"dtype":"F16","shape":[1,2],"data_offsets":[8,12]},' +
      '"c":{"dtype":"BF16","shape":[],"data_offsets":[12,14]},' +
      '"d":{"dtype":"F64","shape":[1],"data_offsets":[14,22]},' +
      '"__metadata__":{"format":"pt"}}';
    const n = header.length;
    const bytes = [
      // header length, u64 little-endian
      n & 0xff,
      n >> 8,
      0,
      0,
      0,
      0,
      0,
      0,
      ...ascii(header),
      // a: F32 1.0 = 0x3F800000, -2.5 = 0xC0200000 (little-endian)
      0x00,
      0x00,
      0x80,
      0x3f,
      0x00,
      0x00,
      0x20,
      0xc0,
      // b: F16 65504 = 0x7BFF, 2^-24 = 0x0001
      0xff,
      0x7b,
      0x01,
      0x00,
      // c: BF16 3.0 = 0x4040
      0x40,
      0x40,
      // d: F64 0.1 = 0x3FB999999999999A
      0x9a,
      0x99,
      0x99,
      0x99,
      0x99,
      0x99,
      0xb9,
      0x3f,
    ];
    const st = parseSafetensors(new Uint8Array(bytes), 'hand.safetensors');
    expect(st.metadata).toEqual({ format: 'pt' });
    expect([...st.tensors.keys()]).toEqual(['a', 'b', 'c', 'd']);
    const a = st.tensors.get('a')!;
    expect(a.shape).toEqual([2]);
    expect([...tensorToFloat32(a)]).toEqual([1, -2.5]);
    const b = st.tensors.get('b')!;
    expect(b.shape).toEqual([1, 2]);
    expect([...tensorToFloat32(b)]).toEqual([65504, 2 ** -24]);
    const c = st.tensors.get('c')!;
    expect(c.shape).toEqual([]);
    expect(c.size).toBe(1);
    expect([...tensorToFloat32(c)]).toEqual([3]);
    expect([...tensorToFloat32(st.tensors.get('d')!)]).toEqual([Math.fround(0.1)]);
  });

  it('writes exactly the bytes the spec prescribes (header padded with spaces to 8 bytes)', () => {
    const out = encodeSafetensors({ x: { shape: [2], data: [1, -2.5] } });
    const header = '{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
    expect(header.length).toBe(54);
    const expected = [56, 0, 0, 0, 0, 0, 0, 0, ...ascii(`${header}  `)];
    expected.push(0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x20, 0xc0);
    expect([...out]).toEqual(expected);
  });

  it('writes F16 little-endian bit patterns', () => {
    const out = encodeSafetensors({ h: { shape: [3], data: [1, -2, 0.1], dtype: 'F16' } });
    const data = [...out.subarray(out.length - 6)];
    // 1 = 0x3C00, -2 = 0xC000, 0.1 -> 0x2E66 (nearest half)
    expect(data).toEqual([0x00, 0x3c, 0x00, 0xc0, 0x66, 0x2e]);
  });
});

describe('safetensors: round trips', () => {
  const tensorArb = fc
    .array(fc.integer({ min: 0, max: 4 }), { minLength: 0, maxLength: 3 })
    .chain((shape) =>
      fc.record({
        shape: fc.constant(shape),
        data: fc.float32Array({
          minLength: shape.reduce((a, d) => a * d, 1),
          maxLength: shape.reduce((a, d) => a * d, 1),
          noNaN: true,
        }),
      }),
    );

  it('F32 is exact', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_.]{0,8}$/), tensorArb, { maxKeys: 4 }),
        fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), fc.string(), { maxKeys: 2 }),
        (tensors, meta) => {
          const bytes = encodeSafetensors(tensors, meta);
          const back = parseSafetensors(bytes, 'rt');
          expect([...back.tensors.keys()].sort()).toEqual(Object.keys(tensors).sort());
          for (const [name, t] of Object.entries(tensors)) {
            const got = back.tensors.get(name)!;
            expect(got.dtype).toBe('F32');
            expect(got.shape).toEqual(t.shape);
            expect(tensorToFloat32(got)).toEqual(t.data);
          }
          expect(back.metadata).toEqual(Object.keys(meta).length ? meta : {});
        },
      ),
      { seed: 1 },
    );
  });

  it('F16 rounds every float to the nearest half (ties to even) and reads it back', () => {
    // Oracle: every finite half, sorted; the written value must be a nearest neighbour.
    const halves: number[] = [];
    for (let h = 0; h < 0x7c00; h++) halves.push(halfToFloat(h));
    const nearestOk = (x: number, h: number) => {
      const v = halfToFloat(h);
      const ax = Math.abs(x);
      let lo = 0;
      let hi = halves.length - 1;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (halves[mid]! <= ax) lo = mid;
        else hi = mid;
      }
      const best = Math.min(Math.abs(ax - halves[lo]!), Math.abs(ax - halves[hi]!));
      if (Math.abs(Math.abs(v) - ax) !== best) return false;
      const tie =
        Math.abs(ax - halves[lo]!) === Math.abs(ax - halves[hi]!) && halves[lo] !== halves[hi];
      return !tie || (h & 1) === 0;
    };
    fc.assert(
      fc.property(fc.float({ min: -65504, max: 65504, noNaN: true }), (x) => {
        const h = floatToHalf(x);
        expect(nearestOk(x, h)).toBe(true);
        if (x !== 0) expect(Math.sign(halfToFloat(h)) || Math.sign(x)).toBe(Math.sign(x));
        const bytes = encodeSafetensors({ t: { shape: [1], data: [x], dtype: 'F16' } });
        const got = tensorToFloat32(parseSafetensors(bytes).tensors.get('t')!)[0]!;
        expect(got).toBe(halfToFloat(h));
      }),
      { seed: 2, numRuns: 2000 },
    );
    // Every half survives decode -> encode unchanged.
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0) continue; // NaN payloads
      expect(floatToHalf(halfToFloat(h))).toBe(h === 0x8000 ? 0x8000 : h);
    }
    expect(floatToHalf(65519)).toBe(0x7bff);
    expect(floatToHalf(65520)).toBe(0x7c00);
    expect(floatToHalf(2 ** -25)).toBe(0); // tie between 0 and the smallest subnormal: even
    expect(floatToHalf(3 * 2 ** -25)).toBe(2); // tie between 1 and 2 subnormal units: even
  });

  it('BF16 is the top half of a float32', () => {
    expect(bf16ToFloat(0x3f80)).toBe(1);
    expect(bf16ToFloat(0xc040)).toBe(-3);
  });
});

describe('safetensors: strict validation', () => {
  const good = () =>
    encodeSafetensors({
      a: { shape: [2, 2], data: [1, 2, 3, 4] },
      b: { shape: [3], data: [5, 6, 7] },
    });

  it('rejects a file too short for the header length', () => {
    expectUserError(() => parseSafetensors(new Uint8Array([1, 0, 0]), 'w.st'), 'w.st', /too short/);
  });
  it('rejects a header length beyond the file', () => {
    expectUserError(
      () => parseSafetensors(good().subarray(0, 20), 'w.st'),
      'w.st',
      /header length \d+ runs past the end/,
    );
  });
  it('rejects truncated data, naming the tensor', () => {
    const g = good();
    expectUserError(
      () => parseSafetensors(g.subarray(0, g.length - 3), 'w.st'),
      'w.st',
      /tensor "b".*run past.*truncated/,
    );
  });
  it('rejects a corrupted header (bad JSON)', () => {
    const g = good().slice();
    g[8] = 0x78; // '{' -> 'x'
    expectUserError(() => parseSafetensors(g, 'w.st'), 'w.st', /header is not valid JSON/);
  });
  it('rejects a header that is not an object', () => {
    expectUserError(
      () => parseSafetensors(rawSafetensors('[1,2]', []), 'w.st'),
      'w.st',
      /not a JSON object/,
    );
  });
  it('rejects an unknown dtype', () => {
    const f = rawSafetensors(
      { t: { dtype: 'F17', shape: [1], data_offsets: [0, 4] } },
      [0, 0, 0, 0],
    );
    expectUserError(() => parseSafetensors(f, 'w.st'), 'w.st', /tensor "t": unknown dtype "F17"/);
  });
  it('rejects offsets that do not match shape x dtype size', () => {
    const f = rawSafetensors(
      { t: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } },
      new Array(8).fill(0),
    );
    expectUserError(
      () => parseSafetensors(f, 'w.st'),
      'w.st',
      /tensor "t".*hold 8 bytes.*needs 12/,
    );
  });
  it('rejects overlapping tensors', () => {
    const f = rawSafetensors(
      {
        a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
        b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
      },
      new Array(12).fill(0),
    );
    expectUserError(() => parseSafetensors(f, 'w.st'), 'w.st', /tensor "b".*overlap tensor "a"/);
  });
  it('rejects gaps and stray bytes', () => {
    const gap = rawSafetensors(
      { a: { dtype: 'U8', shape: [2], data_offsets: [2, 4] } },
      [0, 0, 0, 0],
    );
    expectUserError(() => parseSafetensors(gap, 'w.st'), 'w.st', /tensor "a".*gap of 2 bytes/);
    const stray = rawSafetensors(
      { a: { dtype: 'U8', shape: [2], data_offsets: [0, 2] } },
      [0, 0, 0],
    );
    expectUserError(() => parseSafetensors(stray, 'w.st'), 'w.st', /1 stray bytes/);
  });
  it('rejects end before begin, bad shapes and bad metadata', () => {
    const rev = rawSafetensors({ a: { dtype: 'U8', shape: [0], data_offsets: [2, 0] } }, [0, 0]);
    expectUserError(() => parseSafetensors(rev, 'w.st'), 'w.st', /end before they begin/);
    const shp = rawSafetensors({ a: { dtype: 'U8', shape: [-1], data_offsets: [0, 0] } }, []);
    expectUserError(() => parseSafetensors(shp, 'w.st'), 'w.st', /shape \[-1\]/);
    const meta = rawSafetensors({ __metadata__: { k: 1 } }, []);
    expectUserError(() => parseSafetensors(meta, 'w.st'), 'w.st', /__metadata__.k is not a string/);
  });
  it('parses but refuses to convert non-float dtypes', () => {
    const f = rawSafetensors(
      { t: { dtype: 'I32', shape: [1], data_offsets: [0, 4] } },
      [1, 0, 0, 0],
    );
    const st = parseSafetensors(f, 'w.st');
    expectUserError(() => tensorToFloat32(st.tensors.get('t')!, 'w.st'), 'w.st', /dtype I32/);
  });
  it('refuses to write data that does not match the shape', () => {
    expect(() => encodeSafetensors({ t: { shape: [2, 2], data: [1, 2, 3] } })).toThrow(
      /needs 4 values but 3/,
    );
  });
});

describe('safetensors: files written by the reference implementation (Python safetensors)', () => {
  const fixture = (f: string) =>
    new Uint8Array(readFileSync(fileURLToPath(new URL(`./fixtures/${f}`, import.meta.url))));
  const conv = Array.from({ length: 24 }, (_, i) => (i - 12) / 8);

  it('reads F32, F16 and F64 tensors and the metadata', () => {
    const st = parseSafetensors(fixture('reference.safetensors'), 'reference.safetensors');
    expect(st.metadata).toEqual({ format: 'pt' });
    const w = st.tensors.get('conv1.weight')!;
    expect(w.shape).toEqual([2, 3, 2, 2]);
    expect([...tensorToFloat32(w)]).toEqual(conv);
    const half = tensorToFloat32(st.tensors.get('half')!);
    expect([...half]).toEqual([halfToFloat(0x2e66), -3, 65504, 2 ** -24]);
    expect(st.tensors.get('double')!.shape).toEqual([1, 1]);
    expect([...tensorToFloat32(st.tensors.get('double')!)]).toEqual([Math.fround(0.1)]);
  });

  it('writes byte-identical files', () => {
    const f32 = encodeSafetensors(
      { 'conv1.weight': { shape: [2, 3, 2, 2], data: conv } },
      { format: 'pt' },
    );
    expect([...f32]).toEqual([...fixture('reference-f32.safetensors')]);
    const f16 = encodeSafetensors({
      w: { shape: [5], data: [0.1, -3, 65504, 2 ** -24, 1 / 3], dtype: 'F16' },
    });
    expect([...f16]).toEqual([...fixture('reference-f16.safetensors')]);
  });
});
