import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  type StaticBasis,
  THEORETICAL_ARCHITECTURES,
  theoreticalEnergy,
} from '../hardware/energy.js';
import { biasSram } from '../mapping/bias.js';
import type { Mapping } from '../mapping/types.js';
import type {
  EnergyLedgerRecord,
  EnergyTermRecord,
  NocRecord,
  RunResult,
  SpikeRaster,
} from '../report/runResult.js';
import { UserError } from '../util/errors.js';
import { fsReason, lockOutputFolder } from '../util/lock.js';
import { removeStaleTemps } from '../util/reaper.js';
import { VERSION } from '../util/version.js';
import { RunAccumulator } from './aggregate.js';
import type { Engine, EngineFrame, EngineNoc, EngineRunResult } from './engine.js';
import { defaultSimWorkers } from './framePool.js';
import { checkInteger } from './optionChecks.js';
import type { SimulateHooks, SimulateOptions } from './options.js';
import { type ResolvedRun, resolveRun, shownPath } from './resolve.js';
import { RESULTS_TMP_PREFIX, SpikeTraceWriter, spikeRaster, writeResults } from './results.js';
import { defaultEngine } from './simEngine.js';
import { joules, nanos } from './summary.js';

/**
 * `ttfsim simulate` as a library call: resolves and validates every input (hardware config and
 * overrides, model, data, frames, mapping) before anything is written, simulates the frames,
 * builds the energy ledger and the aggregates, and writes the results folder (unless
 * `write: false`). No printing, no `process.exit`: progress goes to `hooks`, errors are thrown
 * (`UserError` for bad input). Everything in the result except `wall` is a pure function of the
 * inputs.
 *
 * Run id: `<model>-<hardware>-<hash>`, where `<hash>` is the first 8 hex digits of the sha256 of
 * the tool version, the hashes of the resolved hardware config, the model files and the input
 * frames, and the options (NoC, steps per window, weight bits, seed, frame range); identical
 * inputs give the same id and replace the same folder. `--out DIR` names the folder instead
 * (its base name becomes the id). The folder is locked while the run goes (`src/util/lock.ts`)
 * and only ttfsim's own files in it are replaced (`results.ts`).
 */
export async function runSimulation(
  options: SimulateOptions & { engine?: Engine } = {},
  hooks: SimulateHooks = {},
): Promise<RunResult> {
  const workers = options.workers ?? defaultSimWorkers();
  checkInteger('--workers', workers, 1, 1024);
  const r = resolveRun(options);
  // The output is claimed before any frame runs: the folder is created and locked (a second run
  // on it fails at once; an unusable path fails here, not after the work).
  const lock =
    r.outDir === null
      ? null
      : lockOutputFolder(r.outDir, `--out ${options.out ?? r.outDir}`, 'simulate');
  try {
    if (r.outDir !== null) removeOwnTemps(r.outDir);
    return await simulateResolved(r, options.engine ?? defaultEngine, hooks, workers);
  } finally {
    lock?.release();
  }
}

/** Under the lock, every temporary folder in the results folder is a killed run's: removed. */
function removeOwnTemps(outDir: string): void {
  for (const name of readdirSync(outDir)) {
    if (name.startsWith(RESULTS_TMP_PREFIX))
      rmSync(join(outDir, name), { recursive: true, force: true });
  }
}

/** Opens the spike trace (stale temporary files of killed runs removed first). */
function openTrace(file: string, arch: ResolvedRun['model']['arch']): SpikeTraceWriter {
  removeStaleTemps(file);
  try {
    return new SpikeTraceWriter(file, arch);
  } catch (err) {
    throw new UserError(`--trace-spikes ${file}: cannot write: ${fsReason(err)}`);
  }
}

