import type { Kernel } from '../../kernel/kernel.js';
import { InputBuffers } from './inputUnit.js';
import { meshCoordinates, type NocPacket } from './network.js';
import { ADAPTIVE_PORT_ORDER, neighbour, type RoutingFn, treeOutputs } from './routing.js';
import { RoutingUnit } from './routingUnit.js';
import { NocStatsCollector } from './statsCollector.js';
import { blockedBuffersReport } from './watchdog.js';
import { WormTable } from './worms.js';
import type { StageDelays } from './zeroLoad.js';

/** Ports per router and the local port (local copies: imported bindings are slower under tsx). */
const PORTS = 5;
const PORT_LOCAL = 4;

/** One flit crossing a router's switch: what the trace hook sees. */
export interface FlitTraceEvent {
  packetId: number;
  /** Position of the flit in its packet (0 = head). */
  seq: number;
  router: number;
  /** Output port: 0..3 = N, E, S, W (a link), 4 = local (ejection). */
  outPort: number;
  /** Time the flit won switch allocation (cycles when clocked, ns when async). */
  time: number;
}

/** Called when a tail reaches its destination's sink (engine time: cycles or ns). */
export type TailFn = (worm: number, node: number, time: number) => void;

/** What a fabric is built from: the mesh, the router, the stage delays and the kernel's order. */
export interface FabricConfig {
  meshWidth: number;
  meshHeight: number;
  /** Virtual channels per port. */
  vcs: number;
  depthFlits: number;
  routeFn: RoutingFn;
  /** Whether `routeFn` may permit several ports (the choice is then made by free slots). */
  adaptive: boolean;
  /** Stage delays in the engine's unit (cycles or ns). */
  st: StageDelays;
  /** Time without a flit moving after which the watchdog throws (ns). */
  watchdogNs: number;
  /** Kernel priority of the network's events. */
  priority: number;
}

/** Ejection has unlimited sink capacity: its credit counters never run out. */
const EJECT_CREDITS = 1 << 30;

/**
 * The state of every router of the mesh, structure-of-arrays (the router units of Garnet:
 * input units, routing unit, VC and switch allocator state, output units with their credit
 * counters), and the operations both timing styles share: route computation, the request test,
 * output-VC allocation and the departure of a flit. The timing engines ({@link ClockedFabric},
 * {@link AsyncFabric}) decide *when* these happen and schedule the arrivals they cause.
 *
 * Indices: input VC `q = (node * 5 + inPort) * V + vc`; output VC `ov = (node * 5 + outPort) *
 * V + vc`, whose credits count the free slots of the downstream input VC it feeds; injection VC
 * `iv = node * V + vc` (the credits of the local input port, seen by the source queue).
 */
export abstract class Fabric {
  readonly nodes: number;
  readonly vcs: number;
  /** Input VCs per router (5 x vcs). */
  readonly queuesPerRouter: number;
  readonly buf: InputBuffers;
  readonly worms = new WormTable();
  readonly stats: NocStatsCollector;
  /** Output mask of the packet at the front of each input VC (-1: not computed yet). */
  readonly route: Int32Array;
  /** Outputs the front flit still has to be sent to (-1: front not set up yet). */
  readonly remaining: Int32Array;
  /** Output VC held by the packet at each input VC, per output port: `q * 5 + port`. */
  readonly outVc: Int32Array;
  /** Time the last flit left each input VC (for the eligibility of the next). */
  readonly lastPop: Float64Array;
  readonly credits: Int32Array;
  /** Input VC that holds each output VC (from its head's allocation to its tail's), or -1. */
  readonly owner: Int32Array;
  /** Round-robin pointers: output-VC choice, switch output arbiters, switch input arbiters. */
  readonly vaPtr: Int32Array;
  readonly outPtr: Int32Array;
  readonly inPtr: Int32Array;
  readonly injCredits: Int32Array;
  readonly injOwner: Int32Array;
  readonly injPtr: Int32Array;
  /** Neighbour through each port, -1 at the edge: `node * 5 + port`. */
  readonly nbr: Int32Array;
  /** Column and row of every node. */
  readonly nodeX: Int32Array;
  readonly nodeY: Int32Array;
  /** Route computation of deterministic routing functions (tabulated or from coordinates). */
  readonly routing: RoutingUnit;
  /**
   * Source queues (unbounded): worms waiting (`srcQueue[r][srcHead[r] .. srcLen[r] - 1]`), the
   * next flit of the front one and its VC. A drained queue is rewound, not truncated, so steady
   * traffic reuses its array instead of growing it again.
   */
  readonly srcQueue: number[][];
  readonly srcHead: Int32Array;
  readonly srcLen: Int32Array;
  readonly srcSeq: Int32Array;
  readonly srcVc: Int32Array;
  /** Flits injected and not yet ejected (source queues, buffers and links). */
  flitsInside = 0;
  /** Engine time of the last flit movement (watchdog). */
  lastMove = 0;
  trace: ((ev: FlitTraceEvent) => void) | undefined;

