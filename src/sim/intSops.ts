import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NeuronEval } from '../snn/arith.js';
import type { Network, StageInfo } from '../snn/network.js';
import { PROJECT_ROOT } from '../util/version.js';
import type { LayerLink, SimCore } from './connectivity.js';
import { convTargets } from './core.js';

/**
 * Integer SOPs in the chip's own mode: k-bit weight levels on a grid of `n` steps per window.
 *
 * A spike that fires at step `k` of its window has `tau = k / n`, so with the arithmetic of
 * src/snn/arith.ts (`G = n`) every term of a SOP is an integer: `q (tau G) = q k` on `a`,
 * `q G` on `w`. Here the sums are kept in int32 with no rounding at all,
 *
 *     a = sum q k              w' = sum q              (w = n w')
 *
 * and the neuron (`LevelNeuron`, src/snn/levels.ts) gets `(a, n w')`: exactly the accumulators
 * of the fixed-point path, so spikes are the same bit for bit (tested against it). The per-layer
 * scale enters once, in the neuron's comparisons with the threshold.
 *
 * The SOP loops run in WebAssembly SIMD (src/sim/wasm/sops.as.ts, four channels per operation)
 * on int8 levels, 1 byte per synapse instead of the 12 of the float path's `w` and `wq` tables,
 * with channel-last accumulators (`[y][x][c]`) in the module's memory: one slice per frame slot
 * and weighted stage. It applies when {@link intSopsBlocker} finds nothing against it: integer
 * levels of at most 8 bits, a step grid, sums that fit in int32, and the compiled module.
 */

export const SOPS_WASM_PATH = join(PROJECT_ROOT, 'dist', 'wasm', 'sops.wasm');

interface SopsExports {
  convSops(
    spk: number,
    count: number,
    q: number,
    a: number,
    w: number,
    outC: number,
    outW: number,
    K: number,
    stride: number,
    c0: number,
    n: number,
  ): void;
  denseSops(
    spk: number,
    count: number,
    q: number,
    a: number,
    w: number,
    units: number,
    c0: number,
    n: number,
  ): void;
}

let compiled: WebAssembly.Module | null | undefined;

/** The compiled module, or null when `dist/wasm/sops.wasm` is missing (`npm run build:wasm`). */
function sopsModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    compiled = existsSync(SOPS_WASM_PATH)
      ? new WebAssembly.Module(readFileSync(SOPS_WASM_PATH))
      : null;
  }
  return compiled;
}

const INT32_MAX = 2 ** 31 - 1;

/**
 * Why the integer path cannot run `net` on `links` with `steps` steps per window, or null when it
 * can: it needs integer levels (a quantized network), a step grid, weight levels in int8, and
 * every sum within int32 (`fan-in x max |q| x n` plus the bias), and the compiled module.
 * `TTFSIM_INT_SOPS=0` turns it off (the fixed-point path then runs, with the same results).
 */
export function intSopsBlocker(
  net: Network,
  all: readonly StageInfo[],
  steps: number | null,
): string | null {
  if (process.env.TTFSIM_INT_SOPS === '0') return 'turned off (TTFSIM_INT_SOPS=0)';
  const lv = net.levels;
  if (lv === undefined) return 'float weights';
  if (steps === null) return 'exact time';
  for (let t = 1; t < all.length; t++) {
    const layer = all[t]!.layer;
    if (layer === null || (layer.kind !== 'conv' && layer.kind !== 'dense')) continue;
    const l = lv.layers[t - 1];
    if (l === null || l === undefined) return `stage ${t} has no levels`;
    let qMax = 0;
    for (let i = 0; i < l.weights.length; i++) qMax = Math.max(qMax, Math.abs(l.weights[i]!));
    if (qMax > 127) return `stage ${t}: levels beyond int8`;
    let bMax = 0;
    if (l.bias !== null) for (const b of l.bias) bMax = Math.max(bMax, Math.abs(b));
    const fanIn = l.weights.length / all[t]!.shape.c;
    if ((fanIn * qMax + bMax) * steps > INT32_MAX) return `stage ${t}: sums beyond int32`;
  }
  if (sopsModule() === null) return `${SOPS_WASM_PATH} is missing (npm run build:wasm)`;
  return null;
}

/** Bytes rounded up to 16 (v128 alignment). */
const align16 = (n: number) => (n + 15) & ~15;
const PAGE = 65536;

