import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { idxBytes, tempDir, ttfsim, writeTinyMnist, writeTinyModel } from '../run/helpers.js';

const tmp = tempDir('ttfsim-cli-sim-');
afterAll(tmp.cleanup);
const dataDir = join(tmp.dir, 'data');
writeTinyMnist(dataDir, 6);
const model = writeTinyModel(join(tmp.dir, 'model'), dataDir);
const badData = join(tmp.dir, 'bad-data');
mkdirSync(badData);
// Images header promises 6 images of 8x8 but the file stops after 10 pixels.
writeFileSync(
  join(badData, 't10k-images-idx3-ubyte'),
  idxBytes(0x08, [6, 8, 8], new Uint8Array(10)),
);
writeFileSync(join(badData, 't10k-labels-idx1-ubyte'), idxBytes(0x08, [6], new Uint8Array(6)));

const tiny = ['--model', model, '--set', 'chip.neuronsPerCore=40'];

/** Runs `ttfsim simulate` expecting a one-line error that matches `pattern`, and no output folder. */
async function expectBadInput(args: string[], pattern: RegExp): Promise<void> {
  const out = join(tmp.dir, `out-${Math.random().toString(36).slice(2)}`);
  const r = await ttfsim(['simulate', ...args, '--out', out]);
  expect(r.code, r.stderr).not.toBe(0);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^ttfsim: error: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stdout).toBe('');
  expect(existsSync(out)).toBe(false);
}

describe.concurrent('ttfsim simulate: bad input gives one clear line, a non-zero exit and no results', () => {
  const cases: [string, string[], RegExp][] = [
    [
      'unknown hardware name',
      ['--hw', 'nosuchchip'],
      /unknown hardware config "nosuchchip"; available: .*anp-i-28nm.*mesh22nm/,
    ],
    [
      'config field of the wrong type',
      [...tiny, '--set', 'energy.sopEnergyPj=abc'],
      /energy\.sopEnergyPj: .*number/,
    ],
    [
      'unknown config field',
      [...tiny, '--set', 'energy.sopEnergyJoules=1'],
      /energy\.sopEnergyJoules: unknown field/,
    ],
    [
      'model that does not fit the mesh',
      [...tiny, '--set', 'chip.meshWidth=1', '--set', 'chip.meshHeight=1'],
      /model tiny needs \d+ cores; the 1x1 mesh has 1/,
    ],
    [
      'missing data folder',
      [...tiny, '--data', join(tmp.dir, 'nowhere')],
      /nowhere: dataset not found/,
    ],
    ['malformed data folder', [...tiny, '--data', badData], /t10k-images-idx3-ubyte: truncated/],
    [
      '--frames out of range',
      [...tiny, '--frames', '7'],
      /--frames 7: out of range; the mnist test set has 6 frames/,
    ],
    ['--frames range out of range', [...tiny, '--frames', '4:9'], /--frames 4:9: out of range/],
    ['--frames zero', [...tiny, '--frames', '0'], /--frames 0: /],
    ['--frames garbage', [...tiny, '--frames', 'lots'], /--frames lots: expected a count N/],
    [
      'unknown model',
      ['--model', 'nosuchmodel'],
      /nosuchmodel: model not found .*bundled: .*mnist-cnn/,
    ],
    ['bad --noc', [...tiny, '--noc', 'fancy'], /--noc fancy: expected ideal or detailed/],
    [
      'bad --weight-bits',
      [...tiny, '--weight-bits', '1'],
      /--weight-bits 1: expected a whole number from 2 to 16/,
    ],
  ];
  it.each(cases)('%s', async (_name, args, pattern) => {
    await expectBadInput(args, pattern);
  });
});

describe.concurrent('ttfsim simulate: output', () => {
  it('--json prints one object with the summary figures', async () => {
    const out = join(tmp.dir, 'json-run');
    const r = await ttfsim(['simulate', ...tiny, '--frames', '3', '--json', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    for (const key of [
      'frames',
      'accuracy',
      'sparsity',
      'spikes',
      'sops',
      'packets',
      'hops',
      'latencySteps',
      'latencyNs',
      'coresUsed',
      'mesh',
    ]) {
      expect(j, key).toHaveProperty(key);
    }
    expect(Object.keys(j.energyJ).sort()).toEqual(['hop', 'sop', 'static', 'total']);
    expect(j.frames).toBe(3);
    const runJson = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(runJson.summary).toEqual(
      Object.fromEntries(Object.entries(j).filter(([k]) => k in runJson.summary)),
    );
  });

  it('prints the summary table and --trace-spikes writes the CSV', async () => {
    const out = join(tmp.dir, 'table-run');
    const trace = join(tmp.dir, 'spikes.csv');
    const r = await ttfsim([
      'simulate',
      ...tiny,
      '--frames',
      '2',
      '--out',
      out,
      '--trace-spikes',
      trace,
      '--report',
    ]);
    expect(r.code, r.stderr).toBe(0);
    for (const word of [
      'accuracy',
      'sparsity',
      'SOPs',
      'packets',
      'hops',
      'latency',
      'energy',
      'static',
      'cores used',
      'Table 2',
    ]) {
      expect(r.stdout).toContain(word);
    }
    expect(readFileSync(trace, 'utf8').split('\n')[0]).toBe('frame,layer,neuron,t');
    // The HTML report reads what simulate wrote (its validator accepts run.json and the raster).
    expect(existsSync(join(out, 'report.html'))).toBe(true);
  });

  it('runs with no command (simulate is the default) on the bundled MNIST model', async () => {
    const out = join(tmp.dir, 'default-run');
    const r = await ttfsim(['--frames', '2', '--quiet', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(out);
    const runJson = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(runJson.model.name).toBe('mnist-cnn');
    expect(runJson.hardware.name).toBe('mesh22nm');
    expect(runJson.input.dataset).toBe('mnist');
  });
});