async function simulateResolved(
  r: ResolvedRun,
  engine: Engine,
  hooks: SimulateHooks,
  workers: number,
): Promise<RunResult> {
  const trace = r.traceFile !== null ? openTrace(r.traceFile, r.model.arch) : null;
  const total = r.range.end - r.range.start;
  hooks.onStart?.({
    run: r.run,
    frames: total,
    model: r.model.manifest.name,
    hardware: r.config.name,
    notes: [...r.notes],
  });
  const acc = new RunAccumulator(r.model.arch, r.mapping, r.config, r.neurons);
  let raster: SpikeRaster | null = null;
  const t0 = performance.now();
  let engineResult: EngineRunResult;
  try {
    let done = 0;
    engineResult = await engine(
      {
        network: r.network,
        weightBits: r.weightBits,
        weightsTrained: r.model.trained,
        model: r.model.manifest.name,
        mapping: r.mapping,
        config: r.config,
        noc: r.noc,
        stepsPerWindow: r.stepsPerWindow,
        seed: r.seed,
        framesInFlight: r.framesInFlight,
        images: r.images,
        labels: r.labels,
        firstIndex: r.range.start,
        count: total,
        workers,
      },
      (frame: EngineFrame) => {
        acc.add(frame);
        if (raster === null) raster = spikeRaster(frame.index, frame.tau, r.model.arch);
        trace?.frame(frame.index, frame.tau);
        done++;
        hooks.onProgress?.(done, total);
      },
    );
    if (acc.frames.length !== total) {
      throw new Error(`engine returned ${acc.frames.length} frames, expected ${total}`);
    }
    const seconds = (performance.now() - t0) / 1000;
    const result = buildResult(r, acc, engineResult, seconds);
    if (r.outDir !== null) writeResults(r.outDir, result, raster);
    trace?.commit();
    return result;
  } catch (err) {
    trace?.abort();
    throw err;
  }
}

/**
 * The warning when, in per-frame mode, the chip time per frame and the frame time the per-frame
 * static figure assumes differ by more than 2x (src/hardware/energy.ts, `StaticBasis`).
 */
export function staticNotes(b: StaticBasis): string[] {
  if (b.mode !== 'per-frame' || !b.mismatch || b.assumedFrameNs === null) return [];
  if (b.chipNsPerFrame === null) return [];
  const x =
    b.ratio! >= 1
      ? `${b.ratio!.toPrecision(3)}x longer`
      : `${(1 / b.ratio!).toPrecision(3)}x shorter`;
  return [
    `static energy: the per-frame figure (${joules(b.perFrameJ)}) assumes ${nanos(b.assumedFrameNs)} of chip time per frame (E_static / leakage power); this run's frames take ${nanos(b.chipNsPerFrame)} each (${x}): --set energy.staticMode=leakage charges leakage power x chip time instead (${joules(b.leakageJ!)} per frame)`,
  ];
}

function term(t: EnergyTermRecord): EnergyTermRecord {
  return {
    count: t.count,
    countUnit: t.countUnit,
    coefficient: t.coefficient,
    coefficientUnit: t.coefficientUnit,
    joules: t.joules,
  };
}

/** A ledger term divided by `frames` (count and joules; the coefficient stays). */
function perFrame(t: EnergyTermRecord, frames: number): EnergyTermRecord {
  return { ...term(t), count: t.count / frames, joules: t.joules / frames };
}

function nocRecord(n: EngineNoc, frames: number): NocRecord {
  const linkFlits: Record<string, number> = {};
  for (const k of Object.keys(n.linkFlits).sort()) linkFlits[k] = n.linkFlits[k]! / frames;
  return {
    kind: n.kind,
    timing: n.timing,
    packets: n.packets / frames,
    hops: n.hops / frames,
    flitHops: n.flitHops / frames,
    directionFlits: n.directionFlits.map((x) => x / frames) as NocRecord['directionFlits'],
    routerFlits: Array.from(n.routerFlits, (x) => x / frames),
    routerCongestion: Array.from(n.routerCongestion),
    routerCongestionUnit: 'ns',
    linkFlits,
    latencyNs: { ...n.latencyNs },
    latencyHistogram: {
      edgesNs: [...n.latencyHistogram.edgesNs],
      counts: [...n.latencyHistogram.counts],
    },
  };
}

