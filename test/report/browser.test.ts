/**
 * The report in a real headless browser (Debian's Chromium): the page loads without console
 * messages or errors, its DOM holds every figure, every standalone SVG is well-formed XML, and
 * a screenshot of the raster shows one band of spikes per layer along the time axis, each in
 * its layer's colour and window. Skipped, with the reason printed, only when no browser is
 * installed (`.ci/run` tries to install Debian's chromium first).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/program.js';
import { runPalette } from '../../src/report/figures.js';
import type { RunResult, SpikeRaster } from '../../src/report/runResult.js';
import { ARROWS_MAX_SIDE, linkHeatmapSvg } from '../../src/report/svg/meshLinks.js';
import { parseHex, viridis } from '../../src/report/svg/palette.js';
import { rasterSvg } from '../../src/report/svg/raster.js';
import { readResults, type WriteReportResult, writeReport } from '../../src/report/writeReport.js';
import { dumpDom, findChromium, screenshot } from './chromium.js';
import { syntheticRun, VGG16 } from './fixtures/synthetic.js';
import { rasterBands } from './helpers.js';
import { decodePng } from './png.js';

const browser = findChromium();
if (!browser)
  console.warn(
    'test/report/browser.test.ts: skipped: no browser found (/usr/bin/chromium, or chromium, chromium-browser, google-chrome on PATH); install Debian’s chromium to run it',
  );

const root = mkdtempSync(join(tmpdir(), 'ttfsim-browser-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Case {
  name: string;
  /** Writes (or finds) a results folder and returns it. */
  prepare: () => Promise<string>;
}

function synthetic(name: string, make: () => { run: RunResult; raster: SpikeRaster }): Case {
  return {
    name,
    prepare: async () => {
      const { run, raster } = make();
      const dir = join(root, run.run);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'run.json'), JSON.stringify(run));
      writeFileSync(join(dir, 'spikes-frame0.json'), JSON.stringify(raster));
      return dir;
    },
  };
}

const CASES: Case[] = [
  {
    // The real thing: `ttfsim simulate` of the MNIST CNN on mesh22nm (2 frames, a few seconds).
    name: 'mnist-cnn on mesh22nm (ttfsim simulate)',
    prepare: async () => {
      const dir = join(root, 'mnist-cnn-mesh22nm');
      const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
      const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      let code: number;
      try {
        code = await main(
          ['node', 'ttfsim', 'simulate', '--model', 'mnist-cnn', '--hw', 'mesh22nm'].concat([
            '--frames',
            '2',
            '--quiet',
            '--out',
            dir,
          ]),
        );
      } finally {
        out.mockRestore();
        err.mockRestore();
      }
      expect(code, String(err.mock.calls.map((c) => c[0]).join(''))).toBe(0);
      return dir;
    },
  },
  // VGG16 on 2 frames takes minutes to simulate: a synthetic run of the same shape (23 stages,
  // 279 cores on 17x17). Direct encoding: conv1 fires in window 0, the image is silent.
  synthetic('vgg16 shaped, 2 frames, synthetic', () =>
    syntheticRun(VGG16, {
      name: 'vgg16',
      frames: 2,
      stepsPerWindow: null,
      silentLayers: ['input'],
      seed: 5,
    }),
  ),
  // Real results folders to check as well (e.g. a VGG16 run): TTFSIM_REPORT_RESULTS=dir1:dir2.
  ...(process.env.TTFSIM_REPORT_RESULTS ?? '')
    .split(':')
    .filter((d) => d !== '')
    .map((d): Case => ({ name: `results folder ${d}`, prepare: async () => d })),
];

