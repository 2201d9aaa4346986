import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunResult, SpikeRaster } from '../../src/report/runResult.js';
import type { Engine } from '../../src/run/engine.js';
import { referenceEngine } from '../../src/run/referenceEngine.js';
import { runSimulation } from '../../src/run/simulate.js';
import { spikeTime } from '../../src/snn/neuron.js';
import { tempDir, writeTinyMnist, writeTinyModel } from './helpers.js';

const tmp = tempDir();
afterAll(tmp.cleanup);
const dataDir = join(tmp.dir, 'data');
writeTinyMnist(dataDir, 6);
const modelPath = writeTinyModel(join(tmp.dir, 'model'), dataDir);
const base = {
  model: modelPath,
  hw: 'mesh22nm',
  set: ['chip.neuronsPerCore=40'],
  frames: 'all',
};

function withoutWall(r: RunResult): Omit<RunResult, 'wall'> {
  const { wall: _wall, ...rest } = r;
  return rest;
}

describe('runSimulation', () => {
  it('writes run.json, frames.csv, layers.csv, cores.csv and a raster through a temporary folder', async () => {
    const out = join(tmp.dir, 'results', 'one');
    const trace = join(tmp.dir, 'trace.csv');
    const r = await runSimulation({ ...base, out, traceSpikes: trace });
    expect(readdirSync(out).sort()).toEqual([
      'cores.csv',
      'frames.csv',
      'layers.csv',
      'run.json',
      'spikes-frame0.json',
    ]);
    expect(readdirSync(join(tmp.dir, 'results'))).toEqual(['one']);
    expect(readdirSync(tmp.dir).filter((f) => f.includes('.tmp'))).toEqual([]);
    const json = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as RunResult;
    expect(json).toEqual(JSON.parse(JSON.stringify(r)));
    expect(json.run).toBe('one');
    expect(json.summary.frames).toBe(6);
    expect(json.options.frames).toEqual([0, 6]);
    expect(json.weightsTrained).toBe(true);
    expect(json.summary.accuracy).toBe(json.frames.filter((f) => f.correct).length / 6);
    expect(json.model.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(json.input.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(json.hardware).toMatchObject({ chip: { neuronsPerCore: 40 } });
    const csv = readFileSync(join(out, 'frames.csv'), 'utf8').trim().split('\n');
    expect(csv.length).toBe(7);
    const header = csv[0]!.split(',');
    const row = csv[3]!.split(',');
    const f2 = json.frames[2]!;
    expect(Number(row[header.indexOf('sops')])).toBe(f2.sops);
    expect(Number(row[header.indexOf('energyTotalJ')])).toBe(f2.energyJ.total);
    expect(Number(row[header.indexOf('latencyNs')])).toBe(f2.latencyNs);

    // The trace holds every spike of the traced stages, with exact times.
    const lines = readFileSync(trace, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('frame,layer,neuron,t');
    const traced = json.layers.filter((l) => l.kind !== 'flatten');
    const expected = traced.reduce((n, l) => n + l.spikes * 6, 0);
    expect(lines.length - 1).toBe(Math.round(expected));
    const raster = JSON.parse(readFileSync(join(out, 'spikes-frame0.json'), 'utf8')) as SpikeRaster;
    const frame0 = lines.slice(1).filter((l) => l.startsWith('0,'));
    const rasterCount = raster.layers.reduce((n, l) => n + l.neuron.length, 0);
    expect(frame0.length).toBe(rasterCount);
    for (const l of raster.layers) {
      l.t.forEach((t, k) => {
        expect(t).toBeGreaterThanOrEqual(l.window);
        expect(t).toBeLessThan(l.window + 1);
        expect(frame0).toContain(`0,${l.name},${l.neuron[k]},${String(t)}`);
        expect(Number(String(t))).toBe(t);
        // t = (window + 1) - tau exactly as the neuron model defines it
        expect(spikeTime(l.window, l.window + 1 - t)).toBeCloseTo(t, 12);
      });
    }
  });

  it('is deterministic: identical inputs give identical results apart from wall time', async () => {
    const a = await runSimulation({ ...base, resultsRoot: join(tmp.dir, 'det') });
    const b = await runSimulation({ ...base, resultsRoot: join(tmp.dir, 'det') });
    expect(a.run).toBe(b.run);
    expect(a.run).toMatch(/^tiny-mesh22nm-[0-9a-f]{8}$/);
    expect(withoutWall(a)).toEqual(withoutWall(b));
    expect(readdirSync(join(tmp.dir, 'det'))).toEqual([a.run]);
    const c = await runSimulation({ ...base, seed: 2, write: false });
    expect(c.run).not.toBe(a.run);
  });

  it('records counts that add up: SOPs by layer = by core = per frame; ledger = counts x coefficients', async () => {
    const r = await runSimulation({
      ...base,
      set: [
        ...base.set,
        'energy.sopEnergyPj=1.5',
        'energy.staticMode=leakage',
        'energy.leakagePowerMw=50',
      ],
      write: false,
    });
    const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
    const s = r.summary;
    expect(sum(r.layers.map((l) => l.sops))).toBeCloseTo(s.sops, 9);
    expect(sum(r.cores.map((c) => c.sops))).toBeCloseTo(s.sops, 9);
    expect(sum(r.layers.map((l) => l.packets))).toBeCloseTo(s.packets, 9);
    expect(sum(r.layers.map((l) => l.hops))).toBeCloseTo(s.hops, 9);
    for (const f of r.frames) {
      expect(f.energyJ.sop).toBeCloseTo(f.sops * 1.5e-12, 20);
      expect(f.energyJ.hop).toBeCloseTo((f.hops + (f.controlHops ?? 0)) * 100e-12, 20);
      // leakage x chip time per frame (1 / frames per second)
      expect(f.energyJ.static).toBeCloseTo(50e-3 / r.summary.framesPerSecond, 20);
    }
    expect(r.energy!.perFrame.sop.coefficient).toBe(1.5);
    expect(r.energy!.perFrame.static.countUnit).toBe('ns');
    expect(r.hardware).toMatchObject({
      sources: { 'energy.sopEnergyPj': expect.stringContaining('--set') },
    });
    expect(s.spikes).toBeGreaterThan(0);
    expect(s.sops).toBeGreaterThan(0);
    expect(s.hops).toBeGreaterThan(0);
  });

  it('leaves no results folder and no trace when the run fails', async () => {
    const failing: Engine = (input, onFrame) =>
      referenceEngine({ ...input }, (f) => {
        if (f.index === 3) throw new Error('boom');
        onFrame(f);
      });
    const out = join(tmp.dir, 'fail', 'run');
    const trace = join(tmp.dir, 'fail-trace.csv');
    await expect(
      runSimulation({ ...base, out, traceSpikes: trace, engine: failing }),
    ).rejects.toThrow('boom');
    expect(existsSync(out)).toBe(false);
    expect(existsSync(trace)).toBe(false);
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith('fail-trace'))).toEqual([]);
    expect(existsSync(join(tmp.dir, 'fail')) ? readdirSync(join(tmp.dir, 'fail')) : []).toEqual([]);
  });

  it('runs a frame range and reports untrained weights without an accuracy', async () => {
    const untrained = writeTinyModel(join(tmp.dir, 'untrained'), dataDir, { trained: false });
    const r = await runSimulation({ ...base, model: untrained, frames: '2:5', write: false });
    expect(r.frames.map((f) => f.index)).toEqual([2, 3, 4]);
    expect(r.summary.accuracy).toBeNull();
    expect(r.notes.join(' ')).toMatch(/untrained/);
  });
});

describe('the simulator engine against the reference engine', () => {
  it('agrees on every spike count, SOP, packet, hop and decision (ideal and detailed NoC)', async () => {
    const ref = await runSimulation({
      ...base,
      noc: 'ideal',
      write: false,
      engine: referenceEngine,
    });
    for (const noc of ['ideal', 'detailed'] as const) {
      const sim = await runSimulation({ ...base, noc, write: false });
      expect(sim.engine).toBe('sim');
      sim.frames.forEach((f, i) => {
        const g = ref.frames[i]!;
        expect([f.index, f.decision, f.spikes, f.sops, f.packets, f.hops]).toEqual([
          g.index,
          g.decision,
          g.spikes,
          g.sops,
          g.packets,
          g.hops,
        ]);
        expect([f.controlPackets, f.controlHops, f.latencySteps]).toEqual([
          g.controlPackets,
          g.controlHops,
          g.latencySteps,
        ]);
      });
      expect(sim.layers.map((l) => [l.spikes, l.sops, l.packets, l.hops])).toEqual(
        ref.layers.map((l) => [l.spikes, l.sops, l.packets, l.hops]),
      );
      expect(sim.cores.map((c) => c.sops)).toEqual(ref.cores.map((c) => c.sops));
      expect(sim.noc.kind).toBe(noc);
      expect(sim.noc.hops).toBeCloseTo(sim.summary.hops + (sim.summary.controlHops ?? 0), 9);
    }
  });
});
