/**
 * The trainer's WebAssembly SIMD kernels (source: kernels.as.ts, AssemblyScript, compiled to
 * `dist/wasm/kernels.wasm` by `npm run build:wasm`, which `npm ci` runs) and the arena they work
 * in: one `WebAssembly.Memory` per thread, carved once into float32 buffers that the TypeScript
 * side reads and writes through typed-array views. The memory never grows after setup, so the
 * views stay valid.
 *
 * Matrices are row-major float32; the GEMM's right operand is packed into panels of 8 columns
 * ({@link Kernels.packB}); rows of C are padded to a multiple of 8 columns ({@link pad8}).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { PROJECT_ROOT } from '../../util/version.js';

export const WASM_PATH = join(PROJECT_ROOT, 'dist', 'wasm', 'kernels.wasm');
/** The same kernels with relaxed SIMD's fused multiply-add in the GEMM. */
export const WASM_RELAXED_PATH = join(PROJECT_ROOT, 'dist', 'wasm', 'kernels-relaxed.wasm');

export interface Exports {
  gemm(
    M: number,
    N: number,
    K: number,
    a: number,
    sai: number,
    sap: number,
    bp: number,
    c: number,
    ldc: number,
    beta: number,
    bias: number,
  ): void;
  gemmT(
    M: number,
    N: number,
    K: number,
    a: number,
    lda: number,
    bp: number,
    c: number,
    ldc: number,
    beta: number,
  ): void;
  packB(src: number, sp: number, sj: number, K: number, N: number, dst: number): void;
  im2col(
    x: number,
    n: number,
    H: number,
    W: number,
    C: number,
    k: number,
    s: number,
    pad: number,
    OH: number,
    OW: number,
    cols: number,
    ldk: number,
    mask: number,
  ): void;
  col2im(
    cols: number,
    ldk: number,
    n: number,
    H: number,
    W: number,
    C: number,
    k: number,
    s: number,
    pad: number,
    OH: number,
    OW: number,
    dx: number,
  ): void;
  colSums(x: number, rows: number, ld: number, C: number, out: number): void;
  colCentredSquares(
    x: number,
    rows: number,
    ld: number,
    C: number,
    mean: number,
    out: number,
  ): void;
  colDots(g: number, x: number, rows: number, ld: number, C: number, out: number): void;
  affine(
    a: number,
    b: number,
    y: number,
    rows: number,
    ld: number,
    C: number,
    k1: number,
    k2: number,
    k3: number,
  ): void;
  dftForward(y: number, rows: number, ld: number, C: number, out: number): number;
  dftBackward(
    g: number,
    y: number,
    out: number,
    gy: number,
    rows: number,
    ld: number,
    C: number,
    floor: number,
  ): void;
  clampForward(y: number, rows: number, ld: number, C: number, top: number, out: number): number;
  clampBackward(
    g: number,
    y: number,
    gy: number,
    rows: number,
    ld: number,
    C: number,
    top: number,
  ): void;
}

let compiled: { module: WebAssembly.Module; fused: boolean } | null = null;

/**
 * The compiled kernels: the relaxed-SIMD build where this Node can run it (Node 22 has relaxed
 * SIMD on; Node 20 has it behind a V8 flag, which is set here), else the plain SIMD build. With
 * relaxed SIMD the GEMM's multiply-adds are fused where the CPU has FMA: results are the same for
 * any number of threads and across `--resume` on one machine, and may differ in the last bits
 * between a machine with FMA and one without. `TTFSIM_WASM_FMA=0` forces the plain build.
 */
function wasmModule(): { module: WebAssembly.Module; fused: boolean } {
  if (compiled !== null) return compiled;
  if (!existsSync(WASM_PATH)) {
    throw new Error(
      `${WASM_PATH} is missing: build the trainer's kernels with \`npm run build\` (npm ci does it)`,
    );
  }
  if (process.env.TTFSIM_WASM_FMA !== '0' && existsSync(WASM_RELAXED_PATH)) {
    const bytes = readFileSync(WASM_RELAXED_PATH);
    try {
      compiled = { module: new WebAssembly.Module(bytes), fused: true };
      return compiled;
    } catch {
      try {
        setFlagsFromString('--experimental-wasm-relaxed-simd');
        compiled = { module: new WebAssembly.Module(bytes), fused: true };
        return compiled;
      } catch {
        // fall through to the plain build
      }
    }
  }
  compiled = { module: new WebAssembly.Module(readFileSync(WASM_PATH)), fused: false };
  return compiled;
}

