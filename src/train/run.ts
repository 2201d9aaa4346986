/**
 * A whole training run, as `ttfsim train` performs it, in up to two phases with a checkpoint
 * after every epoch of either:
 *
 * 1. `ann` (with `--init ann`): the ANN twin of the architecture, ReLU1 (the paper's bias-free
 *    recipe) or ReLU with batch norm (how networks are usually trained); then batch norm is
 *    folded into weights and biases (exact) and a ReLU network is normalized to ReLU1 from
 *    activation percentiles on training images (normalize.ts).
 * 2. `snn`: the DFT network (DTA-TTFS), from that ANN, from Kaiming weights or from a file
 *    (`--init FILE`: a model or a PyTorch safetensors export, batch norm folded at load and,
 *    with `normalize`, normalized the same way).
 *
 * `--resume` continues from the checkpoint in either phase. Options given again on resume that
 * differ from the stored run are applied from that point on and recorded (`changes` in the
 * checkpoint and the provenance), never ignored; the ones that cannot change mid-run are refused.
 * The final model (manifest + safetensors with biases) carries the provenance.
 */
import { join } from 'node:path';
import { type Dataset, loadDataset } from '../data/dataset.js';
import { loadManifest, resolveModelPath } from '../model/load.js';
import { type ModelManifest, manifestToArchitecture } from '../model/manifest.js';
import { saveModel } from '../model/save.js';
import type { Architecture, Network } from '../snn/network.js';
import { UserError } from '../util/errors.js';
import { VERSION } from '../util/version.js';
import { batchNormInit } from './bnInit.js';
import { hasCheckpoint, loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { createEngine, type Engine, type LabeledData } from './engine.js';
import {
  flattenNetwork,
  initialStats,
  kaimingInit,
  loadInitNetwork,
  networkFromParams,
  withBiases,
} from './init.js';
import { initialState, type TrainHooks, type TrainState, trainLoop } from './loop.js';
import { normalizeRelu } from './normalize.js';
import { buildPlan, type NetMode, type PlanOptions } from './plan.js';

export { type AnnConfig, defaultRunConfig, type RunConfig } from './config.js';

import { type AnnConfig, annConfig, type Progress, type RunConfig } from './config.js';
import { provenanceOf } from './provenance.js';

export interface RunOptions {
  /** Model manifest (path or bundled name); ignored when resuming. */
  model: string;
  out: string;
  resume: boolean;
  workers: number;
  /** The run's configuration; when resuming, the stored one with {@link explicit} applied. */
  config: RunConfig;
  /**
   * When resuming: the options given explicitly, as paths into {@link RunConfig} (`train.epochs`,
   * `train.optimizer.lr`, `ann.train.epochs`, ...). Their values in `config` replace the stored
   * ones and are recorded; any other stored value is kept.
   */
  explicit?: string[];
  /** Refuse a folder that holds a checkpoint unless resuming (set by the CLI unless --force). */
  refuseExisting?: boolean;
}

export interface RunHooks extends TrainHooks {
  log?: (line: string) => void;
  /** ISO date for the provenance (the CLI passes the wall clock). */
  date?: string;
}

export interface RunResult {
  state: TrainState;
  config: RunConfig;
  /** Path of the final manifest, or null when the run stopped before its last epoch. */
  manifestPath: string | null;
  manifest: ModelManifest;
}

interface Stored {
  config: RunConfig;
  progress: Progress;
}

/** Options that cannot change once a run has started (their paths in RunConfig). */
const FIXED = [
  'data',
  'init',
  'initScale',
  'readout',
  'trainLimit',
  'ann.activation',
  'ann.batchNorm',
  'ann.bias',
  'train.seed',
  'train.batchSize',
  'train.shards',
];

function toLabeled(d: Dataset): LabeledData {
  return { images: d.images, labels: d.labels, count: d.count };
}

function getPath(obj: unknown, path: string): unknown {
  let o = obj as Record<string, unknown> | undefined;
  for (const k of path.split('.')) o = o?.[k] as Record<string, unknown> | undefined;
  return o;
}

function setPath(obj: object, path: string, value: unknown): void {
  const keys = path.split('.');
  let o = obj as Record<string, unknown>;
  for (const k of keys.slice(0, -1)) {
    if (typeof o[k] !== 'object' || o[k] === null) o[k] = {};
    o = o[k] as Record<string, unknown>;
  }
  o[keys[keys.length - 1]!] = structuredClone(value);
}

/** Applies the explicitly given options to a stored run (see {@link RunOptions.explicit}). */
function applyChanges(
  stored: RunConfig,
  given: RunConfig,
  explicit: string[],
  at: { phase: NetMode; epoch: number },
  log: (line: string) => void,
): RunConfig {
  const config = structuredClone(stored);
  config.changes ??= [];
  for (const path of explicit) {
    const from = getPath(config, path);
    const to = getPath(given, path);
    if (JSON.stringify(from) === JSON.stringify(to)) continue;
    const fixed = at.phase === 'snn' ? [...FIXED, 'bias', 'snnBatchNorm', 'normalize'] : FIXED;
    if (fixed.includes(path)) {
      throw new UserError(
        `--resume: ${path} is ${JSON.stringify(from)} in the checkpoint and cannot change mid-run (given ${JSON.stringify(to)}); start a new run in another --out`,
      );
    }
    if (path === 'train.epochs' || path === 'ann.train.epochs') {
      const ph = path === 'train.epochs' ? 'snn' : 'ann';
      if (ph === at.phase && typeof to === 'number' && to < at.epoch) {
        throw new UserError(
          `--resume: ${path} ${to} is fewer than the ${at.epoch} epochs already done`,
        );
      }
    }
    setPath(config, path, to);
    config.changes.push({ ...at, option: path, from, to });
  }
  // logged once every change is known to be allowed (a refusal is then the only line)
  for (const c of config.changes.slice((stored.changes ?? []).length)) {
    log(`resume: ${c.option} ${JSON.stringify(c.from)} -> ${JSON.stringify(c.to)} from here on`);
  }
  return config;
}

export async function runTraining(opts: RunOptions, hooks: RunHooks = {}): Promise<RunResult> {
  const log = hooks.log ?? (() => {});
  let config: RunConfig;
  let manifest: ModelManifest;
  let state: TrainState | null = null;
  let progress: Progress;
  if (opts.resume && hasCheckpoint(opts.out)) {
    const cp = loadCheckpoint<RunConfig | Stored>(opts.out);
    const raw = cp.file.config;
    const stored: Stored =
      'progress' in raw ? raw : { config: raw, progress: { phase: 'snn', annHistory: [] } };
    progress = stored.progress;
    config = applyChanges(
      stored.config,
      opts.config,
      opts.explicit ?? [],
      { phase: progress.phase, epoch: cp.state.epoch },
      log,
    );
    manifest = cp.file.manifest;
    state = cp.state;
    log(
      `resuming ${join(opts.out, 'checkpoint.json')} after ${progress.phase} epoch ${state.epoch}`,
    );
  } else {
    if (!opts.resume && opts.refuseExisting && hasCheckpoint(opts.out)) {
      throw new UserError(
        `${join(opts.out, 'checkpoint.json')}: a training run is there; continue it with --resume, or start over with --force`,
      );
    }
    if (opts.resume) log(`no checkpoint in ${opts.out}: starting from the beginning`);
    config = structuredClone(opts.config);
    manifest = structuredClone(loadManifest(resolveModelPath(opts.model)).manifest);
    manifest.readout = config.readout;
    progress = { phase: config.init === 'ann' ? 'ann' : 'snn', annHistory: [] };
  }
  const arch = manifestToArchitecture(manifest);
  const lim = (n: number | null) => (n === null ? {} : { limit: n });
  const train = loadDataset(config.data, 'train', lim(config.trainLimit));
  const test =
    config.testLimit === 0 ? null : loadDataset(config.data, 'test', lim(config.testLimit));
  const inShape = arch.input;
  if (train.shape.c !== inShape.c || train.shape.h !== inShape.h || train.shape.w !== inShape.w) {
    throw new UserError(
      `data ${config.data}: images are ${train.shape.c}x${train.shape.h}x${train.shape.w}, the model expects ${inShape.c}x${inShape.h}x${inShape.w}`,
    );
  }
  const counts = { train: train.count, test: test?.count ?? 0 };
  const engineFor = (a: Architecture, mode: NetMode, planOptions: PlanOptions, batch: number) =>
    createEngine({
      arch: a,
      mode,
      planOptions,
      workers: opts.workers,
      shards: config.train.shards,
      maxBatch: batch,
      train: toLabeled(train),
      test: test === null ? null : toLabeled(test),
    });
  const save = (s: TrainState) =>
    saveCheckpoint(opts.out, s, { config, progress } satisfies Stored, manifest);
  const withEngine = async <T>(engine: Engine, f: (e: Engine) => Promise<T>): Promise<T> => {
    try {
      return await f(engine);
    } finally {
      await engine.close();
    }
  };

  // Phase 1: the ANN.
  let init: Network | null = null;
  if (progress.phase === 'ann') {
    const ann = annConfig(config);
    const planOptions: PlanOptions = {
      batchNorm: ann.batchNorm,
      bias: ann.bias,
      annActivation: ann.activation,
      wPenalty: ann.wPenalty ?? 0,
    };
    const annPlan = buildPlan(arch, 'ann', planOptions);
    if (state === null) {
      log(
        `ANN phase: ${ann.activation}${ann.batchNorm ? ' with batch norm' : ''}, ${ann.train.epochs} epochs`,
      );
      state = initialState(
        kaimingInit(annPlan, config.train.seed, 1),
        config.train.seed,
        'ann-shuffle',
        initialStats(annPlan),
      );
    }
    const annState = state;
    await withEngine(engineFor(arch, 'ann', planOptions, ann.train.batchSize), (engine) =>
      trainLoop(engine, ann.train, annState, counts, {
        ...hooks,
        onEpoch: async (rec, s) => {
          progress.annHistory = s.history;
          save(s);
          await hooks.onEpoch?.({ ...rec, phase: 'ann', epochs: ann.train.epochs }, s);
        },
      }),
    );
    if (annState.epoch < ann.train.epochs) {
      return { state: annState, config, manifestPath: null, manifest };
    }
    init = networkFromParams(annPlan, annState.params, annState.stats);
    progress.annHistory = annState.history;
    saveAnnModel(opts.out, config, manifest, init, annState, ann);
    state = null;
  } else if (state === null) {
    // --bias: every layer may take a bias from the file (batch norm gives one); the others start at 0
    const initArch = config.bias === true ? withBiases(arch) : arch;
    if (config.init !== 'kaiming') init = loadInitNetwork(initArch, config.init);
  }

  // The transfer: normalization and the SNN's initial parameters.
  // (a resumed SNN phase reads its biases from the checkpoint's manifest)
  const snnArch: Architecture = init !== null ? init.arch : arch;
  const snnOptions: PlanOptions = {
    bias: config.bias === true,
    batchNorm: config.snnBatchNorm === true,
    dftGradFloor: config.train.dftGradFloor ?? 0,
  };
  const plan = buildPlan(snnArch, 'snn', snnOptions);
  if (state === null) {
    let params: Float32Array;
    let stats = initialStats(plan);
    let scales: number[] | undefined;
    if (init !== null) {
      if (config.normalize) {
        const r = normalizeRelu(init, trainSource(train), train.count, config.normalize);
        init = r.net;
        scales = r.scales;
        log(
          `normalized to ReLU1 at the ${config.normalize.percentile}th percentile of ${Math.min(train.count, config.normalize.images)} training images: lambda ${r.scales
            .filter(
              (_, i) => snnArch.layers[i]!.kind === 'conv' || snnArch.layers[i]!.kind === 'dense',
            )
            .map((x) => x.toPrecision(3))
            .join(', ')}`,
        );
      }
      if (config.snnBatchNorm) {
        const bn = batchNormInit(plan, init, trainSource(train), train.count, 2048);
        params = bn.params;
        stats = bn.stats;
      } else {
        params = flattenNetwork(plan, init);
      }
    } else {
      params = kaimingInit(plan, config.train.seed, config.initScale);
    }
    state = initialState(params, config.train.seed, 'shuffle', stats);
    progress.phase = 'snn';
    progress.transfer = { testAccuracy: null, testSparsity: null, ...(scales ? { scales } : {}) };
    if (test !== null && init !== null) {
      const s0 = state;
      await withEngine(engineFor(snnArch, 'snn', snnOptions, config.train.batchSize), async (e) => {
        e.params.set(s0.params);
        e.stats.set(s0.stats);
        const r = await e.evaluate('test', counts.test, { logitScale: config.train.logitScale });
        progress.transfer!.testAccuracy = r.correct / r.frames;
        progress.transfer!.testSparsity = r.spikes / r.frames / plan.neurons;
        log(
          `after the transfer (before any SNN epoch): test ${((100 * r.correct) / r.frames).toFixed(2)}%, sparsity ${(r.spikes / r.frames / plan.neurons).toFixed(4)}`,
        );
      });
    }
    manifest = { ...manifest, layers: manifestLayersWithBias(manifest, snnArch) };
    save(state);
  }

  // Phase 2: the SNN.
  const snnState = state;
  await withEngine(engineFor(snnArch, 'snn', snnOptions, config.train.batchSize), (engine) =>
    trainLoop(engine, config.train, snnState, counts, {
      ...hooks,
      onEpoch: async (rec, s) => {
        save(s);
        await hooks.onEpoch?.({ ...rec, phase: 'snn', epochs: config.train.epochs }, s);
      },
    }),
  );
  if (snnState.epoch < config.train.epochs) {
    return { state: snnState, config, manifestPath: null, manifest };
  }
  const out = structuredClone(manifest);
  out.name = config.name;
  out.provenance = provenanceOf(config, snnState.history, progress, {
    trainCount: train.count,
    testCount: test?.count ?? null,
    date: hooks.date,
    version: VERSION,
  });
  const net = networkFromParams(plan, snnState.params, snnState.stats);
  const saved = saveModel(opts.out, config.name, out, net, { trained: true });
  return { state: snnState, config, manifestPath: saved.manifestPath, manifest: saved.manifest };
}

/** The images of a dataset as the workspace reads them. */
function trainSource(d: Dataset) {
  return { images: d.images, labels: d.labels };
}

/** The manifest's layers with `bias: true` where the SNN architecture has biases. */
function manifestLayersWithBias(m: ModelManifest, a: Architecture): ModelManifest['layers'] {
  return m.layers.map((l, i) => {
    const spec = a.layers[i];
    if ((l.type === 'conv' || l.type === 'dense') && spec && 'bias' in spec && spec.bias) {
      return { ...l, bias: true };
    }
    return l;
  });
}

/**
 * The trained ANN twin (batch norm folded), saved as `<out>/<name>-ann.json` + safetensors at the
 * end of the ANN phase, so that the SNN phase can be redone from it (`--init <that file>
 * --normalize 99.9`) and the ANN is never lost with a later checkpoint. Marked untrained: it is
 * a ReLU network, the starting point of a DFT network, not one.
 */
function saveAnnModel(
  out: string,
  config: RunConfig,
  manifest: ModelManifest,
  net: Network,
  state: TrainState,
  ann: AnnConfig,
): void {
  const name = `${config.name}-ann`;
  const m = structuredClone(manifest);
  m.name = name;
  m.layers = manifestLayersWithBias(m, net.arch);
  m.description = `The ${ann.activation} ANN twin of ${config.name}${ann.batchNorm ? ' (batch norm folded)' : ''} after the ANN phase of ttfsim train: not a DFT network; start one from it with ttfsim train --init ${name}.json${ann.activation === 'relu' ? ' --normalize 99.9' : ''}`;
  const last = state.history[state.history.length - 1];
  m.provenance = {
    trainer: `ttfsim ${VERSION} (ttfsim train, ANN phase)`,
    epochs: state.epoch,
    seed: config.train.seed,
    ...(last?.testAccuracy != null ? { testAccuracy: last.testAccuracy } : {}),
    notes: `test accuracy of the ANN itself (${ann.activation}, float32), not of a DFT network`,
  };
  saveModel(out, name, m, net, { trained: false });
}
