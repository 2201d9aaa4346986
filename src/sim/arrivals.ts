import type { IdealNoc } from '../hardware/noc/ideal.js';
import type { EventTarget, Kernel } from '../kernel/kernel.js';
import type { LayerLink, SimCore } from './connectivity.js';
import { sopCount } from './core.js';
import type { FrameSlot } from './frameResult.js';
import { type DeliveryGroup, type IdealSender, K_SPIKE_GROUP } from './packets.js';
import type { SimSetup } from './setup.js';

/**
 * What happens when spikes reach a core (docs/simulation.md, step 4): the SOPs a spike causes
 * are counted at once (per layer and core) and take `n x sopNs` of the core's time after its
 * earlier work (`busyUntil`); the spike is kept on the core's pending list of its frame, whose
 * SOPs the core does when it opens that frame's window (`takePending`: the sums are integers, so
 * the order does not matter). A spike of a frame whose window the core has already opened means
 * that the network reordered it past an end-of-window marker: an error.
 *
 * It is the kernel's target of the ideal network's delivery groups ({@link K_SPIKE_GROUP}).
 */
export class Arrivals implements EventTarget {
  /** Per core: when it has done the SOPs queued so far (ns). */
  readonly busyUntil: Float64Array;
  private readonly cores: SimCore[];
  private readonly links: LayerLink[];
  /**
   * Per core and frame slot (`core * M + frame % M`): the emitted neurons whose spikes have
   * reached the core and whose SOPs are still to do (not kept when `keepPending` is false: the
   * spikes then come computed, frameSpikes.ts).
   */
  private readonly pending: Int32Array[];
  private readonly pendingLen: Int32Array;
  private readonly sopNs: number;
  /** The ideal network's sender, which recycles the groups (set by the simulator). */
  sender: IdealSender | null = null;

  constructor(
    setup: SimSetup,
    private readonly M: number,
    /** Per core: the frame it opens next, and whether its window is open (the simulator's). */
    private readonly nextFrame: Int32Array,
    private readonly inWindow: Uint8Array,
    /** Stage of the sending layer of each link (where its traffic is counted). */
    private readonly srcStageOfLink: Int32Array,
    private readonly ideal: IdealNoc | null,
    private readonly keepPending: boolean,
  ) {
    this.cores = setup.conn.cores;
    this.links = setup.conn.links;
    const n = this.cores.length;
    this.busyUntil = new Float64Array(n);
    this.pending = Array.from({ length: keepPending ? n * M : 0 }, () => new Int32Array(16));
    this.pendingLen = new Int32Array(n * M);
    this.sopNs = setup.hw.timing.sopNs;
  }

  onEvent(kind: number, _a: number, b: number, ref: unknown, kernel: Kernel): void {
    if (kind === K_SPIKE_GROUP) this.arriveGroup(ref as DeliveryGroup, b, kernel.now);
  }

  /** Core `c`'s pending spikes of frame slot `k` (empty when they are not kept). */
  pendingOf(c: number, k: number): Int32Array {
    return this.keepPending ? this.pending[c * this.M + k]! : EMPTY;
  }

  /** How many spikes reached core `c` for frame slot `k` since {@link clearPending}. */
  pendingCount(c: number, k: number): number {
    return this.pendingLen[c * this.M + k]!;
  }

  clearPending(c: number, k: number): void {
    this.pendingLen[c * this.M + k] = 0;
  }

  /**
   * A group of spike deliveries scheduled by the {@link IdealSender} arrives (all at `now`,
   * injected at `b`): each is processed as its own delivery event would have been, in order.
   */
  private arriveGroup(g: DeliveryGroup, b: number, now: number): void {
    const slot = g.slot!;
    const frame = slot.frame;
    const n = g.n;
    // The deliveries' latencies are all `now - b` (recorded in one call, as one by one).
    this.ideal!.recordDeliveries(now - b, n);
    const ds = g.d;
    const js = g.j;
    // What deliverSpike does for each, with what is the same for the whole group hoisted: every
    // delivery of a group comes from one core, through one link (`m`), so one layer's counters.
    const cores = this.cores;
    const nextFrame = this.nextFrame;
    const inWindow = this.inWindow;
    const busyUntil = this.busyUntil;
    const coreSopsOf = slot.coreSops;
    const sopNs = this.sopNs;
    const keep = this.keepPending;
    const fm = frame % this.M;
    const m = cores[ds[0]!]!.mapIdx - 1;
    const link = this.links[m]!;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const d = ds[i]!;
      const j = js[i]!;
      const next = nextFrame[d]!;
      if (next > frame || (next === frame && inWindow[d])) reordered(d, frame);
      const core = cores[d]!;
      if (core.mapIdx - 1 !== m) throw new Error(`core ${d}: a spike group spans links`);
      const s = sopCount(link, core, j);
      if (keep) this.push(d * this.M + fm, j);
      total += s;
      coreSopsOf[d] += s;
      const busy = busyUntil[d]!;
      busyUntil[d] = Math.max(now, busy) + s * sopNs;
    }
    // Integer counts: adding the group's total equals adding them one by one.
    slot.sopsIn[link.targetStage] += total;
    slot.sopsOut[this.srcStageOfLink[m]!] += total;
    this.sender!.releaseGroup(g);
  }

  /**
   * The spike of emitted neuron `j` of frame `frame` (in `slot`) reaches core `d` at `now`: its
   * SOPs on the core's targets take `n x sopNs` after the core's earlier work (busy-until); they
   * are counted now and done when the core opens the frame's window (see `pending`).
   */
  deliverSpike(d: number, j: number, slot: FrameSlot, frame: number, now: number): void {
    const next = this.nextFrame[d]!;
    if (next > frame || (next === frame && this.inWindow[d])) reordered(d, frame);
    const core = this.cores[d]!;
    const m = core.mapIdx - 1;
    const link = this.links[m]!;
    const n = sopCount(link, core, j);
    const key = d * this.M + (frame % this.M);
    if (this.keepPending) this.push(key, j);
    slot.sopsIn[link.targetStage] += n;
    slot.sopsOut[this.srcStageOfLink[m]!] += n;
    slot.coreSops[d] += n;
    const start = Math.max(now, this.busyUntil[d]!);
    this.busyUntil[d] = start + n * this.sopNs;
  }

  private push(key: number, j: number): void {
    const len = this.pendingLen[key]!;
    let list = this.pending[key]!;
    if (len === list.length) {
      const grown = new Int32Array(len * 2);
      grown.set(list);
      this.pending[key] = list = grown;
    }
    list[len] = j;
    this.pendingLen[key] = len + 1;
  }
}

const EMPTY = new Int32Array(0);

function reordered(d: number, frame: number): never {
  throw new Error(
    `core ${d}: a spike of frame ${frame} arrived after the core opened that frame's window (the network reordered it past an end-of-window marker)`,
  );
}
