import type { Kernel } from '../../kernel/kernel.js';
import { AsyncFabric } from './async.js';
import { OneVcAsyncFabric } from './asyncOneVc.js';
import { ClockedFabric } from './clocked.js';
import type { FabricConfig, FlitTraceEvent } from './fabric.js';
import { NOC_EVENT_PRIORITY } from './ideal.js';
import {
  checkMeshSize,
  type DeliverFn,
  type NetworkOnChip,
  type NocPacket,
  type NocStats,
} from './network.js';
import type { NocParams } from './params.js';
import { deterministicRoutings, getRoutingFunction, type RoutingFn } from './routing.js';
import { W_FLITS, W_PENDING, W_SRC, WORM_INTS } from './worms.js';
import { type StageDelays, ZeroLoadCache } from './zeroLoad.js';

export interface DetailedNocOptions {
  /** Sees every flit crossing a switch (for the reference-model test); slows the network. */
  trace?: (ev: FlitTraceEvent) => void;
  /** A routing function to use instead of `params.routing` (tests). */
  routeFn?: RoutingFn;
  /** Kernel priority of the network's events. */
  priority?: number;
  /**
   * Async timing with one VC and a deterministic routing runs on {@link OneVcAsyncFabric}, a
   * fast path with the same results; true forces the general engine (tests compare the two).
   */
  generalAsync?: boolean;
  /**
   * false: deliveries skip the latency table, and `stats()` reports p50 and p99 as 0 (for a
   * driver that measures latency itself, as synthetic traffic does). Default true.
   */
  latencyQuantiles?: boolean;
}

/** Stage delays of the configured timing style, in its unit (cycles or ns). */
export function stageDelays(params: NocParams): StageDelays {
  if (params.timing === 'clocked') {
    const c = params.clocked;
    return {
      rcva: c.routeCycles + c.vcAllocCycles,
      sa: c.switchAllocCycles,
      xb: c.crossbarCycles,
      link: c.linkCycles,
      credit: c.creditCycles,
      inject: c.injectionCycles,
      eject: c.ejectionCycles,
      turnaround: c.vcTurnaround,
    };
  }
  const a = params.async;
  return {
    rcva: a.routeNs + a.vcAllocNs,
    sa: a.switchAllocNs,
    xb: a.crossbarNs,
    link: a.linkNs,
    credit: a.creditNs,
    inject: 0,
    eject: 0,
    turnaround: false,
  };
}

/**
 * The detailed network-on-chip: one 5-port router (N, E, S, W, local) per mesh node with input
 * FIFOs of `bufferDepthFlits` per virtual channel, route computation, VC allocation,
 * separable round-robin switch allocation, crossbar, links with latency and credit-based
 * back-pressure (a flit never enters a full buffer). Timing is `clocked` ({@link ClockedFabric})
 * or `async` ({@link AsyncFabric}). Multicast `xy-tree` sends one worm that forks where its
 * destinations' routes part; `unicast` sends one worm per destination.
 *
 * Latency of a delivery = tail arrival - injection (kernel units, ns); its zero-load part is
 * what the same packet would take alone ({@link ZeroLoadCache}), including, when clocked, the
 * wait for the next clock edge.
 */
export class DetailedNoc implements NetworkOnChip {
  readonly kind = 'detailed' as const;
  private kernel: Kernel | undefined;
  private onDeliver: DeliverFn = () => {};
  private readonly clocked: ClockedFabric | undefined;
  private readonly async: AsyncFabric | undefined;
  private readonly fabric: ClockedFabric | AsyncFabric;
  private readonly tree: boolean;
  private readonly zeroLoad: ZeroLoadCache;
  /** Kernel units per engine unit (clockNs when clocked, 1 when async). */
  private readonly unitNs: number;
  private readonly flitTime: number;
  /** Column and row of every node (the fabric's: hop counts without divisions). */
  private readonly nodeX: Int32Array;
  private readonly nodeY: Int32Array;
  /** Zero-load latency (kernel units) of the delivery being reported to the callback. */
  lastZeroLoadLatency = 0;

  constructor(
    readonly meshWidth: number,
    readonly meshHeight: number,
    readonly params: NocParams,
    options: DetailedNocOptions = {},
  ) {
    checkMeshSize(meshWidth, meshHeight);
    const routeFn = options.routeFn ?? getRoutingFunction(params.routing);
    this.tree = params.multicast === 'xy-tree';
    if (this.tree && options.routeFn === undefined && !deterministicRoutings.has(params.routing))
      throw new RangeError(
        `noc.multicast: xy-tree needs a deterministic routing (xy or yx), not ${params.routing}`,
      );
    const adaptive = options.routeFn === undefined && !deterministicRoutings.has(params.routing);
    const st = stageDelays(params);
    const V = params.virtualChannels;
    const D = params.bufferDepthFlits;
    const config: FabricConfig = {
      meshWidth,
      meshHeight,
      vcs: V,
      depthFlits: D,
      routeFn,
      adaptive,
      st,
      watchdogNs: params.watchdogNs,
      priority: options.priority ?? NOC_EVENT_PRIORITY,
    };
    const clocked = params.timing === 'clocked';
    if (clocked) {
      const f = new ClockedFabric(config, params.clocked.clockNs);
      this.clocked = f;
      this.fabric = f;
      this.unitNs = params.clocked.clockNs;
      this.flitTime = 1;
    } else {
      const Engine = V === 1 && !adaptive && !options.generalAsync ? OneVcAsyncFabric : AsyncFabric;
      const f = new Engine(config);
      this.async = f;
      this.fabric = f;
      this.unitNs = 1;
      this.flitTime = st.sa + st.xb > 0 ? st.sa + st.xb : 1;
    }
    this.fabric.onTail = (w, node) => this.deliver(w, node);
    this.fabric.stats.latencyQuantiles = options.latencyQuantiles ?? true;
    this.fabric.trace = options.trace;
    this.nodeX = this.fabric.nodeX;
    this.nodeY = this.fabric.nodeY;
    this.zeroLoad = new ZeroLoadCache(st, D, clocked);
  }

