/**
 * IDX files (the MNIST format, http://yann.lecun.com/exdb/mnist/):
 *
 *     bytes 0-1  zero
 *     byte  2    element type: 0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32, 0x0E f64
 *     byte  3    number of dimensions d
 *     then       d sizes, unsigned 32-bit big-endian
 *     then       the data, row-major, big-endian
 *
 * The reader checks the magic, the type, the dimensions and that the length is exactly what the
 * header promises (neither truncated nor with trailing bytes).
 */
import { gunzipSync } from 'node:zlib';
import { inFile } from '../util/errors.js';
import { readInputFile } from '../util/readInput.js';

export type IdxData =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Float32Array
  | Float64Array;

export interface IdxFile {
  /** Element type name. */
  type: 'u8' | 'i8' | 'i16' | 'i32' | 'f32' | 'f64';
  dims: number[];
  data: IdxData;
}

const TYPES = {
  8: ['u8', 1],
  9: ['i8', 1],
  11: ['i16', 2],
  12: ['i32', 4],
  13: ['f32', 4],
  14: ['f64', 8],
} as const;

/** Parses IDX bytes; `file` names the file in errors. */
export function parseIdx(buf: Uint8Array, file = '<buffer>'): IdxFile {
  if (buf.length < 4) throw inFile(file, `not an IDX file: only ${buf.length} bytes (truncated?)`);
  if (buf[0] !== 0 || buf[1] !== 0) {
    const gz =
      buf[0] === 0x1f && buf[1] === 0x8b ? ' (it is gzip-compressed: gunzip it first)' : '';
    throw inFile(file, `not an IDX file: bad magic number${gz}`);
  }
  const code = buf[2]!;
  const t = (TYPES as Record<number, readonly [IdxFile['type'], number]>)[code];
  if (t === undefined) {
    throw inFile(
      file,
      `not an IDX file: unknown element type 0x${code.toString(16).padStart(2, '0')}`,
    );
  }
  const nd = buf[3]!;
  if (nd === 0) throw inFile(file, 'IDX file with 0 dimensions');
  const dataStart = 4 + 4 * nd;
  if (buf.length < dataStart) {
    throw inFile(file, `truncated: ${buf.length} bytes, too short for ${nd} dimension sizes`);
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < nd; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const [type, bytes] = t;
  const count = dims.reduce((a, d) => a * d, 1);
  const expect = dataStart + count * bytes;
  if (buf.length < expect) {
    throw inFile(
      file,
      `truncated: dimensions [${dims.join(', ')}] of ${type} need ${expect} bytes but the file has ${buf.length}`,
    );
  }
  if (buf.length > expect) {
    throw inFile(
      file,
      `${buf.length - expect} unexpected bytes after the data: dimensions [${dims.join(', ')}] of ${type} need exactly ${expect} bytes`,
    );
  }
  let data: IdxData;
  switch (type) {
    case 'u8':
      data = buf.slice(dataStart, expect);
      break;
    case 'i8':
      data = new Int8Array(buf.slice(dataStart, expect).buffer);
      break;
    case 'i16':
      data = new Int16Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getInt16(dataStart + 2 * i, false);
      break;
    case 'i32':
      data = new Int32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getInt32(dataStart + 4 * i, false);
      break;
    case 'f32':
      data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getFloat32(dataStart + 4 * i, false);
      break;
    case 'f64':
      data = new Float64Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getFloat64(dataStart + 8 * i, false);
      break;
  }
  return { type, dims, data };
}

/** Reads an IDX file; a `.gz` file is decompressed first. `display` names it in errors. */
export function readIdx(path: string, display = path): IdxFile {
  let buf = readInputFile(path, display);
  if (path.endsWith('.gz')) {
    try {
      buf = gunzipSync(buf);
    } catch (err) {
      throw inFile(display, `cannot decompress: ${(err as Error).message}`);
    }
  }
  return parseIdx(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), display);
}
