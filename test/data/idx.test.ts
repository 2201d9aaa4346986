import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parseIdx, readIdx } from '../../src/data/idx.js';
import { UserError } from '../../src/util/errors.js';
import { idxBytes, tempDir } from './helpers.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as Error).message;
  }
  throw new Error('expected a UserError');
}

describe('IDX reader', () => {
  it('reads u8 tensors of any shape, row-major', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 }).chain((dims) =>
          fc.tuple(
            fc.constant(dims),
            fc.uint8Array({
              minLength: dims.reduce((a, d) => a * d, 1),
              maxLength: dims.reduce((a, d) => a * d, 1),
            }),
          ),
        ),
        ([dims, data]) => {
          const f = parseIdx(idxBytes(0x08, dims, data), 'x');
          expect(f.type).toBe('u8');
          expect(f.dims).toEqual(dims);
          expect(f.data).toEqual(data);
        },
      ),
      { seed: 4 },
    );
  });

  it('reads big-endian i16, i32, f32 and f64', () => {
    expect([...parseIdx(idxBytes(0x0b, [2], [0xff, 0xfe, 0x01, 0x00])).data]).toEqual([-2, 256]);
    expect([...parseIdx(idxBytes(0x0c, [1], [0x00, 0x01, 0x00, 0x00])).data]).toEqual([65536]);
    expect([...parseIdx(idxBytes(0x0d, [1], [0x3f, 0x80, 0x00, 0x00])).data]).toEqual([1]);
    expect([...parseIdx(idxBytes(0x0e, [1], [0xc0, 0x04, 0, 0, 0, 0, 0, 0])).data]).toEqual([-2.5]);
    expect([...parseIdx(idxBytes(0x09, [2], [0xff, 0x05])).data]).toEqual([-1, 5]);
  });

  it('reads files, gzip-compressed ones too', () => {
    const bytes = idxBytes(0x08, [2, 2], [1, 2, 3, 4]);
    writeFileSync(join(dir, 'a-idx2-ubyte'), bytes);
    writeFileSync(join(dir, 'a-idx2-ubyte.gz'), gzipSync(bytes));
    expect([...readIdx(join(dir, 'a-idx2-ubyte')).data]).toEqual([1, 2, 3, 4]);
    expect(readIdx(join(dir, 'a-idx2-ubyte.gz')).dims).toEqual([2, 2]);
  });

  it('rejects bad magic, unknown types, truncation and trailing bytes, naming the file', () => {
    const good = idxBytes(0x08, [2, 3], [1, 2, 3, 4, 5, 6]);
    const magic = good.slice();
    magic[0] = 7;
    expect(errorOf(() => parseIdx(magic, 'f.idx'))).toBe(
      'f.idx: not an IDX file: bad magic number',
    );
    expect(errorOf(() => parseIdx(gzipSync(good), 'f.idx'))).toMatch(/gzip-compressed/);
    const type = good.slice();
    type[2] = 0x0a;
    expect(errorOf(() => parseIdx(type, 'f.idx'))).toBe(
      'f.idx: not an IDX file: unknown element type 0x0a',
    );
    expect(errorOf(() => parseIdx(good.subarray(0, good.length - 1), 'f.idx'))).toBe(
      'f.idx: truncated: dimensions [2, 3] of u8 need 18 bytes but the file has 17',
    );
    expect(errorOf(() => parseIdx(good.subarray(0, 7), 'f.idx'))).toMatch(
      /too short for 2 dimension sizes/,
    );
    expect(errorOf(() => parseIdx(new Uint8Array([...good, 0]), 'f.idx'))).toMatch(
      /1 unexpected bytes after the data/,
    );
    expect(errorOf(() => parseIdx(new Uint8Array([0, 0]), 'f.idx'))).toMatch(/only 2 bytes/);
    expect(errorOf(() => readIdx(join(dir, 'missing')))).toMatch(/missing: file not found/);
  });
});