  attach(kernel: Kernel, onDeliver: DeliverFn): void {
    if (this.kernel !== undefined) throw new Error('DetailedNoc.attach called twice');
    this.kernel = kernel;
    this.onDeliver = onDeliver;
    this.fabric.attach(kernel);
    this.resetStats();
  }

  inject(packet: NocPacket): void {
    const kernel = this.kernel;
    if (kernel === undefined) throw new Error('DetailedNoc.inject before attach');
    const n = this.meshWidth * this.meshHeight;
    if (!(packet.srcNode >= 0 && packet.srcNode < n))
      throw new RangeError(`packet ${packet.id}: bad source ${packet.srcNode}`);
    for (const d of packet.dstNodes) {
      if (!(d >= 0 && d < n)) throw new RangeError(`packet ${packet.id}: bad destination ${d}`);
    }
    if (!(Number.isInteger(packet.flits) && packet.flits >= 1 && packet.flits < 65536))
      throw new RangeError(`packet ${packet.id}: bad length ${packet.flits} flits`);
    if (packet.dstNodes.length === 0) return;
    const now = kernel.now;
    const f = this.fabric;
    const entry = this.clocked !== undefined ? this.clocked.entryCycle(now) : now;
    if (this.tree && packet.dstNodes.length > 1) {
      f.enqueueWorm(packet, -1, packet.dstNodes.length, now, entry);
    } else {
      for (const d of packet.dstNodes) f.enqueueWorm(packet, d, 1, now, entry);
    }
    if (this.clocked !== undefined) this.clocked.wake(entry);
    else (this.async as AsyncFabric).wakeSource(packet.srcNode, now);
  }

  private deliver(w: number, node: number): void {
    const kernel = this.kernel as Kernel;
    const worms = this.fabric.worms;
    const packet = worms.packet[w] as NocPacket;
    const ints = worms.ints;
    const i = w * WORM_INTS;
    const injectTime = worms.injectTime(w);
    const latency = kernel.now - injectTime;
    // XY hop count (every routing is minimal).
    const src = ints[i + W_SRC];
    const hops =
      Math.abs(this.nodeX[src] - this.nodeX[node]) + Math.abs(this.nodeY[src] - this.nodeY[node]);
    const zeroLoad =
      this.zeroLoad.get(hops, ints[i + W_FLITS]) * this.unitNs +
      (worms.entryTime(w) * this.unitNs - injectTime);
    this.lastZeroLoadLatency = Math.min(zeroLoad, latency);
    this.fabric.stats.recordDelivery(latency, this.lastZeroLoadLatency);
    if (--ints[i + W_PENDING] === 0) worms.release(w);
    this.onDeliver(packet, node, kernel.now);
  }

  /** The asynchronous engine (for tests that look inside it), or undefined when clocked. */
  get asyncFabric(): AsyncFabric | undefined {
    return this.async;
  }

  /** Flits injected and not yet delivered. */
  get flitsInFlight(): number {
    return this.fabric.flitsInside;
  }

  /** Flit-hops since the last `resetStats` (the `flitHops` of {@link stats}, without a snapshot). */
  get flitHops(): number {
    return this.fabric.stats.stats.flitHops;
  }

  stats(): NocStats {
    const f = this.fabric;
    const now = this.kernel?.now ?? 0;
    const engineNow = now / this.unitNs;
    if (engineNow > f.areaTime) {
      f.stats.bufferAreaFlitTime += f.buf.total * (engineNow - f.areaTime);
      f.areaTime = engineNow;
    }
    f.stats.bufferMaxFlits = Math.max(f.stats.bufferMaxFlits, f.buf.maxCount);
    const s = f.stats.snapshot(
      now,
      this.flitTime * this.unitNs,
      f.buf.queues,
      (link) => f.nbr[(link >> 2) * 5 + (link & 3)] >= 0,
    );
    const elapsed = s.elapsed ?? 0;
    s.bufferMeanFlits =
      elapsed > 0 ? (f.stats.bufferAreaFlitTime * this.unitNs) / (elapsed * f.buf.queues) : 0;
    return s;
  }

  resetStats(): void {
    const f = this.fabric;
    const now = this.kernel?.now ?? 0;
    f.stats.reset(now);
    f.areaTime = now / this.unitNs;
    f.buf.maxCount = 0;
  }
}