describe.skipIf(!browser)('report in headless Chromium', () => {
  for (const c of CASES) {
    describe(c.name, () => {
      let dir = '';
      let written: WriteReportResult;
      beforeAll(async () => {
        dir = await c.prepare();
        written = writeReport(dir);
      });

      it('loads report.html without page errors, with every figure in the DOM', () => {
        const r = dumpDom(browser!, written.reportPath);
        expect(r.status).toBe(0);
        expect(r.pageErrors).toEqual([]);
        const ids = written.figurePaths.map((p) => p.slice(p.lastIndexOf('/') + 1, -4));
        expect(ids).toHaveLength(9);
        for (const id of ids) expect(r.stdout).toMatch(new RegExp(`<svg [^>]*id="${id}"`));
        expect(r.stdout).not.toContain('parsererror');
        const shot = decodePng(
          screenshot(browser!, written.reportPath, 1000, 1400, join(root, 'page.png')).png,
        );
        let ink = 0;
        for (let p = 0; p < shot.width * shot.height; p++) if (shot.rgba[p * 4]! < 200) ink++;
        expect(ink).toBeGreaterThan(1000);
      });

      it('every standalone SVG is well-formed XML (parsed as XHTML by the browser)', () => {
        const body = written.figurePaths
          .map((p) => readFileSync(p, 'utf8').replace(/^<\?xml[^>]*\?>\n/, ''))
          .join('\n');
        const xhtml = join(root, 'all-figures.xhtml');
        writeFileSync(
          xhtml,
          `<?xml version="1.0" encoding="UTF-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><head><title>figures</title></head><body>${body}</body></html>\n`,
        );
        const r = dumpDom(browser!, xhtml);
        expect(r.status).toBe(0);
        expect(r.stdout).not.toContain('parsererror');
        expect(r.stdout.match(/<svg /g)).toHaveLength(written.figurePaths.length);
        expect(r.pageErrors).toEqual([]);
      });

      it('link load is readable: on meshes above 12x12, coloured segments and a colour bar', () => {
        const { run } = readResults(dir);
        const mesh = run.summary.mesh;
        const fig = linkHeatmapSvg(run.noc, mesh, 'mesh-link-flits');
        const file = join(dir, 'figures', 'mesh-link-flits.svg');
        expect(readFileSync(file, 'utf8')).toContain(fig.svg);
        if (Math.max(mesh.width, mesh.height) <= ARROWS_MAX_SIDE) {
          expect(fig.mode).toBe('arrows');
          return;
        }
        expect(fig.mode).toBe('segments');
        expect(fig.svg).not.toContain('<polygon');
        const [w, h] = /viewBox="0 0 ([\d.]+) ([\d.]+)"/.exec(fig.svg)!.slice(1).map(Number);
        const img = decodePng(screenshot(browser!, file, w!, h!, join(root, 'links.png')).png);
        const near = (x: number, y: number, colour: string) => {
          const p = (Math.round(y) * img.width + Math.round(x)) * 4;
          const [r, g, b] = parseHex(colour);
          return Math.hypot(img.rgba[p]! - r, img.rgba[p + 1]! - g, img.rgba[p + 2]! - b) < 40;
        };
        // Every link's segment shows its own colour at its middle: nothing covers it.
        const seen = fig.segments.filter((g) =>
          near((g.x1 + g.x2) / 2, (g.y1 + g.y2) / 2, g.colour),
        );
        expect(seen.length / fig.segments.length).toBeGreaterThan(0.97);
        expect(fig.segments.length).toBe(
          mesh.width * (mesh.height - 1) + mesh.height * (mesh.width - 1),
        );
        // The legend: a colour bar from dark (few flits) at the bottom to yellow (many) at the top.
        const bar = /<g class="colour-bar"><rect x="([\d.]+)"/.exec(fig.svg)!;
        const bx = Number(bar[1]) + 7;
        expect(near(bx, 30 + 3, viridis(1))).toBe(true);
        expect(near(bx, 30 + 240 - 3, viridis(0))).toBe(true);
      });

      it('the raster screenshot shows one band per layer, in its colour and window', () => {
        const { run, raster } = readResults(dir);
        const fig = rasterSvg(raster!, {
          palette: runPalette(run),
          kinds: Object.fromEntries(run.layers.map((l) => [l.name, l.kind])),
          stepsPerWindow: run.options.stepsPerWindow,
          id: `raster-frame${raster!.frame}`,
        });
        const file = join(dir, 'figures', `raster-frame${raster!.frame}.svg`);
        expect(readFileSync(file, 'utf8')).toContain(fig.svg);
        const [w, h] = /viewBox="0 0 ([\d.]+) ([\d.]+)"/.exec(fig.svg)!.slice(1).map(Number);
        const img = decodePng(screenshot(browser!, file, w!, h!, join(root, 'raster.png')).png);
        expect([img.width, img.height]).toEqual([w, h]);
        const expected = fig.layers.filter((l) => l.spikes > 0);
        // These models' layers fire in distinct windows: one band per layer is expected.
        expect(new Set(expected.map((l) => l.window)).size).toBe(expected.length);
        expect(expected.length).toBeGreaterThanOrEqual(5);
        const bands = rasterBands(img, fig.area, [...new Set(fig.layers.map((l) => l.colour))]);
        expect(bands.map((b) => b.colour)).toEqual(expected.map((l) => l.colour));
        bands.forEach((b, i) => {
          const win = expected[i]!.window;
          expect(b.x0).toBeGreaterThanOrEqual(Math.floor(fig.x(win)) - 2);
          expect(b.x1).toBeLessThanOrEqual(Math.ceil(fig.x(win + 1)) + 2);
        });
      });
    });
  }
});