  readonly meshWidth: number;
  readonly meshHeight: number;
  readonly depthFlits: number;
  readonly routeFn: RoutingFn;
  readonly adaptive: boolean;
  readonly st: StageDelays;
  readonly watchdogNs: number;
  readonly priority: number;
  protected kernel: Kernel | undefined;
  /** Called once per tail flit reaching its sink (the network reports the delivery). */
  onTail: TailFn = () => {};

  constructor(
    config: FabricConfig,
    /** 1 when clocked (a flit leaves its FIFO at most once a cycle), 0 when async. */
    readonly gap: number,
  ) {
    const { meshWidth, meshHeight, vcs, depthFlits } = config;
    this.meshWidth = meshWidth;
    this.meshHeight = meshHeight;
    this.depthFlits = depthFlits;
    this.routeFn = config.routeFn;
    this.adaptive = config.adaptive;
    this.st = config.st;
    this.watchdogNs = config.watchdogNs;
    this.priority = config.priority;
    const n = meshWidth * meshHeight;
    this.nodes = n;
    this.vcs = vcs;
    this.queuesPerRouter = PORTS * vcs;
    const Q = n * PORTS * vcs;
    this.buf = new InputBuffers(Q, depthFlits);
    this.stats = new NocStatsCollector(n);
    this.route = new Int32Array(Q).fill(-1);
    this.remaining = new Int32Array(Q).fill(-1);
    this.outVc = new Int32Array(Q * PORTS).fill(-1);
    this.lastPop = new Float64Array(Q).fill(Number.NEGATIVE_INFINITY);
    this.credits = new Int32Array(Q);
    this.owner = new Int32Array(Q).fill(-1);
    this.vaPtr = new Int32Array(n * PORTS);
    this.outPtr = new Int32Array(n * PORTS);
    this.inPtr = new Int32Array(n * PORTS);
    this.injCredits = new Int32Array(n * vcs).fill(depthFlits);
    this.injOwner = new Int32Array(n * vcs).fill(-1);
    this.injPtr = new Int32Array(n);
    ({ nodeX: this.nodeX, nodeY: this.nodeY } = meshCoordinates(n, meshWidth));
    this.routing = new RoutingUnit(this.routeFn, meshWidth, n, this.nodeX, this.nodeY);
    this.nbr = new Int32Array(n * PORTS);
    for (let r = 0; r < n; r++) {
      for (let p = 0; p < PORTS; p++) {
        const m = neighbour(r, p, meshWidth, meshHeight);
        this.nbr[r * PORTS + p] = m;
        for (let v = 0; v < vcs; v++) {
          const ov = (r * PORTS + p) * vcs + v;
          this.credits[ov] = p === PORT_LOCAL ? EJECT_CREDITS : m >= 0 ? depthFlits : 0;
        }
      }
    }
    this.srcQueue = Array.from({ length: n }, () => []);
    this.srcHead = new Int32Array(n);
    this.srcLen = new Int32Array(n);
    this.srcSeq = new Int32Array(n);
    this.srcVc = new Int32Array(n).fill(-1);
  }

