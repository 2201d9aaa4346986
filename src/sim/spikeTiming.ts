import { spikeTime } from '../snn/neuron.js';
import type { SimCore } from './connectivity.js';
import type { FrameSlot } from './frameResult.js';
import type { SimSetup } from './setup.js';

/**
 * When a spike leaves its core: `(1 - tau)` of a window after the window opens, a window being
 * `setup.windowNs`; in quantized time the offset is a whole number of steps
 * (docs/simulation.md). Model spike times never depend on this, only when things happen.
 */
export function spikeOffsetNs(setup: SimSetup, tau: number): number {
  if (setup.stepsPerWindow !== null) {
    return Math.round((1 - tau) * setup.stepsPerWindow) * (setup.windowNs / setup.stepsPerWindow);
  }
  return (1 - tau) * setup.windowNs;
}

/** Per-spike callback for spike traces: model time `t` (windows) and physical emission time. */
export type SpikeFn = (
  frame: number,
  stage: number,
  neuron: number,
  t: number,
  emitNs: number,
) => void;

/**
 * Reports every spike of core `core` in the window that opened at `openNs` (its own neurons, then
 * the pooled neurons it hosts) to `fn`, with model time and physical emission time.
 */
export function traceCoreSpikes(
  setup: SimSetup,
  core: SimCore,
  slot: FrameSlot,
  openNs: number,
  fn: SpikeFn,
): void {
  const st = setup.stages[core.stage]!;
  const { h, w } = st.shape;
  const tau = slot.tau[core.stage]!;
  for (let ch = core.channelStart; ch < core.channelEnd; ch++) {
    for (let i = (ch * h + core.rowStart) * w; i < (ch * h + core.rowEnd) * w; i++) {
      if (tau[i]! > 0) {
        fn(
          slot.frame,
          core.stage,
          i,
          spikeTime(st.window, tau[i]!),
          openNs + spikeOffsetNs(setup, tau[i]!),
        );
      }
    }
  }
  setup.mapping.stages[core.mapIdx]!.hosted.forEach((hs, k) => {
    if (setup.stages[hs]!.layer!.kind !== 'pool') return;
    const t = slot.tau[hs]!;
    const window = setup.stages[hs]!.window;
    for (const i of core.hostedNeurons[k]!) {
      if (t[i]! > 0)
        fn(slot.frame, hs, i, spikeTime(window, t[i]!), openNs + spikeOffsetNs(setup, t[i]!));
    }
  });
}