/** The biases the cores store and their SRAM bits (docs/mapping.md), for run.json. */
function biasRecord(m: Mapping, weightBits: number | null) {
  const sram = biasSram(m, weightBits);
  return {
    biasParams: m.biasParams,
    biasBits: sram.bitsPerBias,
    biasSramBits: sram.totalBits,
    biasSramBitsMaxPerCore: sram.maxCoreBits,
  };
}

function buildResult(
  r: ResolvedRun,
  acc: RunAccumulator,
  eng: EngineRunResult,
  seconds: number,
): RunResult {
  const frames = acc.frames.length;
  const stepsForLatency = r.config.timing.stepsPerWindow;
  const { summary, layers, cores, ledger, windowSteps } = acc.finish({
    framesPerSecond: eng.framesPerSecond,
    trained: r.model.trained,
    stepsPerWindow: stepsForLatency,
    ...(eng.framesInFlight !== undefined ? { framesInFlight: eng.framesInFlight } : {}),
    ...(eng.latencyAlone !== undefined ? { latencyAlone: eng.latencyAlone } : {}),
  });
  const tn = THEORETICAL_ARCHITECTURES.truenorth;
  const sp = THEORETICAL_ARCHITECTURES.spinnaker;
  const energy: EnergyLedgerRecord = {
    perFrame: {
      sop: term(ledger.perFrame.sop),
      biasSop: term(ledger.perFrame.biasSop),
      hop: term(ledger.perFrame.hop),
      controlHop: term(ledger.perFrame.controlHop),
      static: term(ledger.perFrame.static),
      totalJ: ledger.perFrame.totalJ,
    },
    layers: ledger.layers.map((l) => ({
      stage: l.stage,
      name: l.name,
      sop: perFrame(l.sop, frames),
      biasSop: perFrame(l.biasSop, frames),
      hop: perFrame(l.hop, frames),
      totalJ: l.totalJ / frames,
    })),
    cores: ledger.cores.map((c) => ({ core: c.core, sop: perFrame(c.sop, frames) })),
    staticBasis: { ...ledger.staticBasis },
    theoretical: {
      latencySteps: windowSteps,
      spikes: summary.spikes,
      trueNorth: {
        a: tn.staticCoefficient,
        b: tn.dynamicCoefficient,
        value: theoreticalEnergy(windowSteps, summary.spikes, 'truenorth'),
      },
      spiNNaker: {
        a: sp.staticCoefficient,
        b: sp.dynamicCoefficient,
        value: theoreticalEnergy(windowSteps, summary.spikes, 'spinnaker'),
      },
    },
  };
  const m = r.mapping;
  return {
    tool: { name: 'ttfsim', version: VERSION },
    run: r.run,
    seed: r.seed,
    weightsTrained: r.model.trained,
    notes: [...r.notes, ...eng.notes, ...staticNotes(ledger.staticBasis)],
    options: {
      noc: r.noc,
      stepsPerWindow: r.stepsPerWindow,
      weightBits: r.weightBits,
      frames: [r.range.start, r.range.end],
      data: r.dataSpec,
      framesInFlight: r.framesInFlight,
    },
    hardware: r.config as unknown as Record<string, unknown>,
    model: {
      name: r.model.manifest.name,
      path: shownPath(r.model.manifestPath),
      sha256: r.modelSha256,
      readout: r.model.arch.readout,
      neurons: r.neurons,
    },
    input: { dataset: r.dataset.name, sha256: r.inputSha256 },
    hardwareSha256: r.hardwareSha256,
    summary,
    layers,
    cores,
    noc: nocRecord(eng.noc, frames),
    frames: acc.frames,
    energy,
    engine: eng.engine,
    mapping: {
      placement: m.placement,
      meshWidth: m.meshWidth,
      meshHeight: m.meshHeight,
      coresUsed: m.coresUsed,
      utilization: m.utilization,
      stages: m.stages.map((s) => ({
        stage: s.stage,
        name: s.name,
        cores: s.cores.length,
        window: s.window,
        ...(s.biasParams > 0 ? { biasParams: s.biasParams } : {}),
      })),
      ...(m.biasParams > 0 ? biasRecord(m, r.weightBits) : {}),
    },
    wall: { seconds, framesPerSecond: seconds > 0 ? frames / seconds : 0 },
  };
}