  attach(kernel: Kernel): void {
    this.kernel = kernel;
  }

  /** Queues a worm at its source; its flits enter the local input port as credits allow. */
  enqueueWorm(packet: NocPacket, dst: number, pending: number, now: number, engineNow: number) {
    if (this.flitsInside === 0) this.lastMove = engineNow;
    const w = this.worms.alloc(packet, dst, pending, now, engineNow);
    const src = packet.srcNode;
    const queue = this.srcQueue[src];
    const len = this.srcLen[src];
    if (len === queue.length) queue.push(w);
    else queue[len] = w;
    this.srcLen[src] = len + 1;
    this.flitsInside += packet.flits;
    this.stats.stats.packetsInjected++;
    this.stats.flitsInjected += packet.flits;
    return w;
  }

  /**
   * Moves the next flit of node r's source queue into its local input port if a VC has room
   * (the head takes a free injection VC, round-robin). Returns the input VC written, or -1.
   */
  injectOne(r: number, now: number): number {
    const queue = this.srcQueue[r];
    const h = this.srcHead[r];
    if (h >= this.srcLen[r]) return -1;
    const w = queue[h];
    const seq = this.srcSeq[r];
    const V = this.vcs;
    let v = this.srcVc[r];
    if (seq === 0) {
      v = -1;
      const ptr = this.injPtr[r];
      for (let i = 0; i < V; i++) {
        const c = ptr + i < V ? ptr + i : ptr + i - V;
        if (this.injOwner[r * V + c] < 0 && this.injCredits[r * V + c] > 0) {
          v = c;
          break;
        }
      }
      if (v < 0) return -1;
      this.injPtr[r] = v + 1 === V ? 0 : v + 1;
      this.injOwner[r * V + v] = w;
      this.srcVc[r] = v;
    } else if (this.injCredits[r * V + v] === 0) return -1;
    this.injCredits[r * V + v]--;
    const q = (r * PORTS + PORT_LOCAL) * V + v;
    // Through the injection channel (clocked, `inject` cycles): the flit lands later.
    if (this.st.inject > 0) this.scheduleArrive(now + this.st.inject, q, w, seq);
    else this.bufferPush(q, w, seq, now);
    this.lastMove = now;
    if (seq === this.worms.flits(w) - 1) {
      this.injOwner[r * V + v] = -1;
      this.srcSeq[r] = 0;
      this.srcVc[r] = -1;
      if (h + 1 === this.srcLen[r]) {
        this.srcLen[r] = 0;
        this.srcHead[r] = 0;
      } else this.srcHead[r] = h + 1;
    } else this.srcSeq[r] = seq + 1;
    return q;
  }

  /** Appends a flit arriving at `arriveTime` (async: possibly later than now, see async.ts). */
  protected bufferPush(q: number, w: number, seq: number, arriveTime: number): void {
    if (this.integrateOnChange) this.integrateOccupancy();
    this.buf.push(q, w, seq, arriveTime);
  }

  /** Whether pushes and pops integrate the occupancy (async); clocked does it once a cycle. */
  protected integrateOnChange = true;

  /** Adds the buffered flits x elapsed time since the last change to the occupancy integral. */
  protected integrateOccupancy(): void {
    const now = this.currentTime();
    // Skipped when no time has passed (it would add exactly 0).
    if (now === this.areaTime) return;
    this.stats.bufferAreaFlitTime += this.buf.total * (now - this.areaTime);
    this.areaTime = now;
  }

  /** The engine's current time (cycle or ns). */
  protected abstract currentTime(): number;
  /** Engine time up to which the buffer occupancy has been integrated. */
  areaTime = 0;