/** The integer SOP engine of one simulation (see the file comment). */
export class IntSops {
  private readonly ex: SopsExports;
  private i32: Int32Array;
  /** Byte offset of each link's int8 levels. */
  private readonly qOff: Int32Array;
  /** Byte offsets of the accumulators `a` and `w'` per (slot, stage): `slot * stages + stage`. */
  private aOff = new Int32Array(0);
  private wOff = new Int32Array(0);
  private readonly memory: WebAssembly.Memory;
  /** Where the accumulators start, and the bytes of one slot's. */
  private readonly accBase: number;
  private readonly accBytes: number;
  private readonly onChip: Uint8Array;
  /** Int32 index of the spike buffer. */
  private readonly spk: number;
  /** Bias levels per stage (per output channel), or null. */
  private readonly biasQ: (Int32Array | null)[];
  /** Scratch of `convTargets`. */
  private readonly targets = new Int32Array(7);

  constructor(
    net: Network,
    private readonly links: readonly LayerLink[],
    private readonly all: readonly StageInfo[],
    private readonly steps: number,
  ) {
    const lv = net.levels!;
    let off = 0;
    const qOff = new Int32Array(links.length);
    links.forEach((l, i) => {
      qOff[i] = off;
      off = align16(off + lv.layers[l.targetStage - 1]!.weights.length);
    });
    const onChip = new Uint8Array(all.length);
    for (const l of links) onChip[l.targetStage] = 1;
    let spikes = 0;
    for (const l of links) spikes = Math.max(spikes, all[l.emitStage]!.size);
    this.spk = off >> 2;
    off = align16(off + 32 * spikes);
    this.accBase = off;
    this.accBytes = 0;
    for (let t = 0; t < all.length; t++)
      if (onChip[t]) this.accBytes += 2 * align16(4 * all[t]!.size);
    this.onChip = onChip;
    this.memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(off / PAGE)) });
    const instance = new WebAssembly.Instance(sopsModule()!, { env: { memory: this.memory } });
    this.ex = instance.exports as unknown as SopsExports;
    this.i32 = new Int32Array(this.memory.buffer);
    const i8 = new Int8Array(this.memory.buffer);
    links.forEach((l, i) => {
      reorder(l, lv.layers[l.targetStage - 1]!.weights, i8, qOff[i]!);
    });
    this.qOff = qOff;
    this.biasQ = all.map((_, t) => {
      const b = t > 0 && onChip[t] ? lv.layers[t - 1]!.bias : null;
      return b === null || b === undefined ? null : Int32Array.from(b);
    });
  }

  /** Bytes of the module's memory: levels, spike buffer, accumulators of the slots laid out. */
  get bytes(): number {
    return this.memory.buffer.byteLength;
  }

  /**
   * Lays out accumulators for `slots` frame slots (a run's frames in flight), growing the memory
   * when a run needs more than the previous ones. The levels stay where they are.
   */
  useSlots(slots: number): void {
    const S = this.all.length;
    if (slots * S > this.aOff.length) {
      const need = this.accBase + slots * this.accBytes;
      const have = this.memory.buffer.byteLength;
      if (need > have) {
        // (@types/node's WebAssembly.Memory lacks `grow`, which every engine has)
        (this.memory as unknown as { grow(pages: number): number }).grow(
          Math.ceil((need - have) / PAGE),
        );
      }
      this.i32 = new Int32Array(this.memory.buffer);
      this.aOff = new Int32Array(slots * S).fill(-1);
      this.wOff = new Int32Array(slots * S).fill(-1);
      let off = this.accBase;
      for (let s = 0; s < slots; s++) {
        for (let t = 0; t < S; t++) {
          if (!this.onChip[t]) continue;
          this.aOff[s * S + t] = off;
          off += align16(4 * this.all[t]!.size);
          this.wOff[s * S + t] = off;
          off += align16(4 * this.all[t]!.size);
        }
      }
    }
  }

  /** Clears the accumulators of frame slot `slot`. */
  clear(slot: number): void {
    const S = this.all.length;
    for (let t = 0; t < S; t++) {
      const a = this.aOff[slot * S + t]!;
      if (a < 0) continue;
      const size = this.all[t]!.size;
      this.i32.fill(0, a >> 2, (a >> 2) + size);
      const w = this.wOff[slot * S + t]!;
      this.i32.fill(0, w >> 2, (w >> 2) + size);
    }
  }

  /**
   * The SOPs of `count` spikes (emitted neurons `js[0..count)`, values `tauIn[j]`) of link
   * `li` on the targets held by `core`, into frame slot `slot` (what `coreSops` of core.ts does).
   */
  sops(
    li: number,
    core: SimCore,
    js: Int32Array,
    count: number,
    tauIn: Float64Array,
    slot: number,
  ): void {
    const link = this.links[li]!;
    const t = slot * this.all.length + link.targetStage;
    const a = this.aOff[t]!;
    const w = this.wOff[t]!;
    const n = this.steps;
    const i32 = this.i32;
    const c0 = core.channelStart;
    const nc = core.channelEnd - c0;
    let p = this.spk;
    if (link.kind !== 'conv') {
      for (let i = 0; i < count; i++) {
        const j = js[i]!;
        i32[p] = j;
        i32[p + 1] = Math.round(tauIn[j]! * n);
        p += 2;
      }
      this.ex.denseSops(this.spk << 2, count, this.qOff[li]!, a, w, link.outC, c0, nc);
      return;
    }
    const { kernel: K, stride, padding, outC } = link;
    const block = K * K * outC;
    const r0 = core.rowStart;
    const r1 = core.rowEnd - 1;
    const tg = this.targets;
    let m = 0;
    for (let i = 0; i < count; i++) {
      const j = js[i]!;
      if (!convTargets(link, r0, r1, j, tg)) continue;
      i32[p] = tg[0]! * block;
      i32[p + 1] = tg[1]! + padding;
      i32[p + 2] = tg[2]! + padding;
      i32[p + 3] = tg[3]!;
      i32[p + 4] = tg[4]!;
      i32[p + 5] = tg[5]!;
      i32[p + 6] = tg[6]!;
      i32[p + 7] = Math.round(tauIn[j]! * n);
      p += 8;
      m++;
    }
    this.ex.convSops(this.spk << 2, m, this.qOff[li]!, a, w, outC, link.outW, K, stride, c0, nc);
  }

  /** The bias spikes of `core`'s neurons (`coreBias` of core.ts): `a += q_b n`, `w' += q_b`. */
  bias(core: SimCore, slot: number): void {
    const q = this.biasQ[core.stage];
    if (q === null || q === undefined) return;
    const t = slot * this.all.length + core.stage;
    const a = this.aOff[t]! >> 2;
    const w = this.wOff[t]! >> 2;
    const { c: C, w: W } = this.all[core.stage]!.shape;
    const n = this.steps;
    const i32 = this.i32;
    for (let ch = core.channelStart; ch < core.channelEnd; ch++) {
      const b = q[ch]!;
      if (b === 0) continue;
      for (let i = core.rowStart * W * C + ch; i < core.rowEnd * W * C; i += C) {
        i32[a + i] += b * n;
        i32[w + i] += b;
      }
    }
  }

  /** `evaluateCore` of core.ts on the integer sums (channel-last, to `tauOut` in CHW order). */
  evaluate(
    core: SimCore,
    slot: number,
    tauOut: Float64Array,
    membrane: Float64Array | null,
    spiking: boolean,
    neuron: NeuronEval,
  ): void {
    const t = slot * this.all.length + core.stage;
    const a = this.aOff[t]! >> 2;
    const w = this.wOff[t]! >> 2;
    const { c: C, h: H, w: W } = this.all[core.stage]!.shape;
    const n = this.steps;
    const i32 = this.i32;
    for (let ch = core.channelStart; ch < core.channelEnd; ch++) {
      for (let y = core.rowStart; y < core.rowEnd; y++) {
        const out = (ch * H + y) * W;
        for (let x = 0, i = y * W * C + ch; x < W; x++, i += C) {
          const ai = i32[a + i]!;
          const wi = i32[w + i]! * n;
          if (membrane !== null) membrane[out + x] = neuron.membrane(ai, wi);
          tauOut[out + x] = spiking ? neuron.tau(ai, wi) : 0;
        }
      }
    }
  }
}

/**
 * A link's levels (PyTorch layout: conv `[oc][ic][ky][kx]`, dense `[units][in]`) as int8 at byte
 * `off` of `i8`, in the order the SOP kernels read them: conv `[ic][ky][kx][oc]`, dense
 * `[in][units]`.
 */
function reorder(link: LayerLink, q: Float32Array, i8: Int8Array, off: number): void {
  const outC = link.outC;
  if (link.kind !== 'conv') {
    const nIn = link.inC;
    for (let o = 0; o < outC; o++) {
      for (let j = 0; j < nIn; j++) i8[off + j * outC + o] = q[o * nIn + j]!;
    }
    return;
  }
  const inC = link.inC;
  const kk = link.kernel * link.kernel;
  for (let oc = 0; oc < outC; oc++) {
    for (let ic = 0; ic < inC; ic++) {
      for (let t = 0; t < kk; t++)
        i8[off + (ic * kk + t) * outC + oc] = q[(oc * inC + ic) * kk + t]!;
    }
  }
}
