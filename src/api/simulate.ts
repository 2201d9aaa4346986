import type { FrameRecord, RunResult } from '../report/runResult.js';
import { frameEnergy, RunAccumulator } from '../run/aggregate.js';
import type { Engine, EngineFrame } from '../run/engine.js';
import type { SimulateHooks, SimulateOptions } from '../run/options.js';
import { referenceEngine } from '../run/referenceEngine.js';
import { defaultEngine } from '../run/simEngine.js';
import { runSimulation } from '../run/simulate.js';
import { paperNeuronCount } from '../snn/network.js';

/**
 * Options of {@link simulate}: those of `ttfsim simulate` (same names, same defaults, same
 * checks), plus the engine. `write` defaults to true as on the command line: pass `write: false`
 * to compute the {@link RunResult} without writing a results folder.
 */
export interface ApiSimulateOptions extends SimulateOptions {
  /**
   * `sim` (default): the event-driven simulator with the ideal or detailed network-on-chip.
   * `reference`: the dense reference forward pass with counts from the mapping (an ideal,
   * contention-free chip; the oracle the simulator equals spike for spike).
   */
  engine?: 'sim' | 'reference';
}

/** Progress, frames and cancellation of one {@link simulate} call; everything optional. */
export interface ApiSimulateHooks extends SimulateHooks {
  /**
   * Called after each frame with the frame's record, the object `run.json` holds in `frames`
   * (same fields and units). `energyJ.sop` and `energyJ.hop` are final; `energyJ.static` and
   * `energyJ.total` use the frame's own latency as its chip time until the run knows its chip
   * time per frame (pipelining): the returned result's `frames` hold the final figures.
   */
  onFrame?(frame: FrameRecord, done: number, total: number): void;
  /**
   * Cancels the run: checked before the run starts and as each frame comes in. An aborted run
   * throws `signal.reason` (an `AbortError` DOMException unless the caller gave another reason)
   * and writes no results. With worker threads (`workers` above 1, the default on a machine
   * with several cores) the event loop runs while frames are computed, so a timer's abort
   * (`AbortSignal.timeout`) stops the run at the next frame; with `workers: 1` the frames run in
   * this thread and only an abort from `onFrame` (or from another thread) is seen before the end.
   */
  signal?: AbortSignal;
}

/**
 * Wraps an engine so that each frame is checked against the signal and handed to `onFrame` as
 * its run.json record (a second accumulator, the same code as the run's own).
 */
function observed(inner: Engine, hooks: ApiSimulateHooks): Engine {
  return async (input, onFrame) => {
    const acc = new RunAccumulator(
      input.network.arch,
      input.mapping,
      input.config,
      paperNeuronCount(input.network.arch),
    );
    let done = 0;
    return await inner(input, (frame: EngineFrame) => {
      hooks.signal?.throwIfAborted();
      onFrame(frame);
      done++;
      if (hooks.onFrame !== undefined) {
        const record = acc.add(frame);
        record.energyJ = frameEnergy(
          {
            sops: record.sops,
            biasSops: record.biasSops ?? 0,
            hops: record.hops,
            controlHops: record.controlHops ?? 0,
            latencyNs: record.latencyNs,
          },
          input.config,
        ).energyJ;
        hooks.onFrame(record, done, input.count);
      }
      hooks.signal?.throwIfAborted();
    });
  };
}

/**
 * Runs one simulation, as `ttfsim simulate` does: resolves and validates the hardware config
 * (with `set` overrides), the model, the data and the frames, maps the network onto cores,
 * simulates every frame and (unless `write: false`) writes the results folder. Returns the
 * object written to `run.json`.
 *
 * Never prints and never ends the process: bad input throws a {@link UserError} naming the file
 * and the field (`err.file`, `err.field`); a cancelled run throws the signal's reason.
 *
 * @example
 * ```ts
 * const r = await simulate({ hw: 'mesh22nm', frames: 10, set: ['noc.bufferDepthFlits=8'], write: false });
 * console.log(r.summary.accuracy, r.summary.energyJ.total, r.summary.latencyNs);
 * ```
 */
export async function simulate(
  options: ApiSimulateOptions = {},
  hooks: ApiSimulateHooks = {},
): Promise<RunResult> {
  hooks.signal?.throwIfAborted();
  const { engine = 'sim', ...rest } = options;
  const inner = engine === 'reference' ? referenceEngine : defaultEngine;
  return runSimulation({ ...rest, engine: observed(inner, hooks) }, hooks);
}

/** One item of {@link simulateFrames}: a frame as it finishes, then the whole result. */
export type SimulationEvent =
  | { kind: 'frame'; frame: FrameRecord; done: number; total: number }
  | { kind: 'result'; result: RunResult };

/**
 * {@link simulate} as an async iterator: yields `{ kind: 'frame' }` for each frame in order, then
 * one `{ kind: 'result' }`. Leaving the loop early (`break`, `return`, an exception) cancels the
 * run. Errors of the run are thrown from the loop.
 *
 * @example
 * ```ts
 * for await (const e of simulateFrames({ frames: 20, write: false })) {
 *   if (e.kind === 'frame') console.log(e.frame.index, e.frame.correct, e.frame.latencyNs);
 *   else console.log(e.result.summary.accuracy);
 * }
 * ```
 */
export async function* simulateFrames(
  options: ApiSimulateOptions = {},
  hooks: Omit<ApiSimulateHooks, 'onFrame'> = {},
): AsyncGenerator<SimulationEvent, void, undefined> {
  const stop = new AbortController();
  const outer = hooks.signal;
  const forward = () => stop.abort(outer?.reason);
  if (outer?.aborted) forward();
  outer?.addEventListener('abort', forward, { once: true });
  const queue: SimulationEvent[] = [];
  let wake: (() => void) | null = null;
  let failure: { error: unknown } | null = null;
  let finished = false;
  const notify = () => {
    wake?.();
    wake = null;
  };
  const run = simulate(options, {
    ...hooks,
    signal: stop.signal,
    onFrame: (frame, done, total) => {
      queue.push({ kind: 'frame', frame: { ...frame }, done, total });
      notify();
    },
  }).then(
    (result) => {
      queue.push({ kind: 'result', result });
      finished = true;
      notify();
    },
    (error: unknown) => {
      failure = { error };
      finished = true;
      notify();
    },
  );
  try {
    for (;;) {
      const next = queue.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      if (failure !== null) throw (failure as { error: unknown }).error;
      if (finished) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    outer?.removeEventListener('abort', forward);
    if (!finished) stop.abort(new DOMException('simulateFrames: the loop ended', 'AbortError'));
    await run;
  }
}
