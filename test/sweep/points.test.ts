import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dominates, type Objectives, paretoFront } from '../../src/sweep/pareto.js';
import { canonicalJson, cartesian, resolvePlan } from '../../src/sweep/points.js';
import { parseShard, shardPoints } from '../../src/sweep/shard.js';
import { loadSweepSpec } from '../../src/sweep/spec.js';
import { csvCell } from '../../src/sweep/table.js';
import { tempDir, writeSpec, writeTinyModel } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
let model: string;

beforeAll(() => {
  tmp = tempDir();
  model = writeTinyModel(tmp.dir).model;
});
afterAll(() => tmp.cleanup());

function plan(spec: Record<string, unknown>, name = 'p.json') {
  return resolvePlan(
    loadSweepSpec(writeSpec(tmp.dir, name, { model, runner: 'estimate', ...spec })),
  );
}

describe('point expansion', () => {
  it('grid x samples x seeds, last grid axis fastest, seeds innermost', () => {
    const p = plan({
      seeds: [5, 6],
      axes: [
        { field: 'noc.bufferDepthFlits', values: [2, 4] },
        { field: 'chip.placement', values: ['row-major', 'snake', 'layer-affinity'] },
        { field: 'energy.sopEnergyPj', range: { min: 1, max: 20, scale: 'log' } },
      ],
      sampling: { count: 2, seed: 9 },
    });
    expect(p.points).toHaveLength(2 * 3 * 2 * 2);
    expect(p.fields).toEqual(['noc.bufferDepthFlits', 'chip.placement', 'energy.sopEnergyPj']);
    const key = (i: number) => {
      const q = p.points[i]!;
      return [q.params['noc.bufferDepthFlits'], q.params['chip.placement'], q.seed];
    };
    expect(key(0)).toEqual([2, 'row-major', 5]);
    expect(key(1)).toEqual([2, 'row-major', 6]);
    expect(key(4)).toEqual([2, 'snake', 5]);
    expect(key(12)).toEqual([4, 'row-major', 5]);
    // The two draws differ, lie in the range, and repeat across grid cells.
    const e0 = p.points[0]!.params['energy.sopEnergyPj'] as number;
    const e1 = p.points[2]!.params['energy.sopEnergyPj'] as number;
    expect(e0).not.toBe(e1);
    for (const e of [e0, e1]) expect(e >= 1 && e <= 20).toBe(true);
    expect(p.points[4]!.params['energy.sopEnergyPj']).toBe(e0);
    // Axis values reach the resolved config.
    expect(p.points[12]!.hardware.noc.bufferDepthFlits).toBe(4);
    expect(p.points[4]!.hardware.chip.placement).toBe('snake');
    expect(p.points[0]!.hardware.energy.sopEnergyPj).toBe(e0);
    p.points.forEach((q, i) => {
      expect(q.index).toBe(i);
    });
  });

  it('is deterministic; sampling depends on its seed only', () => {
    const spec = {
      axes: [{ field: 'energy.hopEnergyPj', range: { min: 10, max: 100, integer: true } }],
      sampling: { count: 4, seed: 1 },
    };
    const a = plan(spec, 'a.json');
    const b = plan(spec, 'b.json');
    expect(b.points.map((q) => q.id)).toEqual(a.points.map((q) => q.id));
    const c = plan({ ...spec, sampling: { count: 4, seed: 2 } }, 'c.json');
    expect(c.points.map((q) => q.params)).not.toEqual(a.points.map((q) => q.params));
    for (const q of a.points) expect(Number.isInteger(q.params['energy.hopEnergyPj'])).toBe(true);
  });

  it('ids are content ids: same content, same id; any input changes it', () => {
    const a = plan({ axes: [{ field: 'noc.bufferDepthFlits', values: [4, 8] }] }, 'a.json');
    // Setting the base value explicitly gives the same content, hence the same id.
    const b = plan({ set: ['noc.bufferDepthFlits=4'] }, 'b.json');
    expect(b.points[0]!.id).toBe(a.points[0]!.id);
    expect(a.points[1]!.id).not.toBe(a.points[0]!.id);
    const ids = new Set<string>();
    for (const extra of [
      {},
      { seeds: [1] },
      { frames: 3 },
      { noc: 'detailed' },
      { runner: 'synthetic' },
    ]) {
      ids.add(plan(extra, 'x.json').points[0]!.id);
    }
    expect(ids.size).toBe(5);
    // The model file is part of the content (its manifest and its weights).
    const other = join(tmp.dir, 'tiny-copy.json');
    const manifest = JSON.parse(readFileSync(model, 'utf8'));
    writeFileSync(other, JSON.stringify({ ...manifest, description: 'changed' }));
    expect(plan({ model: other }, 'y.json').points[0]!.id).not.toBe(a.points[0]!.id);
  });

  it('drops points whose content repeats', () => {
    const p = plan({
      axes: [{ field: 'energy.hopEnergyPj', range: { min: 1, max: 2, integer: true } }],
      sampling: { count: 10, seed: 0 },
    });
    expect(p.points.length + p.duplicates).toBe(10);
    expect(p.points.length).toBeLessThanOrEqual(2);
    expect(new Set(p.points.map((q) => q.id)).size).toBe(p.points.length);
  });

  it('cartesian products have the product of the sizes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer(), { minLength: 1, maxLength: 4 }), { maxLength: 4 }),
        (lists) => {
          const out = cartesian(lists);
          expect(out).toHaveLength(lists.reduce((n, l) => n * l.length, 1));
        },
      ),
      { seed: 7 },
    );
  });

  it('canonical JSON ignores key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe(
      canonicalJson({ a: { c: null, d: [1, { x: 1, y: 2 }] }, b: 1 }),
    );
  });
});

