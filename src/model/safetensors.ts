/**
 * A small, strict reader and writer for the safetensors format
 * (https://huggingface.co/docs/safetensors):
 *
 *     [8 bytes]  N, the header length, unsigned 64-bit little-endian
 *     [N bytes]  a UTF-8 JSON object:
 *                  { "<tensor name>": { "dtype": "F32", "shape": [2, 3], "data_offsets": [b, e] },
 *                    ...,
 *                    "__metadata__": { "<key>": "<string value>" } }        (optional)
 *     [rest]     the byte buffer; a tensor's bytes are `buffer[b, e)`, little-endian, row-major
 *
 * Validation follows the reference implementation: the header must fit in the file and be a JSON
 * object; every entry needs a known dtype, a shape of non-negative integers and offsets with
 * `e - b = product(shape) * bytes(dtype)`; the tensors must tile the byte buffer exactly (no
 * overlap, no gap, nothing after the last one); a tensor name given twice is refused (JSON
 * parsers keep one of them silently). Every failure is a `UserError` that names the file and,
 * where there is one, the tensor, and never quotes the file's bytes.
 *
 * Reading converts F32, F16, BF16 and F64 to `Float32Array` (`tensorToFloat32`); other dtypes are
 * parsed and validated but cannot be converted. Writing supports F32 and F16 (round to nearest,
 * ties to even). The header is padded with spaces to a multiple of 8 bytes, as the reference
 * writer does, so that F32/F64 data are aligned.
 */
import { writeFileAtomic } from '../util/atomicWrite.js';
import { inFile, UserError } from '../util/errors.js';
import { parseJsonStrict } from '../util/json.js';
import { readInputFile } from '../util/readInput.js';

/** Bytes per element of every dtype the safetensors format defines (classic set). */
export const DTYPE_BYTES = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  I64: 8,
  U64: 8,
  F64: 8,
} as const;

export type SafetensorsDtype = keyof typeof DTYPE_BYTES;

/** The dtypes `tensorToFloat32` converts. */
export const FLOAT_DTYPES: readonly SafetensorsDtype[] = ['F32', 'F16', 'BF16', 'F64'];

/** One tensor as stored: its raw little-endian bytes (a view into the file buffer). */
export interface SafetensorsTensor {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Element count: the product of `shape` (1 for a scalar). */
  size: number;
  bytes: Uint8Array;
}

