/**
 * The bad-input corpus (issue 15): hardware configs, manifests, safetensors files, sweep specs
 * and command-line options a user or an attacker might give, each run through the real CLI in
 * a child process. Every one must exit 2 with one `ttfsim: error:` line that names the file or
 * field, no stack trace, nothing on stdout, within a few seconds of the CLI's own start-up, and
 * write nothing anywhere under the test folder (inputs included). Messages must never quote a
 * file's content (the inputs hold the marker SECRET where content would leak).
 */
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSafetensors } from '../../src/model/safetensors.js';
import { tempDir, tinyManifest, writeTinyMnist, writeTinyModel } from '../run/helpers.js';
import { cli, expectOneLineError, snapshot } from './helpers.js';

const tmp = tempDir('ttfsim-corpus-');
afterAll(tmp.cleanup);
const IN = join(tmp.dir, 'in');
const OUT = join(tmp.dir, 'out');
const at = (...p: string[]) => join(IN, ...p);
const json = (v: unknown) => JSON.stringify(v, null, 2);
const SECRET = 'root:x:0:0:SECRET-line-of-a-private-file\n';

function write(rel: string, content: string | Uint8Array): string {
  const p = at(rel);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, content);
  return p;
}

/** A one-layer model (1x8x8 -> dense 10) whose weights file is `file` in folder `dir`. */
function denseModel(dir: string, file: string, weights?: string | Uint8Array): string {
  if (weights !== undefined) write(`${dir}/${file}`, weights);
  return write(
    `${dir}/m.json`,
    json({
      ...tinyManifest(at('data')),
      name: 'dense',
      layers: [{ type: 'flatten' }, { type: 'dense', units: 10 }],
      weights: { file, trained: true },
    }),
  );
}

/** Safetensors bytes with a hand-written header (so that it can be malformed). */
function safetensorsWithHeader(header: string, dataBytes: number): Uint8Array {
  const h = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + h.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  return out;
}

let tiny: string[] = [];
let spec = '';

function setUp(): void {
  writeTinyMnist(at('data'), 6);
  const model = writeTinyModel(at('model'), at('data'));
  tiny = ['--model', model, '--set', 'chip.neuronsPerCore=40'];
  write('afile', 'not a folder\n');
  // Hardware configs.
  write('hw/notjson.json', SECRET);
  write('hw/dupkey.json', '{ "chip": { "meshWidth": 2, "meshWidth": 3 } }');
  write('hw/unknown.json', json({ chipp: {} }));
  write('hw/array.json', '[1, 2]');
  write('hw/bigmesh.json', json({ chip: { meshWidth: 10000, meshHeight: 10000 } }));
  write('hw/stepns.json', json({ timing: { stepNs: 1e308 } }));
  write('hw/packet.json', json({ noc: { spikePacketFlits: 1e6 } }));
  write('hw/negative.json', json({ energy: { sopEnergyPj: -1 } }));
  write(
    'hw/memory.json',
    json({
      chip: { meshWidth: 1024, meshHeight: 1024 },
      noc: { bufferDepthFlits: 1024, virtualChannels: 16 },
    }),
  );
  // Manifests.
  const base = tinyManifest(at('data'));
  write(
    'm/units.json',
    json({ ...base, layers: [{ type: 'flatten' }, { type: 'dense', units: 1e8 }] }),
  );
  write(
    'm/memory.json',
    json({
      ...base,
      input: { channels: 1, height: 4096, width: 4096 },
      layers: [{ type: 'flatten' }, { type: 'dense', units: 1e7 }, { type: 'dense', units: 10 }],
    }),
  );
  write('m/dupkey.json', '{ "name": "a", "name": "b" }');
  write('m/notjson.json', SECRET);
  denseModel('escape', '../../../../../../../../../../etc/passwd');
  denseModel('absolute', '/etc/passwd');
  denseModel('link', 'w.safetensors');
  symlinkSync('/etc/passwd', at('link', 'w.safetensors'));
  denseModel('text', 'w.safetensors', SECRET.repeat(4));
  // Safetensors.
  const entry = (b: number) => ({ dtype: 'F32', shape: [10, 64], data_offsets: [b, b + 2560] });
  denseModel(
    'st-dup',
    'w.safetensors',
    safetensorsWithHeader(
      `{"fc1.weight":${JSON.stringify(entry(0))},"fc1.weight":${JSON.stringify(entry(2560))}}`,
      5120,
    ),
  );
  const good = encodeSafetensors({
    'fc1.weight': { shape: [10, 64], data: new Float32Array(640) },
  });
  denseModel('st-trunc', 'w.safetensors', good.subarray(0, good.length - 100));
  denseModel('st-notjson', 'w.safetensors', safetensorsWithHeader(SECRET, 0));
  // Sweep specs.
  const sweep = {
    model: model,
    data: at('data'),
    set: ['chip.neuronsPerCore=40'],
    frames: 2,
    axes: [{ field: 'energy.sopEnergyPj', values: [1, 2] }],
  };
  spec = write('sweep/ok.json', json(sweep));
  const thousand = Array.from({ length: 1000 }, (_, i) => i + 1);
  write(
    'sweep/grid.json',
    json({
      ...sweep,
      axes: [
        { field: 'energy.sopEnergyPj', values: thousand },
        { field: 'energy.hopEnergyPj', values: thousand },
      ],
    }),
  );
  write(
    'sweep/samples.json',
    json({
      ...sweep,
      axes: [{ field: 'energy.sopEnergyPj', range: { min: 1, max: 2 } }],
      sampling: { count: 1e9 },
    }),
  );
  write('sweep/frames.json', json({ ...sweep, frames: 20 }));
  write('sweep/unknown.json', json({ ...sweep, axes: [{ field: 'noc.depth', values: [1] }] }));
  write('sweep/dupkey.json', `{ "model": "mnist-cnn", "model": "vgg16" }`);
  write('sweep/notjson.json', SECRET);
}

