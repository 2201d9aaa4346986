import type { Dataset } from './dataset.js';

/**
 * The input values a simulation or a measurement reads, in double (docs/semantics.md,
 * "Encoding"): MNIST's raw bytes 0..255 as they are (exact in the dataset's float32), CIFAR-10's
 * `byte / 255` computed in double. The dataset itself holds `float32(byte / 255)` for the trainer;
 * that value identifies its byte exactly (`round(v * 255) = byte`: float32 is within 2^-24 of
 * `byte / 255`), so the double is recomputed from it, values `[from, to)` only.
 */
export function inputValues(d: Dataset, from: number, to: number): Float32Array | Float64Array {
  const v = d.images.subarray(from, to);
  if (d.name !== 'cifar10') return v;
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = Math.round(v[i]! * 255) / 255;
  return out;
}
