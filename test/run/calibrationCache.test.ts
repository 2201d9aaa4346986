import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type CalibrationInputs,
  cachedUntrainedNetwork,
  calibrationKey,
  defaultCacheDir,
} from '../../src/run/calibrationCache.js';
import { untrainedNetwork } from '../../src/sim/untrained.js';
import type { Architecture } from '../../src/snn/network.js';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'ttfsim-cache-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const arch = (channels: number, units: number, name = 'conv1'): Architecture => ({
  input: { c: 1, h: 6, w: 6 },
  encoding: { kind: 'pixel', maxValue: 255 },
  layers: [
    { kind: 'conv', name, outChannels: channels, kernel: 3, stride: 1, padding: 1, bias: true },
    { kind: 'pool', name: 'pool', size: 2, stride: 2 },
    { kind: 'flatten', name: 'flatten' },
    { kind: 'dense', name: 'fc', units },
  ],
  readout: 'first-spike',
});

const frames = (n: number, salt: number) =>
  Array.from({ length: n }, (_, f) =>
    Float32Array.from({ length: 36 }, (_, i) => ((i * 37 + f * 11 + salt) % 256) * 1),
  );

describe('calibrated-weights cache', () => {
  it('the key changes with every input it depends on (property)', () => {
    const base: CalibrationInputs = {
      arch: arch(4, 3),
      seed: 1,
      calibrationInputs: frames(2, 0),
      stepsPerWindow: 10,
    };
    const k0 = calibrationKey(base);
    expect(calibrationKey({ ...base, calibrationInputs: frames(2, 0) })).toBe(k0);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: 2, max: 9 }).map((seed) => ({ ...base, seed })),
          fc.constantFrom(null, 1, 4, 16).map((stepsPerWindow) => ({ ...base, stepsPerWindow })),
          fc.double({ min: 0.01, max: 0.9, noNaN: true }).map((t) => ({
            ...base,
            targetFiringFraction: t,
          })),
          fc.double({ min: 0.1, max: 2, noNaN: true }).map((m) => ({ ...base, membraneStd: m })),
          fc.integer({ min: 5, max: 8 }).map((c) => ({ ...base, arch: arch(c, 3) })),
          fc.integer({ min: 4, max: 9 }).map((u) => ({ ...base, arch: arch(4, u) })),
          fc.constant({ ...base, arch: arch(4, 3, 'renamed') }),
          fc.constant({ ...base, calibrationInputs: frames(3, 0) }),
          fc
            .tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 35 }))
            .map(([f, i]) => {
              const x = frames(2, 0);
              x[f]![i] = (x[f]![i]! + 1) % 256;
              return { ...base, calibrationInputs: x };
            }),
          fc.constant({
            ...base,
            calibrationInputs: frames(2, 0).map((x) => Float64Array.from(x)),
          }),
        ),
        (changed) => {
          expect(calibrationKey(changed)).not.toBe(k0);
        },
      ),
      { numRuns: 200, seed: 16 },
    );
  });

  it('a second run reads the same weights bit for bit; a damaged file is recomputed', () => {
    const dir = tmp();
    const opts = { seed: 3, calibrationInputs: frames(2, 5), stepsPerWindow: 10 };
    const want = untrainedNetwork(arch(4, 3), opts).network;
    const first = cachedUntrainedNetwork(dir, arch(4, 3), opts);
    expect(first.hit).toBe(false);
    const second = cachedUntrainedNetwork(dir, arch(4, 3), opts);
    expect(second.hit).toBe(true);
    for (const got of [first.network, second.network]) {
      expect(got.weights).toEqual(want.weights);
      expect(got.biases).toEqual(want.biases);
    }
    // a damaged file is ignored, recomputed and rewritten
    const file = join(dir, readdirSync(dir)[0]!);
    writeFileSync(file, 'not a safetensors file');
    const third = cachedUntrainedNetwork(dir, arch(4, 3), opts);
    expect(third.hit).toBe(false);
    expect(third.network.weights).toEqual(want.weights);
    expect(cachedUntrainedNetwork(dir, arch(4, 3), opts).hit).toBe(true);
    // another seed is another file
    expect(cachedUntrainedNetwork(dir, arch(4, 3), { ...opts, seed: 4 }).hit).toBe(false);
    expect(readdirSync(dir).filter((f) => f.endsWith('.safetensors'))).toHaveLength(2);
    expect(defaultCacheDir({ TTFSIM_CACHE_DIR: 'off' })).toBeNull();
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/x' })).toBe(join('/x', 'ttfsim'));
  });

  it('survives two concurrent runs computing the same key', async () => {
    const dir = tmp();
    const src = resolve('src/run/calibrationCache.ts');
    const script = `
      import { cachedUntrainedNetwork } from ${JSON.stringify(src)};
      const arch = ${JSON.stringify(arch(8, 5))};
      const x = Array.from({ length: 2 }, (_, f) => Float32Array.from({ length: 36 }, (_, i) => (i * 7 + f) % 256));
      const r = cachedUntrainedNetwork(${JSON.stringify(dir)}, arch, { seed: 9, calibrationInputs: x, stepsPerWindow: 10 });
      let h = 0;
      for (const w of r.network.weights) for (const v of w) h = (h * 31 + Math.round(v * 1e6)) % 1000000007;
      console.log(h);
    `;
    const runOne = () =>
      new Promise<string>((ok, fail) => {
        const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
        let out = '';
        p.stdout.on('data', (d) => {
          out += d;
        });
        p.on('error', fail);
        p.on('exit', (code) => (code === 0 ? ok(out.trim()) : fail(new Error(`exit ${code}`))));
      });
    const [a, b] = await Promise.all([runOne(), runOne()]);
    expect(a).toBe(b);
    const files = readdirSync(dir);
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(files).toHaveLength(1);
    expect(await runOne()).toBe(a); // and a third run reads the file
  });
});
