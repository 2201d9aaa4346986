import type { FramesSpec } from './frames.js';

/** Defaults of a run with no options: the README's first command. */
export const DEFAULT_HARDWARE = 'mesh22nm';
export const DEFAULT_MODEL = 'mnist-cnn';
export const DEFAULT_SEED = 1;
export const DEFAULT_NOC: 'ideal' | 'detailed' = 'detailed';

/**
 * When `--frames` is not given, a run covers the first frames only, so that a default run
 * finishes in well under a minute: at most {@link DEFAULT_MAX_FRAMES}, and a budget in
 * synapse-frames (the network's synapses x frames, a pure function of the model): MNIST CNN
 * (1.56 M synapses) gets 200 frames, VGG16-slim (20.0 M) 34, VGG11 (172 M) 4, VGG16 (332 M) 2. `--frames all`
 * runs everything.
 */
export const DEFAULT_SYNAPSE_FRAMES = 700_000_000;
export const DEFAULT_MAX_FRAMES = 200;

/** The options of one run (`ttfsim simulate`), as a library caller passes them. */
export interface SimulateOptions {
  /** Hardware config: bundled name (`mesh22nm`, with or without `.json`) or path. */
  hw?: string;
  /** Model: bundled name (`mnist-cnn`, `vgg16`) or path to a manifest. */
  model?: string;
  /** `mnist`, `cifar10` or a data folder; default: the model's `dataset`. */
  data?: string;
  /** `N`, `A:B`, `all`; default: see {@link DEFAULT_SYNAPSE_FRAMES}. */
  frames?: FramesSpec;
  noc?: 'ideal' | 'detailed';
  /** Steps per window (sets `timing.stepsPerWindow`), or `exact` for continuous time. */
  stepsPerWindow?: number | 'exact';
  /** Weight bits (sets `chip.weightBits`), or `float` for unquantized weights. */
  weightBits?: number | 'float';
  seed?: number;
  /**
   * Frames on the chip at once (host flow control). Default: one per window of the network, so
   * that frames pipeline through the layers (throughput); 1: each frame alone (the latency of a
   * single frame, without waiting behind the previous ones).
   */
  framesInFlight?: number;
  /**
   * Threads for the frames (`--workers`): the frames' spikes are computed on this many worker
   * threads while the calling thread runs their physical time (docs/simulation.md "All cores");
   * 1: everything in the calling thread. Default: the machine's cores. The results do not depend
   * on it (only the wall time does), so it is not part of the run id.
   */
  workers?: number;
  /** `key=value` overrides of hardware fields (`energy.sopEnergyPj=1.5`). */
  set?: readonly string[];
  /** Results folder; default `<resultsRoot>/<run id>`. */
  out?: string;
  /**
   * Write into a results folder that holds files ttfsim did not write (they are left alone;
   * ttfsim replaces only its own files). Without it such a folder is refused.
   */
  force?: boolean;
  /** Where default results folders go (default `results`, relative to the working directory). */
  resultsRoot?: string;
  /** Write every spike to this CSV (`frame,layer,neuron,t`). */
  traceSpikes?: string;
  /** Write results files (default true); false: only compute the RunResult. */
  write?: boolean;
  /**
   * Folder of the calibrated-weights cache (src/run/calibrationCache.ts); null: no cache.
   * Default: `TTFSIM_CACHE_DIR` (`off`: none), else `$XDG_CACHE_HOME/ttfsim` or `~/.cache/ttfsim`.
   */
  cacheDir?: string | null;
  /** Environment for `TTFSIM_CIFAR10_DIR` and `TTFSIM_CACHE_DIR` (default `process.env`). */
  env?: Record<string, string | undefined>;
}

/** Progress and messages while a run goes; everything optional. */
export interface SimulateHooks {
  /** Called once when the inputs are resolved, before any frame runs. */
  onStart?(info: {
    run: string;
    frames: number;
    model: string;
    hardware: string;
    notes: string[];
  }): void;
  /** Called after each frame: `done` of `total`. */
  onProgress?(done: number, total: number): void;
}