/** Whether the trainer's GEMM runs with fused multiply-adds (relaxed SIMD). */
export function kernelsFused(): boolean {
  return wasmModule().fused;
}

/** Rounds up to a multiple of 8 (the GEMM's panel width). */
export function pad8(n: number): number {
  return (n + 7) & ~7;
}

/** Rounds up to a multiple of 4 (the GEMM's row block). */
export function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** A buffer in the arena: its byte offset and float32 / float64 views. */
export interface Buf {
  readonly ptr: number;
  readonly f32: Float32Array;
}

/** A float64 buffer in the arena (per-channel sums). */
export interface Buf64 {
  readonly ptr: number;
  readonly f64: Float64Array;
}

/**
 * Bump allocator over one `WebAssembly.Memory`: {@link reserve} sizes, then {@link commit} grows
 * the memory once and hands out the views. Buffers are 64-byte aligned.
 */
export class Arena {
  private top = 1 << 16; // the module's own data lives below
  private readonly pending: { floats: number; resolve: (b: Buf) => void }[] = [];
  private memory: WebAssembly.Memory | null = null;

  /** Registers a buffer of `n` float64 (see {@link reserve}). */
  reserve64(n: number, resolve: (b: Buf64) => void): void {
    this.reserve(2 * n, (b) =>
      resolve({ ptr: b.ptr, f64: new Float64Array(b.f32.buffer, b.ptr, n) }),
    );
  }

  /** Registers a buffer of `floats` float32; the callback receives it at {@link commit}. */
  reserve(floats: number, resolve: (b: Buf) => void): void {
    if (this.memory !== null) throw new Error('arena already committed');
    this.pending.push({ floats: Math.max(0, Math.ceil(floats)), resolve });
  }

  /** Bytes the committed memory will have. */
  bytes(): number {
    let top = this.top;
    for (const p of this.pending) top += Math.ceil((p.floats * 4) / 64) * 64;
    return top;
  }

  /** Allocates everything reserved and instantiates the kernels over it. */
  commit(): Kernels {
    const pages = Math.ceil(this.bytes() / 65536) + 1;
    if (pages > 65536) {
      throw new Error(
        `the trainer's buffers need ${(this.bytes() / 2 ** 30).toFixed(1)} GiB, more than WebAssembly's 4 GiB: use a smaller --batch or more --shards`,
      );
    }
    this.memory = new WebAssembly.Memory({ initial: pages });
    const buffer = this.memory.buffer;
    for (const p of this.pending) {
      const ptr = this.top;
      this.top += Math.ceil((p.floats * 4) / 64) * 64;
      p.resolve({ ptr, f32: new Float32Array(buffer, ptr, p.floats) });
    }
    this.pending.length = 0;
    const instance = new WebAssembly.Instance(wasmModule().module, {
      env: { memory: this.memory },
    });
    return new Kernels(instance.exports as unknown as Exports, buffer);
  }
}

/** The kernels of one arena (see kernels.as.ts for each contract). */
export class Kernels {
  constructor(
    readonly k: Exports,
    readonly buffer: ArrayBuffer,
  ) {}

  /**
   * C = beta C + A B (+ the row `bias`, `pad8(N)` floats, when beta is 0 and bias is not 0).
   * Pointers are byte offsets, strides and sizes are in floats: A(i, p) at
   * byte `a + 4 (i sai + p sap)`; B packed by {@link packB}; `ldc >= pad8(N)`.
   */
  gemm(
    M: number,
    N: number,
    K: number,
    a: number,
    sai: number,
    sap: number,
    bp: number,
    c: number,
    ldc: number,
    beta: 0 | 1,
    bias = 0,
  ): void {
    this.k.gemm(M, N, K, a, sai, sap, bp, c, ldc, beta, bias);
  }

  /** C = beta C + A^T B for A stored `[K][lda]`, `lda >= pad4(M)`; C has `pad4(M)` rows. */
  gemmT(
    M: number,
    N: number,
    K: number,
    a: number,
    lda: number,
    bp: number,
    c: number,
    ldc: number,
    beta: 0 | 1,
  ): void {
    this.k.gemmT(M, N, K, a, lda, bp, c, ldc, beta);
  }

  /** Packs B (`K x N`, element (p, j) at byte `src + 4 (p sp + j sj)`) into `pad8(N) K` floats. */
  packB(src: number, sp: number, sj: number, K: number, N: number, dst: number): void {
    this.k.packB(src, sp, sj, K, N, dst);
  }
}
