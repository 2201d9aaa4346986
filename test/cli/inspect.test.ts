import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeSafetensors } from '../../src/model/safetensors.js';
import { PROJECT_ROOT } from '../../src/util/version.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'ttfsim-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function ttfsim(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, TTFSIM_DEBUG: '' },
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const tiny = {
  name: 'tiny',
  input: { channels: 1, height: 6, width: 6 },
  encoding: { kind: 'pixel', maxValue: 255 },
  layers: [
    { type: 'conv', outChannels: 2, kernel: 3 },
    { type: 'flatten' },
    { type: 'dense', units: 2 },
  ],
  classes: ['a', 'b'],
  dataset: 'mnist',
  weights: { file: 'tiny.safetensors', trained: true },
};

/** Asserts the one-line error contract: exit 2, one stderr line, no stack trace. */
function expectOneLineError(r: { code: number; stdout: string; stderr: string }, re: RegExp): void {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^ttfsim: error: /);
  expect(lines[0]).toMatch(re);
  expect(r.stderr).not.toMatch(/^\s+at /m);
}

describe('ttfsim inspect', () => {
  it('prints 12,202 neurons for mnist-cnn', async () => {
    const r = await ttfsim('inspect', 'mnist-cnn');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^total\s.*6 windows\s+12,202\s/m);
    // the shipped MNIST weights are trained (ttfsim train) and say so
    expect(r.stdout).toMatch(/^weights\s+.*trained/m);
    expect(r.stdout).not.toMatch(/^weights\s+none/m);
    expect(r.stdout).toMatch(/^encoding\s+pixel/m);
  });

  it('prints 284,682 neurons for vgg16, and the same numbers as JSON', async () => {
    const r = await ttfsim('inspect', 'vgg16');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^total\s.*16 windows\s+284,682\s/m);
    expect(r.stdout).toMatch(/\(host\)/);
    const j = await ttfsim('inspect', 'models/vgg16.json', '--json');
    expect(j.code).toBe(0);
    const report = JSON.parse(j.stdout);
    expect(report.totals.neurons).toBe(284682);
    expect(report.totals.windows).toBe(16);
    expect(report.weights).toEqual({ present: false, trained: false, file: null });
    // conv1: 64 x 3 x (sum of in-map taps over 32 outputs)^2, taps = 30 x 3 + 2 x 2 = 94.
    expect(report.layers[1].synapses).toBe(64 * 3 * 94 * 94);
    expect(report.totals.synapses - report.totals.synapsesOnChip).toBe(64 * 3 * 94 * 94);
  });

  it('shows trained weights and their statistics', async () => {
    writeFileSync(
      join(dir, 'tiny.json'),
      JSON.stringify({ ...tiny, provenance: { trainer: 'test', epochs: 2 } }),
    );
    writeFileSync(
      join(dir, 'tiny.safetensors'),
      encodeSafetensors({
        'conv1.weight': { shape: [2, 1, 3, 3], data: new Array(18).fill(0.5) },
        'fc1.weight': { shape: [2, 32], data: Array.from({ length: 64 }, (_, i) => i - 32) },
      }),
    );
    const r = await ttfsim('inspect', join(dir, 'tiny.json'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^weights\s+trained \(tiny\.safetensors\)$/m);
    expect(r.stdout).toMatch(/^provenance\s+trainer test, 2 epochs$/m);
    const j = JSON.parse((await ttfsim('inspect', join(dir, 'tiny.json'), '--json')).stdout);
    expect(j.layers[3].weightStats).toEqual({
      min: -32,
      max: 31,
      meanAbs: 16,
      zeroFraction: 1 / 64,
    });
  });

  it('reports an unknown layer type in one line', async () => {
    const bad = { ...tiny, weights: null, layers: [{ type: 'lstm', units: 3 }, ...tiny.layers] };
    writeFileSync(join(dir, 'lstm.json'), JSON.stringify(bad));
    expectOneLineError(
      await ttfsim('inspect', join(dir, 'lstm.json')),
      /lstm\.json: layers\[0\]\.type: unknown layer type "lstm"/,
    );
  });

  it('reports a truncated weights file and a missing one in one line', async () => {
    const bytes = encodeSafetensors({
      'conv1.weight': { shape: [2, 1, 3, 3], data: new Array(18).fill(0) },
    });
    writeFileSync(join(dir, 'trunc.safetensors'), bytes.subarray(0, 30));
    writeFileSync(
      join(dir, 'trunc.json'),
      JSON.stringify({ ...tiny, weights: { file: 'trunc.safetensors', trained: true } }),
    );
    expectOneLineError(
      await ttfsim('inspect', join(dir, 'trunc.json')),
      /trunc\.safetensors: header length \d+ runs past the end/,
    );
    writeFileSync(
      join(dir, 'gone.json'),
      JSON.stringify({ ...tiny, weights: { file: 'gone.safetensors', trained: true } }),
    );
    expectOneLineError(
      await ttfsim('inspect', join(dir, 'gone.json')),
      /gone\.json: weights\.file: "gone\.safetensors" not found/,
    );
    expectOneLineError(await ttfsim('inspect', 'no-such-model'), /no-such-model: model not found/);
  });
});
