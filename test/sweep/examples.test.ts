import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/report/runResult.js';
import { resolvePlan } from '../../src/sweep/points.js';
import { csvText, finishedRows, type PlanFile } from '../../src/sweep/results.js';
import { loadSweepSpec } from '../../src/sweep/spec.js';
import { paretoSvg } from '../../src/sweep/svg.js';
import type { CsvRow } from '../../src/sweep/table.js';
import { PROJECT_ROOT } from '../../src/util/version.js';

const EXAMPLES = join(PROJECT_ROOT, 'examples');

describe('example sweep specs', () => {
  const specs = readdirSync(EXAMPLES).filter((f) => /^sweep-.*\.json$/.test(f));

  it('ship the quick one and the VGG16 NoC study', () => {
    expect(specs).toContain('sweep-quick.json');
    expect(specs).toContain('sweep-vgg16-noc.json');
  });

  for (const file of specs) {
    it(`${file} resolves to valid points`, () => {
      const plan = resolvePlan(loadSweepSpec(join(EXAMPLES, file)));
      expect(plan.points.length).toBeGreaterThan(1);
      expect(plan.duplicates).toBe(0);
    });
  }

  it('the VGG16 study crosses buffer depth, multicast and placement on VGG16', () => {
    const plan = resolvePlan(loadSweepSpec(join(EXAMPLES, 'sweep-vgg16-noc.json')));
    expect(plan.fields).toEqual(['noc.bufferDepthFlits', 'noc.multicast', 'chip.placement']);
    expect(plan.points[0]!.modelPath).toMatch(/vgg16\.json$/);
    expect(plan.points).toHaveLength(4 * 2 * 3 * 2);
  });
});

function summary(energyJ: number, latencyNs: number, accuracy: number | null): RunSummary {
  return {
    frames: 1,
    accuracy,
    sparsity: 0,
    spikes: 1,
    sops: 1,
    packets: 1,
    hops: 1,
    latencySteps: 1,
    latencyNs,
    energyJ: { sop: energyJ, hop: 0, static: 0, total: energyJ },
    framesPerSecond: 1,
    coresUsed: 1,
    mesh: { width: 1, height: 1 },
    theoreticalEnergy: { trueNorth: 0, spiNNaker: 0 },
  };
}

describe('derived CSV and SVG', () => {
  const plan: PlanFile = {
    format: 'ttfsim-sweep-plan/1',
    tool: { name: 'ttfsim', version: '0' },
    name: 'unit <test>',
    specSha256: '',
    fields: ['chip.placement'],
    points: ['a', 'b', 'c', 'd'].map((id, index) => ({
      index,
      id,
      seed: 0,
      params: { 'chip.placement': `p,${id}` },
    })),
  };
  const summaries = new Map<string, RunSummary>([
    ['a', summary(2e-6, 5000, 0.9)],
    ['c', summary(1e-6, 9000, 0.8)],
    ['d', summary(3e-6, 9500, 0.7)],
  ]);

  it('rows are the finished points in plan order with their Pareto flags', () => {
    const rows: CsvRow[] = finishedRows(plan, summaries);
    expect(rows.map((r) => [r.id, r.pareto])).toEqual([
      ['a', true],
      ['c', true],
      ['d', false],
    ]);
    const lines = csvText(plan, rows).trimEnd().split('\n');
    expect(lines[0]!.startsWith('index,id,seed,chip.placement,accuracy,energyPerFrameJ,')).toBe(
      true,
    );
    expect(lines[0]!.endsWith(',pareto')).toBe(true);
    expect(lines[1]).toMatch(/^0,a,0,"p,a",0\.9,0\.000002,.*,1$/);
    expect(lines[3]).toMatch(/^3,d,0,"p,d",0\.7,.*,0$/);
  });

  it('the SVG has a dot per row, the front highlighted, labelled axes with units', () => {
    const svg = paretoSvg(plan.name, finishedRows(plan, summaries));
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg).toContain('unit &lt;test&gt;');
    expect(svg).toContain('Energy per frame (µJ)');
    expect(svg).toContain('Latency per frame (µs)');
    // 3 data dots + 2 legend dots; 2 Pareto dots + 1 legend Pareto dot.
    expect(svg.match(/<circle /g)).toHaveLength(5);
    expect(svg.match(/r="6" fill="#d62728"/g)).toHaveLength(3);
    expect(svg).toContain('<title>#0 a seed=0 chip.placement=&quot;p,a&quot;');
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  });
});
