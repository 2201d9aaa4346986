import type { SimCore } from './connectivity.js';
import { coreBias, coreSops, evaluateCore, poolCore } from './core.js';
import type { FrameSlot } from './frameResult.js';
import type { IntSops } from './intSops.js';
import type { SimSetup } from './setup.js';

/**
 * What a core computes when it opens a window for a frame (docs/simulation.md, step 2), apart
 * from the events around it (simulator.ts): the SOPs of the spikes that reached it for that
 * frame, its neurons' bias spikes, the closed-form evaluation of its neurons (Eq. 7) and the
 * pooling it hosts. Two arithmetics with the same results bit for bit (setup's `sopMode`):
 *
 * - `fixed`: the fixed-point accumulators of core.ts (float weights, exact time, or levels the
 *   integer path cannot take), in the slot's `aAcc` / `wAcc`;
 * - `int`: integer SOPs in WebAssembly SIMD (intSops.ts), with k-bit levels on a step grid.
 */
export class CoreCompute {
  private readonly int: IntSops | null;

  constructor(
    private readonly setup: SimSetup,
    slots: number,
  ) {
    this.int = setup.intSops;
    this.int?.useSlots(slots);
  }

  /** Bytes the integer engine holds (levels, accumulators), 0 on the fixed-point path. */
  get intBytes(): number {
    return this.int?.bytes ?? 0;
  }

  /** Clears the accumulators of frame slot `k` (its `FrameSlot.reset` clears the others). */
  clear(k: number): void {
    this.int?.clear(k);
  }

  /**
   * Core `c` opens frame slot `k` (`slot`): SOPs of the `count` emitted neurons in `pending`,
   * bias spikes (counted in the slot), neurons, pools.
   */
  open(c: number, k: number, slot: FrameSlot, pending: Int32Array, count: number): void {
    const s = this.setup;
    const core = s.conn.cores[c]!;
    const int = this.int;
    if (core.mapIdx > 0) {
      const ts = core.stage;
      const st = s.stages[ts]!;
      if (count > 0) {
        const li = core.mapIdx - 1;
        const link = s.conn.links[li]!;
        const tauIn = slot.tau[link.emitStage]!;
        if (int !== null) int.sops(li, core, pending, count, tauIn, k);
        else {
          const g = s.arith.tauScale;
          coreSops(link, core, pending, count, tauIn, slot.aAcc[ts]!, slot.wAcc[ts]!, g);
        }
      }
      if (core.biasAcc !== null) {
        if (int !== null) int.bias(core, k);
        else coreBias(core, st, core.biasAcc, slot.aAcc[ts]!, slot.wAcc[ts]!);
      }
      countBiasSops(core, slot);
      const isOutput = ts === s.outputStage;
      const membrane = isOutput ? slot.outputMembrane : null;
      const spiking = !(isOutput && s.network.arch.readout === 'membrane');
      const neuron = s.arith.layers[ts - 1]!.neuron;
      if (int !== null) int.evaluate(core, k, slot.tau[ts]!, membrane, spiking, neuron);
      else {
        evaluateCore(
          core,
          st,
          slot.aAcc[ts]!,
          slot.wAcc[ts]!,
          slot.tau[ts]!,
          membrane,
          spiking,
          neuron,
        );
      }
    }
    const sm = s.mapping.stages[core.mapIdx]!;
    sm.hosted.forEach((hs, h) => {
      const layer = s.stages[hs]!.layer!;
      if (layer.kind !== 'pool') return;
      poolCore(
        core.hostedNeurons[h]!,
        slot.tau[hs - 1]!,
        s.stages[hs - 1]!,
        s.stages[hs]!,
        layer.size,
        layer.stride,
        slot.tau[hs]!,
      );
    });
  }
}

/**
 * Counts core `core`'s bias SOPs of a window in the slot (one per neuron with a non-zero bias:
 * in `biasSops`, `sopsIn`, `sopsOut` at its own stage and `coreSops`). Part of
 * {@link CoreCompute.open}; the simulator calls it alone when the spikes come from elsewhere
 * (frameSpikes.ts).
 */
export function countBiasSops(core: SimCore, slot: FrameSlot): void {
  if (core.mapIdx === 0 || core.biasAcc === null) return;
  const n = core.biasSops;
  const ts = core.stage;
  slot.biasSops[ts] += n;
  slot.sopsIn[ts] += n;
  slot.sopsOut[ts] += n;
  slot.coreSops[core.id] += n;
}