type Case = [name: string, args: () => string[], pattern: RegExp];

const CASES: Case[] = [
  // Hardware configs.
  [
    'config: not JSON',
    () => ['--hw', at('hw/notjson.json')],
    /notjson\.json: not valid JSON \(line 1, column 1/,
  ],
  [
    'config: duplicate field',
    () => ['--hw', at('hw/dupkey.json')],
    /dupkey\.json: .*duplicate key "meshWidth"/,
  ],
  [
    'config: unknown field',
    () => ['--hw', at('hw/unknown.json')],
    /unknown\.json: chipp: unknown field/,
  ],
  [
    'config: not an object',
    () => ['--hw', at('hw/array.json')],
    /array\.json: expected a JSON object/,
  ],
  [
    'config: 10000x10000 mesh',
    () => ['--hw', at('hw/bigmesh.json')],
    /chip\.meshWidth: Too big.*1024/,
  ],
  ['config: timing.stepNs 1e308', () => ['--hw', at('hw/stepns.json')], /timing\.stepNs: Too big/],
  [
    'config: noc.spikePacketFlits 10^6',
    () => ['--hw', at('hw/packet.json')],
    /noc\.spikePacketFlits: Too big/,
  ],
  [
    'config: negative energy',
    () => ['--hw', at('hw/negative.json')],
    /energy\.sopEnergyPj: Too small/,
  ],
  [
    'config: a network that cannot fit in memory',
    () => ['--hw', at('hw/memory.json'), '--model', at('model/tiny.json')],
    /chip\.meshWidth x chip\.meshHeight: a 1024x1024 mesh .* needs about [\d.]+ TB of memory/,
  ],
  // Manifests.
  [
    'manifest: dense layer of 10^8 units',
    () => ['--model', at('m/units.json')],
    /units\.json: layers\[1\]\.units: Too big/,
  ],
  [
    'manifest: a model that cannot fit in memory',
    () => ['--model', at('m/memory.json')],
    /memory\.json: layers\[1\]\.units: the model needs about [\d.]+ PB of memory/,
  ],
  [
    'manifest: duplicate field',
    () => ['--model', at('m/dupkey.json')],
    /dupkey\.json: not valid JSON: .*duplicate key "name"/,
  ],
  [
    'manifest: not JSON',
    () => ['--model', at('m/notjson.json')],
    /notjson\.json: not valid JSON: line 1, column 1/,
  ],
  [
    'manifest: weights path escaping the folder',
    () => ['--model', at('escape/m.json')],
    /m\.json: weights\.file: ".*etc\/passwd" is outside the model's folder/,
  ],
  [
    'manifest: absolute weights path',
    () => ['--model', at('absolute/m.json')],
    /weights\.file: "\/etc\/passwd" is outside the model's folder/,
  ],
  [
    'manifest: weights symlinked out of the folder',
    () => ['--model', at('link/m.json')],
    /weights\.file: "w\.safetensors" is outside the model's folder/,
  ],
  [
    'manifest: weights file holding text',
    () => ['--model', at('text/m.json')],
    /w\.safetensors: header length \(bytes 0-7\) runs past the end/,
  ],
  [
    'inspect: weights path escaping the folder',
    () => ['inspect', at('escape/m.json')],
    /weights\.file: .* is outside the model's folder/,
  ],
  // Safetensors.
  [
    'safetensors: a tensor name twice',
    () => ['--model', at('st-dup/m.json')],
    /w\.safetensors: header: .*duplicate key "fc1\.weight"/,
  ],
  [
    'safetensors: truncated',
    () => ['--model', at('st-trunc/m.json')],
    /w\.safetensors: .*truncated/,
  ],
  [
    'safetensors: header not JSON',
    () => ['--model', at('st-notjson/m.json')],
    /w\.safetensors: header is not valid JSON \(line 1, column 1/,
  ],
  // Sweep specs.
  [
    'sweep: a 10^6-point grid',
    () => ['sweep', at('sweep/grid.json'), '--out', join(OUT, 'grid')],
    /grid\.json: 1000000 points \(1000 x 1000 grid x 1 seed\) is more than the limit of 10000; .*--max-points 1000000/,
  ],
  [
    'sweep: 10^9 samples',
    () => ['sweep', at('sweep/samples.json'), '--out', join(OUT, 'samples')],
    /samples\.json: 1000000000 points/,
  ],
  [
    'sweep: frames beyond the data set',
    () => ['sweep', at('sweep/frames.json'), '--out', join(OUT, 'frames')],
    /frames\.json: frames: \[0, 20\) runs past the mnist test set \(6 frames\)/,
  ],
  [
    'sweep: unknown axis field',
    () => ['sweep', at('sweep/unknown.json'), '--out', join(OUT, 'unknown')],
    /unknown\.json: .*noc\.depth: unknown field/,
  ],
  [
    'sweep: duplicate field',
    () => ['sweep', at('sweep/dupkey.json'), '--out', join(OUT, 'dup')],
    /dupkey\.json: not valid JSON \(.*duplicate key "model"/,
  ],
  [
    'sweep: spec not JSON',
    () => ['sweep', at('sweep/notjson.json'), '--out', join(OUT, 'nj')],
    /notjson\.json: not valid JSON \(line 1, column 1/,
  ],
  ['sweep: --out ""', () => ['sweep', spec, '--out', ''], /--out: empty path/],
  [
    'sweep: --out an existing file',
    () => ['sweep', spec, '--out', at('afile')],
    /--out .*afile: exists and is a file/,
  ],
  [
    'sweep: --max-points 0',
    () => ['sweep', spec, '--out', join(OUT, 'mp'), '--max-points', '0'],
    /--max-points 0: expected a whole number >= 1/,
  ],
  // Command-line options.
  ['mistyped command', () => ['simulte'], /unknown command 'simulte' \(Did you mean simulate\?\)/],
  [
    'mistyped sweep command',
    () => ['sweep', 'mrege', 'a', '--out', join(OUT, 'm')],
    /unknown command 'mrege' \(Did you mean merge\?\)/,
  ],
  ['unknown option', () => ['--bogus'], /unknown option '--bogus'/],
  ['invalid choice', () => ['noc', '--traffic', 'bogus'], /--traffic <pattern>.*bogus.*uniform/],
  ['missing option value', () => ['inspect'], /missing required argument 'model'/],
  [
    '--set __proto__',
    () => [...tiny, '--set', '__proto__.polluted=1'],
    /--set __proto__\.polluted=1: __proto__: unknown field/,
  ],
  [
    '--set constructor.prototype',
    () => [...tiny, '--set', 'constructor.prototype.x=1'],
    /constructor: unknown field/,
  ],
  [
    '--set chip.__proto__',
    () => [...tiny, '--set', 'chip.__proto__.x=1'],
    /chip\.__proto__: unknown field/,
  ],
  [
    '--set sources.__proto__',
    () => [...tiny, '--set', 'sources.__proto__=x'],
    /sources\.__proto__: not a valid key/,
  ],
  [
    '--set below a value',
    () => [...tiny, '--set', 'energy.sopEnergyPj.x=1'],
    /energy\.sopEnergyPj\.x: unknown field/,
  ],
  ['--out ""', () => [...tiny, '--out', ''], /--out: empty path/],
  [
    '--out name too long',
    () => [...tiny, '--out', join(OUT, 'x'.repeat(300))],
    /--out .*: name too long \(300 bytes/,
  ],
  [
    '--out in /proc',
    () => [...tiny, '--out', '/proc/ttfsim-corpus'],
    /--out \/proc\/ttfsim-corpus: cannot create the folder/,
  ],
  [
    '--out an existing file',
    () => [...tiny, '--out', at('afile')],
    /--out .*afile: exists and is a file/,
  ],
  [
    '--trace-spikes ""',
    () => [...tiny, '--out', join(OUT, 't'), '--trace-spikes', ''],
    /--trace-spikes: empty path/,
  ],
  [
    '--trace-spikes in a missing folder',
    () => [...tiny, '--out', join(OUT, 't2'), '--trace-spikes', join(OUT, 'no', 'x.csv')],
    /--trace-spikes .*: folder .* does not exist/,
  ],
  [
    'train: --lr not a number',
    () => ['train', '--model', 'mnist-cnn', '--lr', 'abc', '--out', join(OUT, 'tr')],
    /--lr "abc": expected a positive number/,
  ],
  [
    'report of a missing folder',
    () => ['report', join(OUT, 'none')],
    /none: results folder not found/,
  ],
];

if (process.getuid?.() !== 0) {
  // As root every folder is writable: the permission case runs only for other users.
  CASES.push([
    '--out without permission',
    () => {
      const ro = at('readonly');
      mkdirSync(ro, { recursive: true, mode: 0o555 });
      return [...tiny, '--out', join(ro, 'x')];
    },
    /--out .*: cannot (create the folder|write there): permission denied/,
  ]);
}

describe('bad-input corpus: exit 2, one line, no trace, fast, nothing written', () => {
  let startupMs = 0;
  let before: Record<string, string> = {};
  beforeAll(async () => {
    setUp();
    const cwd = join(tmp.dir, 'cwd-version');
    mkdirSync(cwd);
    const r = await cli(['--version'], cwd);
    expect(r.code).toBe(0);
    startupMs = r.ms;
    rmSync(cwd, { recursive: true });
    for (const [, args] of CASES) args(); // folders some cases create for their inputs
    before = snapshot(tmp.dir);
  });

  it.each(CASES)('%s', async (name, args, pattern) => {
    const cwd = join(tmp.dir, `cwd-${name.replace(/\W+/g, '-')}`);
    mkdirSync(cwd);
    const r = await cli(args(), cwd);
    expectOneLineError(r, pattern);
    expect(r.stderr).not.toContain('SECRET');
    // A few seconds beyond the CLI's start-up (the failures this guards against took minutes).
    expect(r.ms - startupMs).toBeLessThan(6000);
    expect(snapshot(cwd)).toEqual({});
    rmSync(cwd, { recursive: true });
    expect(snapshot(tmp.dir)).toEqual(before);
  });
});