  /**
   * Eligibility of the front flit of q for switch allocation: max(arrival + (head ? rc + va :
   * 0), previous departure + gap). Route computation and VC allocation latencies run from the
   * head's arrival, overlapped with the departure of the flits ahead of it; with the per-VC
   * turnaround (`st.turnaround`, BookSim's iq router) a head's start only once the flit ahead
   * has left: max(arrival, previous departure + gap) + rc + va.
   */
  eligibleTime(q: number): number {
    const slot = this.buf.front(q);
    return this.readyTime(
      this.buf.arrive(slot),
      this.buf.seq(slot) === 0,
      this.lastPop[q] + this.gap,
    );
  }

  /** {@link eligibleTime} from the front flit's arrival, whether it is a head, and `lastPop + gap`. */
  readyTime(arrive: number, head: boolean, afterPop: number): number {
    if (!head) return Math.max(arrive, afterPop);
    if (this.st.turnaround) return Math.max(arrive, afterPop) + this.st.rcva;
    return Math.max(arrive + this.st.rcva, afterPop);
  }

  /** Sets up the front flit of q at router r: route computation for a head, outputs to serve. */
  setupFront(q: number, r: number): void {
    if (this.remaining[q] >= 0) return;
    const slot = this.buf.front(q);
    if (this.buf.seq(slot) === 0) this.route[q] = this.computeRoute(r, this.buf.worm(slot));
    this.remaining[q] = this.route[q];
  }

  /**
   * Route computation (Garnet's `RoutingUnit`): the routing function's permitted ports (a
   * deterministic one through {@link RoutingUnit}), or the tree's outputs; an adaptive
   * function's choice goes to the permitted port whose downstream input port has the most free
   * slots (ties: the first in {@link ADAPTIVE_PORT_ORDER}, E before N and S).
   */
  computeRoute(r: number, w: number): number {
    const W = this.meshWidth;
    const dst = this.worms.dst(w);
    if (dst < 0) {
      const p = this.worms.packet[w] as NocPacket;
      return treeOutputs(this.routeFn, this.worms.src(w), p.dstNodes, r, W, this.meshHeight);
    }
    if (!this.adaptive) return this.routing.route(r, dst);
    const mask = this.routeFn(r, dst, W);
    if ((mask & (mask - 1)) === 0) return mask;
    let best = -1;
    let bestFree = -1;
    for (let i = 0; i < ADAPTIVE_PORT_ORDER.length; i++) {
      const o = ADAPTIVE_PORT_ORDER[i];
      if (!((mask >> o) & 1)) continue;
      let free = 0;
      const base = (r * PORTS + o) * this.vcs;
      for (let v = 0; v < this.vcs; v++) free += this.credits[base + v];
      if (free > bestFree) {
        bestFree = free;
        best = o;
      }
    }
    return 1 << best;
  }

  /**
   * Whether the front flit of q may use output o now: the output VC its packet holds has a
   * credit, or (head) some output VC is free and has a credit.
   */
  canUse(q: number, r: number, o: number): boolean {
    const held = this.outVc[q * PORTS + o];
    if (held >= 0) return this.credits[held] > 0;
    const base = (r * PORTS + o) * this.vcs;
    for (let v = 0; v < this.vcs; v++) {
      if (this.owner[base + v] < 0 && this.credits[base + v] > 0) return true;
    }
    return false;
  }

  /** Takes the output VC (allocating a free one round-robin for a head) and one credit. */
  reserve(q: number, r: number, o: number): number {
    let ov = this.outVc[q * PORTS + o];
    const V = this.vcs;
    if (ov < 0) {
      const base = (r * PORTS + o) * V;
      const ptr = this.vaPtr[r * PORTS + o];
      for (let i = 0; i < V; i++) {
        const c = ptr + i < V ? ptr + i : ptr + i - V;
        if (this.owner[base + c] < 0 && this.credits[base + c] > 0) {
          ov = base + c;
          this.vaPtr[r * PORTS + o] = c + 1 === V ? 0 : c + 1;
          break;
        }
      }
      if (ov < 0) throw new Error('reserve without a free output VC');
      this.owner[ov] = q;
      this.outVc[q * PORTS + o] = ov;
    }
    if (o !== PORT_LOCAL) this.credits[ov]--;
    const slot = this.buf.front(q);
    if (this.buf.seq(slot) === this.worms.flits(this.buf.worm(slot)) - 1) this.owner[ov] = -1;
    return ov;
  }

