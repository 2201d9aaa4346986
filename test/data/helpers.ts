import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** IDX bytes: magic 00 00 <type> <ndims>, big-endian u32 sizes, then `body` as given. */
export function idxBytes(type: number, dims: number[], body: number[] | Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + body.length);
  const v = new DataView(out.buffer);
  out[2] = type;
  out[3] = dims.length;
  dims.forEach((d, i) => {
    v.setUint32(4 + 4 * i, d, false);
  });
  out.set(body, 4 + 4 * dims.length);
  return out;
}

/** One CIFAR-10 record: label byte then 3072 pixel bytes from `pixel(channel, row, col)`. */
export function cifarRecord(
  label: number,
  pixel: (c: number, y: number, x: number) => number,
): number[] {
  const r = [label];
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) r.push(pixel(c, y, x));
  return r;
}

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'ttfsim-data-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
