import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultHardwareConfig } from '../../src/hardware/config.js';
import { staticBasis } from '../../src/hardware/energy.js';
import { renderHtml } from '../../src/report/html.js';
import { runSimulation } from '../../src/run/simulate.js';
import { formatSummary } from '../../src/run/summary.js';
import { tempDir, writeTinyMnist, writeTinyModel } from './helpers.js';

/**
 * Issue 14, part 2: figures users misread. The latency of a frame alone and the pipelined latency
 * and throughput of a stream, labelled apart; the frame time a per-frame static figure assumes
 * beside the chip time, with a warning; the Table 2 line's unit.
 */

const tmp = tempDir();
afterAll(tmp.cleanup);
const dataDir = join(tmp.dir, 'data');
writeTinyMnist(dataDir, 6);
const modelPath = writeTinyModel(join(tmp.dir, 'model'), dataDir);
const base = {
  model: modelPath,
  hw: 'mesh22nm',
  set: ['chip.neuronsPerCore=40'],
  write: false as const,
};

describe('latency of a frame alone vs the pipelined stream', () => {
  it('the alone figure is the first frame run by itself; the stream figures are the pipelined run', async () => {
    for (const noc of ['ideal', 'detailed'] as const) {
      const stream = await runSimulation({ ...base, noc, frames: 'all' });
      const first = await runSimulation({ ...base, noc, frames: [0, 1] });
      const oneByOne = await runSimulation({ ...base, noc, frames: 'all', framesInFlight: 1 });
      const s = stream.summary;
      expect(s.framesInFlight).toBeGreaterThan(1);
      expect(s.latencyAloneFrames).toBe(1);
      expect(s.latencyAloneNs).toBe(first.summary.latencyNs);
      expect(s.latencyAloneNs).toBe(oneByOne.frames[0]!.latencyNs);
      expect(s.latencyAloneSteps).toBe(first.summary.latencySteps);
      // waits behind earlier frames: the stream's mean is longer than a frame alone
      expect(s.latencyNs).toBeGreaterThan(s.latencyAloneNs!);
      expect(s.chipNsPerFrame).toBeCloseTo(1e9 / s.framesPerSecond, 6);
      // one at a time: every frame is alone, so the figures coincide
      const o = oneByOne.summary;
      expect(o.framesInFlight).toBe(1);
      expect(o.latencyAloneFrames).toBe(6);
      expect(o.latencyAloneNs).toBe(o.latencyNs);
      // the stream's other figures do not depend on the extra run of the first frame
      expect(stream.noc.packets).toBe(oneByOne.noc.packets);
      const text = formatSummary(stream);
      expect(text).toMatch(
        /frame alone +\S+ \S+ on the chip, input to decision \(the first frame, simulated alone\)/,
      );
      expect(text).toMatch(
        /pipelined +.* mean over a stream of 6 frames, up to \d+ frames in flight \(waits behind earlier frames included\)/,
      );
      expect(text).toMatch(
        /throughput +.* frames\/s of chip time = .* per frame \(the stream of 6 frames/,
      );
      const alone = formatSummary(oneByOne);
      expect(alone).toMatch(/frame alone +.*mean of the 6 frames, run one at a time/);
      expect(alone).not.toMatch(/pipelined/);
      const html = renderHtml(stream, []);
      expect(html).toContain('latency of a frame alone on the chip');
      expect(html).toContain('pipelined latency of the stream');
      expect(html).toContain('throughput of the stream');
    }
  });
});

describe('static energy: the frame time the per-frame figure assumes', () => {
  it('mesh22nm: 3.52 uJ / 220 mW = 16 us; a mismatch over 2x is flagged both ways', () => {
    const e = defaultHardwareConfig().energy;
    e.staticEnergyUjPerFrame = 3.52;
    e.leakagePowerMw = 220;
    const at = (ns: number) => staticBasis(e, ns);
    expect(at(16000).assumedFrameNs).toBeCloseTo(16000, 6);
    expect(at(16000).mismatch).toBe(false);
    expect(at(32000).mismatch).toBe(false);
    expect(at(32001).mismatch).toBe(true);
    expect(at(7999).mismatch).toBe(true);
    expect(at(18e6).ratio).toBeCloseTo(1125, 6);
    expect(at(18e6).leakageJ).toBeCloseTo(220e-3 * 18e-3, 15);
    expect(staticBasis({ ...e, leakagePowerMw: 0 }, 1000).assumedFrameNs).toBeNull();
    expect(staticBasis(e).chipNsPerFrame).toBeNull();
  });

  it('a run prints both times and the leakage figure, warns when they differ by more than 2x, and leakage mode is one --set away', async () => {
    const r = await runSimulation({ ...base, noc: 'ideal', frames: 'all' });
    const b = r.energy!.staticBasis!;
    expect(b.mode).toBe('per-frame');
    expect(b.chipNsPerFrame).toBe(r.summary.chipNsPerFrame);
    expect(b.leakageJ).toBeCloseTo(b.chipNsPerFrame! * 220e-12, 18);
    const text = formatSummary(r);
    expect(text).toContain(
      'assumes 16.00 us of chip time per frame (E_static / leakage power), this run',
    );
    expect(text).toContain(
      'leakage mode (--set energy.staticMode=leakage): leakage power x chip time =',
    );
    expect(b.mismatch).toBe(true); // a tiny network's frame is far shorter than 16 us
    expect(
      r.notes.some((n) =>
        n.startsWith('static energy: the per-frame figure (3.520 uJ) assumes 16.00 us'),
      ),
    ).toBe(true);
    // a config whose per-frame figure matches the frame time: no warning
    const pw = (3.52e-6 / (b.chipNsPerFrame! * 1e-9)) * 1e3;
    const matched = await runSimulation({
      ...base,
      noc: 'ideal',
      frames: 'all',
      set: [...base.set, `energy.leakagePowerMw=${pw}`],
    });
    expect(matched.energy!.staticBasis!.mismatch).toBe(false);
    expect(matched.notes.some((n) => n.startsWith('static energy:'))).toBe(false);
    // leakage mode: P x chip time per frame, the figure per-frame mode printed beside it
    const leak = await runSimulation({
      ...base,
      noc: 'ideal',
      frames: 'all',
      set: [...base.set, 'energy.staticMode=leakage'],
    });
    expect(leak.summary.energyJ.static).toBeCloseTo(b.leakageJ!, 18);
    expect(formatSummary(leak)).toMatch(
      /static +.* = 220 mW x .* of chip time per frame \(leakage mode\)/,
    );
    expect(formatSummary(leak)).toContain(
      'per-frame mode (--set energy.staticMode=per-frame): 3.520 uJ, which assumes 16.00 us per frame',
    );
  });

  it('the Table 2 line says what it is: normalized to rate coding, no unit', async () => {
    const r = await runSimulation({ ...base, noc: 'ideal', frames: [0, 2] });
    expect(formatSummary(r)).toMatch(
      /Table 2 estimate +TrueNorth [\d.]+, SpiNNaker [\d.]+: normalized energy, no unit \(Eq\. 11: this network's energy relative to the paper's rate-coding row, 512 steps and 2\.612M spikes = 1;/,
    );
    expect(renderHtml(r, [])).toContain('Eq. 11 normalized energy (no unit; rate coding = 1)');
  });
});