export interface SafetensorsFile {
  /** Tensors in the order of their data offsets. */
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

/** A tensor to write: float data in row-major order and the dtype to store it as. */
export interface TensorToWrite {
  shape: readonly number[];
  data: ArrayLike<number>;
  /** Default F32. */
  dtype?: 'F32' | 'F16';
}

/** Largest header the reader accepts (the reference implementation's limit). */
const MAX_HEADER_BYTES = 100_000_000;

/** Typed arrays use the host's byte order; on little-endian hosts F32 data can be copied as is. */
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Parses a safetensors file held in memory. `file` names it in error messages. */
export function parseSafetensors(buf: Uint8Array, file = '<buffer>'): SafetensorsFile {
  if (buf.length < 8) {
    throw inFile(
      file,
      `not a safetensors file: ${buf.length} bytes, too short for the 8-byte header length (truncated?)`,
    );
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const headerLen = view.getBigUint64(0, true);
  if (headerLen > BigInt(buf.length - 8)) {
    // The length is shown only when it is a plausible size: for any other file these 8 bytes are
    // its content (text reads as a huge number), and errors never echo a file's content.
    const shown =
      headerLen < 2n ** 32n ? `header length ${headerLen}` : 'header length (bytes 0-7)';
    throw inFile(
      file,
      `${shown} runs past the end of the file (${buf.length} bytes): truncated or not a safetensors file`,
    );
  }
  const n = Number(headerLen);
  if (n > MAX_HEADER_BYTES)
    throw inFile(file, `header of ${n} bytes is larger than the 100 MB limit`);
  if (n < 2) throw inFile(file, `header of ${n} bytes cannot hold a JSON object`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(8, 8 + n));
  } catch {
    throw inFile(file, 'header is not valid UTF-8 (corrupted or not a safetensors file)');
  }
  let header: unknown;
  try {
    header = parseJsonStrict(text);
  } catch (err) {
    const msg = (err as Error).message;
    if (msg.includes('duplicate key')) {
      throw inFile(file, `header: ${msg}: every tensor name (and entry field) may appear once`);
    }
    throw inFile(file, `header is not valid JSON (${msg}): corrupted or not a safetensors file`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw inFile(file, 'header is not a JSON object');
  }
  const bufferStart = 8 + n;
  const bufferLen = buf.length - bufferStart;
  let metadata: Record<string, string> = {};
  const entries: SafetensorsTensor[] = [];
  const offsets = new Map<string, [number, number]>();
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = parseMetadata(raw, file);
      continue;
    }
    const where = `tensor "${name}"`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw inFile(file, `${where}: header entry is not an object`);
    }
    const entry = raw as Record<string, unknown>;
    for (const key of Object.keys(entry)) {
      if (key !== 'dtype' && key !== 'shape' && key !== 'data_offsets') {
        throw inFile(file, `${where}: unknown header field "${key}"`);
      }
    }
    const dtype = entry.dtype;
    if (typeof dtype !== 'string' || !Object.hasOwn(DTYPE_BYTES, dtype)) {
      throw inFile(
        file,
        `${where}: unknown dtype ${JSON.stringify(dtype)} (expected one of ${Object.keys(DTYPE_BYTES).join(', ')})`,
      );
    }
    const shape = entry.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw inFile(
        file,
        `${where}: shape ${JSON.stringify(shape)} is not a list of non-negative integers`,
      );
    }
    const off = entry.data_offsets;
    if (
      !Array.isArray(off) ||
      off.length !== 2 ||
      !off.every((o) => Number.isSafeInteger(o) && o >= 0)
    ) {
      throw inFile(file, `${where}: data_offsets ${JSON.stringify(off)} is not [begin, end]`);
    }
    const [begin, end] = off as [number, number];
    if (end < begin)
      throw inFile(file, `${where}: data_offsets [${begin}, ${end}] end before they begin`);
    if (end > bufferLen) {
      throw inFile(
        file,
        `${where}: data_offsets [${begin}, ${end}] run past the ${bufferLen}-byte data buffer (truncated file?)`,
      );
    }
    const size = (shape as number[]).reduce((a, d) => a * d, 1);
    const expectBytes = size * DTYPE_BYTES[dtype as SafetensorsDtype];
    if (end - begin !== expectBytes) {
      throw inFile(
        file,
        `${where}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes but shape [${shape.join(', ')}] of ${dtype} needs ${expectBytes}`,
      );
    }
    offsets.set(name, [begin, end]);
    entries.push({
      name,
      dtype: dtype as SafetensorsDtype,
      shape: shape as number[],
      size,
      bytes: buf.subarray(bufferStart + begin, bufferStart + end),
    });
  }
  // The tensors must tile the buffer: sorted by offset, each begins where the last one ended.
  entries.sort((a, b) => offsets.get(a.name)![0] - offsets.get(b.name)![0]);
  let pos = 0;
  let prev = '';
  for (const t of entries) {
    const [begin, end] = offsets.get(t.name)!;
    if (begin < pos) {
      throw inFile(
        file,
        `tensor "${t.name}": data_offsets [${begin}, ${end}] overlap tensor "${prev}"`,
      );
    }
    if (begin > pos) {
      throw inFile(
        file,
        `tensor "${t.name}": data_offsets [${begin}, ${end}] leave a gap of ${begin - pos} bytes before it`,
      );
    }
    pos = end;
    prev = t.name;
  }
  if (pos !== bufferLen) {
    throw inFile(
      file,
      `data buffer is ${bufferLen} bytes but the tensors cover ${pos}: ${bufferLen - pos} stray bytes at the end (corrupted file?)`,
    );
  }
  return { tensors: new Map(entries.map((t) => [t.name, t])), metadata };
}

function parseMetadata(raw: unknown, file: string): Record<string, string> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw inFile(file, '__metadata__ is not an object of strings');
  }
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string') throw inFile(file, `__metadata__.${k} is not a string`);
  }
  return { ...(raw as Record<string, string>) };
}

/** Reads and parses a safetensors file. `display` names it in errors (default: `path`). */
export function readSafetensors(path: string, display = path): SafetensorsFile {
  const buf = readInputFile(path, display);
  return parseSafetensors(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), display);
}

/** Converts an F32, F16, BF16 or F64 tensor to a fresh `Float32Array` (row-major). */
export function tensorToFloat32(t: SafetensorsTensor, file = '<buffer>'): Float32Array {
  if (t.dtype === 'F32' && LITTLE_ENDIAN_HOST) {
    const out = new Float32Array(t.size);
    out.set(new Float32Array(t.bytes.slice().buffer));
    return out;
  }
  return decodeFloats(t, file, new Float32Array(t.size));
}