describe('sharding', () => {
  it('parses i/N and rejects bad shards', () => {
    expect(parseShard('2/5')).toEqual({ index: 2, count: 5 });
    expect(() => parseShard('5/5')).toThrow(/between 0 and 4/);
    expect(() => parseShard('1-3')).toThrow(/expected i\/N/);
    expect(() => parseShard('0/0')).toThrow(/at least 1/);
  });

  it('the shards of any N partition the points, each in sweep order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 9 }), (n, count) => {
        const points = Array.from({ length: n }, (_, index) => ({ index }));
        const seen: number[] = [];
        for (let i = 0; i < count; i++) {
          const mine = shardPoints(points, { index: i, count }).map((p) => p.index);
          expect([...mine].sort((a, b) => a - b)).toEqual(mine);
          seen.push(...mine);
        }
        expect(seen.sort((a, b) => a - b)).toEqual(points.map((p) => p.index));
      }),
      { seed: 11 },
    );
  });
});

describe('Pareto front', () => {
  const obj = fc.record({
    energyPerFrameJ: fc.integer({ min: 0, max: 5 }),
    latencyNs: fc.integer({ min: 0, max: 5 }),
    accuracy: fc.option(fc.integer({ min: 0, max: 5 }).map((a) => a / 5)),
  });

  it('front points are non-dominated; every other point is dominated by a front point', () => {
    fc.assert(
      fc.property(fc.array(obj, { maxLength: 40 }), (pts: Objectives[]) => {
        const front = paretoFront(pts);
        pts.forEach((p, i) => {
          const dominated = pts.some((q) => dominates(q, p));
          expect(front[i]).toBe(!dominated);
          if (!front[i]) expect(pts.some((q, j) => front[j] && dominates(q, p))).toBe(true);
        });
        if (pts.length > 0) expect(front.some((f) => f)).toBe(true);
      }),
      { seed: 3 },
    );
  });

  it('minimizes energy and latency, maximizes accuracy; null accuracy ranks lowest', () => {
    const a = { energyPerFrameJ: 1, latencyNs: 1, accuracy: 0.9 };
    expect(dominates(a, { energyPerFrameJ: 2, latencyNs: 1, accuracy: 0.9 })).toBe(true);
    expect(dominates(a, { energyPerFrameJ: 1, latencyNs: 1, accuracy: 0.95 })).toBe(false);
    expect(dominates(a, { energyPerFrameJ: 1, latencyNs: 1, accuracy: null })).toBe(true);
    expect(dominates(a, a)).toBe(false);
    expect(
      paretoFront([
        a,
        { energyPerFrameJ: 0.5, latencyNs: 3, accuracy: 0.5 },
        { energyPerFrameJ: 2, latencyNs: 2, accuracy: 0.8 },
      ]),
    ).toEqual([true, true, false]);
  });
});

describe('CSV cells', () => {
  it('quotes commas, quotes and newlines; empty for null', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell(null)).toBe('');
    expect(csvCell(0.1)).toBe('0.1');
    expect(csvCell(true)).toBe('true');
  });
});
