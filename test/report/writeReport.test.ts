import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/program.js';
import { buildFigures } from '../../src/report/figures.js';
import { renderHtml } from '../../src/report/html.js';
import { writeReport } from '../../src/report/writeReport.js';
import { UserError } from '../../src/util/errors.js';
import { MNIST_CNN, syntheticRun } from './fixtures/synthetic.js';

const root = mkdtempSync(join(tmpdir(), 'ttfsim-report-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function resultsDir(name: string, mutate?: (run: Record<string, unknown>) => void): string {
  const { run, raster } = syntheticRun(MNIST_CNN, { name, frames: 4 });
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const json = JSON.parse(JSON.stringify(run));
  mutate?.(json);
  writeFileSync(join(dir, 'run.json'), JSON.stringify(json));
  writeFileSync(join(dir, 'spikes-frame0.json'), JSON.stringify(raster));
  writeFileSync(join(dir, 'spikes-frame2.json'), JSON.stringify({ ...raster, frame: 2 }));
  return dir;
}

const FIGURES = [
  'raster-frame0.svg',
  'inactive-neurons.svg',
  'energy-per-frame.svg',
  'energy-per-layer.svg',
  'mesh-cores.svg',
  'mesh-link-flits.svg',
  'mesh-router-congestion.svg',
  'packet-latency.svg',
  'frame-latency.svg',
];

describe('report.html', () => {
  const { run, raster } = syntheticRun(MNIST_CNN, { name: 'html' });
  const html = renderHtml(run, buildFigures(run, raster));

  it('is self-contained: no scripts, no external references except the SVG namespace', () => {
    const urls = html.match(/(?:https?:)?\/\/[^\s"'<>)]*/g) ?? [];
    expect(urls.filter((u) => u !== 'http://www.w3.org/2000/svg')).toEqual([]);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
  });

  it('has every figure inline with a caption, and the header and tables', () => {
    for (const f of FIGURES) {
      const id = f.replace('.svg', '');
      expect(html).toContain(
        `<figure id="figure-${id}"><svg xmlns="http://www.w3.org/2000/svg" id="${id}"`,
      );
    }
    expect(html.match(/<figcaption>/g)).toHaveLength(FIGURES.length);
    expect(html).toContain('Untrained weights.');
    expect(html).toContain('<h1>html on mesh22nm</h1>');
    expect(html).toContain('<th>model sha256</th>');
    expect(html).toContain('<th>chip.neuronsPerCore</th>');
    expect(html).toContain('<th>options.stepsPerWindow</th>');
    expect(html).toContain('n/a (untrained weights');
  });

  it('drops the warning for trained weights and shows the accuracy', () => {
    const t = syntheticRun(MNIST_CNN, { weightsTrained: true });
    const h = renderHtml(t.run, buildFigures(t.run, t.raster));
    expect(h).not.toContain('Untrained weights.');
    expect(h).toContain('50.00%');
  });

  it('escapes every user string (model, run, layer names, notes, config)', () => {
    const evil = '<script>alert("x")</script>';
    const spec = MNIST_CNN.map((l) => (l.name === 'conv1' ? { ...l, name: `c${evil}` } : l));
    const t = syntheticRun(spec, { name: evil });
    t.run.notes.push(evil);
    t.run.hardware = { name: evil, [evil]: evil };
    t.run.cores[0]!.layer = `c${evil}`;
    const h = renderHtml(t.run, buildFigures(t.run, t.raster));
    expect(h).not.toContain('<script');
    expect(h).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
  });
});

describe('writeReport', () => {
  it('writes report.html and every figure as a standalone SVG file', () => {
    const dir = resultsDir('ok');
    const r = writeReport(dir);
    expect(r.reportPath).toBe(join(dir, 'report.html'));
    expect(r.frame).toBe(0);
    expect(r.figurePaths.map((p) => p.slice(join(dir, 'figures').length + 1))).toEqual(FIGURES);
    expect(readdirSync(join(dir, 'figures')).sort()).toEqual([...FIGURES].sort());
    for (const p of r.figurePaths) {
      const svg = readFileSync(p, 'utf8');
      expect(
        svg.startsWith(
          '<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"',
        ),
      ).toBe(true);
      expect(svg).toMatch(/viewBox="0 0 \d+(\.\d+)? \d+(\.\d+)?"/);
    }
    const html = readFileSync(r.reportPath, 'utf8');
    const inline = readFileSync(join(dir, 'figures', 'mesh-cores.svg'), 'utf8').split('\n')[1]!;
    expect(html).toContain(inline);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('shows the frame asked for', () => {
    const dir = resultsDir('frame2');
    expect(writeReport(dir, { frame: 2 }).frame).toBe(2);
    expect(existsSync(join(dir, 'figures', 'raster-frame2.svg'))).toBe(true);
    expect(() => writeReport(dir, { frame: 5 })).toThrow(
      /spikes-frame5\.json: not found \(spike files here: frame 0, frame 2\)/,
    );
  });

  it('writes a report without raster when there is no spike file, and says so', () => {
    const dir = resultsDir('noraster');
    rmSync(join(dir, 'spikes-frame0.json'));
    rmSync(join(dir, 'spikes-frame2.json'));
    const r = writeReport(dir);
    expect(r.frame).toBeNull();
    expect(r.figurePaths).toHaveLength(FIGURES.length - 1);
    expect(readFileSync(r.reportPath, 'utf8')).toContain('No spike file');
  });

  it('rejects bad folders with a UserError naming the file and the field', () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    expect(() => writeReport(empty)).toThrow(UserError);
    expect(() => writeReport(empty)).toThrow(`${join(empty, 'run.json')}: not found`);
    expect(() => writeReport(join(root, 'nope'))).toThrow(/nope: results folder not found/);
    const bad = resultsDir('bad', (r) => {
      (r.layers as { inactiveFraction: unknown }[])[1]!.inactiveFraction = 'lots';
    });
    expect(() => writeReport(bad)).toThrow(
      /run\.json: not a ttfsim run result: layers\.1\.inactiveFraction/,
    );
    const garbled = resultsDir('garbled');
    writeFileSync(join(garbled, 'run.json'), '{"tool":');
    expect(() => writeReport(garbled)).toThrow(/run\.json: not valid JSON/);
    const outside = resultsDir('outside', (r) => {
      (r.cores as { x: number }[])[0]!.x = 99;
    });
    expect(() => writeReport(outside)).toThrow(/cores\.0: position \(99, 0\) is outside/);
    const spikes = resultsDir('spikes');
    writeFileSync(
      join(spikes, 'spikes-frame0.json'),
      JSON.stringify({
        frame: 0,
        layers: [{ name: 'a', stage: 0, window: 0, neurons: 2, neuron: [0, 1], t: [0] }],
      }),
    );
    expect(() => writeReport(spikes)).toThrow(
      /spikes-frame0\.json: not a ttfsim spike file: layers\.0\.t: has 1 times for 2/,
    );
  });

  it('reads null numbers (NaN/Infinity in JSON) as missing values', () => {
    const dir = resultsDir('nulls', (r) => {
      (r.frames as { latencyNs: unknown }[])[1]!.latencyNs = null;
      (r.noc as { latencyNs: { p99: unknown } }).latencyNs.p99 = null;
    });
    expect(readFileSync(writeReport(dir).reportPath, 'utf8')).toContain('p99 n/a');
  });
});

describe('ttfsim report (CLI)', () => {
  it('writes the report and prints where; bad input exits 2 with one line', async () => {
    const dir = resultsDir('cli');
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['node', 'ttfsim', 'report', dir, '--frame', '2'])).toBe(0);
      expect(String(out.mock.calls.at(-1)?.[0])).toContain('(raster: frame 2)');
      expect(existsSync(join(dir, 'report.html'))).toBe(true);
      expect(await main(['node', 'ttfsim', 'report', dir, '--frame', 'x'])).toBe(2);
      expect(String(err.mock.calls.at(-1)?.[0])).toBe(
        'ttfsim: error: --frame: expected a frame number >= 0, got "x"\n',
      );
      expect(await main(['node', 'ttfsim', 'report', join(root, 'missing')])).toBe(2);
      expect(String(err.mock.calls.at(-1)?.[0])).toMatch(
        /^ttfsim: error: .*missing: results folder not found\n$/,
      );
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  });
});