  /**
   * The front flit of q (router r, input port p) crosses the switch to output o, having won
   * allocation at `tWin`; it leaves the FIFO (for this output) at `tLeave` and reaches the next
   * input buffer at `tArrive` (or the sink). The FIFO pops once every output is served.
   */
  depart(
    q: number,
    r: number,
    p: number,
    o: number,
    tWin: number,
    tLeave: number,
    tArrive: number,
  ) {
    const buf = this.buf;
    const slot = buf.front(q);
    const w = buf.worm(slot);
    const seq = buf.seq(slot);
    const ov = this.outVc[q * PORTS + o];
    // Read before the flit moves on: a same-cycle delivery may recycle the worm's index.
    const tail = seq === this.worms.flits(w) - 1;
    const s = this.stats.stats;
    s.directionFlits[o]++;
    this.flitsInside++;
    this.lastMove = tWin;
    if (this.trace !== undefined) {
      const packetId = (this.worms.packet[w] as NocPacket).id;
      this.trace({ packetId, seq, router: r, outPort: o, time: tWin });
    }
    if (o !== PORT_LOCAL) {
      s.flitHops++;
      if (seq === 0) s.hops++;
      this.stats.linkFlits[r * 4 + o]++;
      const m = this.nbr[r * PORTS + o];
      this.scheduleArrive(
        tArrive,
        (m * PORTS + ((o + 2) & 3)) * this.vcs + (ov % this.vcs), // the opposite port
        w,
        seq,
      );
    } else this.scheduleEject(tArrive, r, w, seq);
    const rem = this.remaining[q] & ~(1 << o);
    this.remaining[q] = rem;
    if (rem !== 0) return;
    // Every output served: the flit leaves the FIFO; its slot's credit goes upstream.
    if (this.integrateOnChange) this.integrateOccupancy();
    buf.pop(q);
    this.flitsInside--;
    s.routerFlits[r]++;
    this.lastPop[q] = tWin;
    this.remaining[q] = -1;
    if (tail) {
      // Only the outputs of its route can hold an output VC.
      for (let m = this.route[q]; m !== 0; m &= m - 1) {
        this.outVc[q * PORTS + 31 - Math.clz32(m & -m)] = -1;
      }
      this.route[q] = -1;
    }
    const v = q % this.vcs;
    const tCredit = Math.max(tWin + this.gap, tLeave + this.st.credit);
    if (p === PORT_LOCAL) this.scheduleCredit(tCredit, r * this.vcs + v, 1);
    else {
      const up = this.nbr[r * PORTS + p];
      this.scheduleCredit(tCredit, (up * PORTS + ((p + 2) & 3)) * this.vcs + v, 0);
    }
    this.afterPop(q);
  }

  /** A flit reaches input VC q. */
  protected arrive(q: number, w: number, seq: number, now: number): void {
    this.bufferPush(q, w, seq, now);
  }

  /** A credit arrives: `kind` 0 for an output VC, 1 for an injection VC. */
  protected creditIn(index: number, kind: number): void {
    if (kind === 0) this.credits[index]++;
    else this.injCredits[index]++;
  }

  /** A flit reaches a sink. Returns whether it was the tail (a delivery is due). */
  protected ejectFlit(w: number, seq: number): boolean {
    this.flitsInside--;
    return seq === this.worms.flits(w) - 1;
  }

  protected abstract scheduleArrive(t: number, q: number, w: number, seq: number): void;
  protected abstract scheduleEject(t: number, node: number, w: number, seq: number): void;
  protected abstract scheduleCredit(t: number, index: number, kind: number): void;
  protected abstract afterPop(q: number): void;

  /** A readable list of the non-empty buffers (for the deadlock watchdog). */
  blockedReport(now: number, limit = 20): string {
    return blockedBuffersReport(this, now, limit);
  }
}

export { NocDeadlockError } from './watchdog.js';