/**
 * Converts a float tensor to a fresh `Float64Array` without rounding (F64 keeps its precision),
 * for computations done in double such as folding batch norm.
 */
export function tensorToFloat64(t: SafetensorsTensor, file = '<buffer>'): Float64Array {
  return decodeFloats(t, file, new Float64Array(t.size));
}

function decodeFloats<T extends Float32Array | Float64Array>(
  t: SafetensorsTensor,
  file: string,
  out: T,
): T {
  const v = new DataView(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength);
  switch (t.dtype) {
    case 'F32':
      for (let i = 0; i < t.size; i++) out[i] = v.getFloat32(4 * i, true);
      break;
    case 'F64':
      for (let i = 0; i < t.size; i++) out[i] = v.getFloat64(8 * i, true);
      break;
    case 'F16':
      for (let i = 0; i < t.size; i++) out[i] = halfToFloat(v.getUint16(2 * i, true));
      break;
    case 'BF16':
      for (let i = 0; i < t.size; i++) out[i] = bf16ToFloat(v.getUint16(2 * i, true));
      break;
    default:
      throw inFile(
        file,
        `tensor "${t.name}" has dtype ${t.dtype}; expected a float dtype (${FLOAT_DTYPES.join(', ')})`,
      );
  }
  return out;
}

/** Decodes an IEEE 754 binary16 bit pattern. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Decodes a bfloat16 bit pattern (the top 16 bits of a float32). */
export function bf16ToFloat(b: number): number {
  u32[0] = (b & 0xffff) << 16;
  return f32[0];
}

/**
 * Encodes a number as IEEE 754 binary16, rounding to nearest with ties to even (values beyond
 * the largest half, 65504, round to infinity exactly as a hardware conversion does).
 */
export function floatToHalf(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  let a = Math.abs(x);
  if (a === Number.POSITIVE_INFINITY) return sign | 0x7c00;
  if (a < 2 ** -14) {
    // Subnormal (or zero): units of 2^-24, round half to even.
    const q = roundHalfEven(a * 2 ** 24);
    return sign | q; // q may reach 1024 = the smallest normal, which is the right bit pattern
  }
  let e = Math.floor(Math.log2(a));
  // Guard against log2 rounding at exact powers of two.
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  a = a / 2 ** e; // in [1, 2)
  let m = roundHalfEven((a - 1) * 1024);
  if (m === 1024) {
    m = 0;
    e++;
  }
  if (e > 15) return sign | 0x7c00;
  return sign | ((e + 15) << 10) | m;
}

function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * Serializes tensors (in the given order) and optional string metadata to safetensors bytes.
 * Throws a `UserError` if a tensor's data length does not match its shape.
 */
export function encodeSafetensors(
  tensors: Record<string, TensorToWrite> | Map<string, TensorToWrite>,
  metadata?: Record<string, string>,
): Uint8Array {
  const list = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of list) {
    if (name === '__metadata__') throw new UserError('"__metadata__" is not a valid tensor name');
    if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new UserError(
        `tensor "${name}": shape [${t.shape.join(', ')}] is not a list of non-negative integers`,
      );
    }
    const size = t.shape.reduce((a, d) => a * d, 1);
    if (size !== t.data.length) {
      throw new UserError(
        `tensor "${name}": shape [${t.shape.join(', ')}] needs ${size} values but ${t.data.length} were given`,
      );
    }
    const dtype = t.dtype ?? 'F32';
    const bytes = size * DTYPE_BYTES[dtype];
    header[name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  let headerBytes = new TextEncoder().encode(json);
  const pad = (8 - (headerBytes.length % 8)) % 8;
  if (pad > 0) {
    json += ' '.repeat(pad);
    headerBytes = new TextEncoder().encode(json);
  }
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const [, t] of list) {
    if ((t.dtype ?? 'F32') === 'F32') {
      if (LITTLE_ENDIAN_HOST && pos % 4 === 0) {
        new Float32Array(out.buffer, pos, t.data.length).set(t.data);
        pos += 4 * t.data.length;
      } else {
        for (let i = 0; i < t.data.length; i++, pos += 4) view.setFloat32(pos, t.data[i]!, true);
      }
    } else {
      for (let i = 0; i < t.data.length; i++, pos += 2)
        view.setUint16(pos, floatToHalf(t.data[i]!), true);
    }
  }
  return out;
}

/** Writes a safetensors file atomically (temporary file, then rename). */
export function writeSafetensors(
  path: string,
  tensors: Record<string, TensorToWrite> | Map<string, TensorToWrite>,
  metadata?: Record<string, string>,
): void {
  writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}
