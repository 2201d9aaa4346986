import type { FlitTraceEvent } from './fabric.js';
import type { NocParams } from './params.js';
import { getRoutingFunction, neighbour, type RoutingFn } from './routing.js';

/** A packet for the reference model: offered at its source at cycle `cycle`. */
export interface RefPacket {
  id: number;
  src: number;
  dsts: number[];
  flits: number;
  cycle: number;
}

export interface RefResult {
  /** Every switch traversal, in the order the reference made them. */
  trace: FlitTraceEvent[];
  /** One per (packet, destination): the cycle its tail reached the sink. */
  deliveries: { packetId: number; node: number; cycle: number }[];
  /** Flits per directed link, `node * 4 + port`. */
  linkFlits: number[];
  /** Largest occupancy seen in any input FIFO. */
  maxOccupancy: number;
}

interface Flit {
  worm: number;
  seq: number;
  arrive: number;
}

interface Worm {
  packet: RefPacket;
  /** Destination, or -1 for a multicast tree. */
  dst: number;
}

/**
 * A naive cycle-by-cycle model of the clocked detailed network, written separately and simply
 * (nested plain arrays, objects per flit, no event queue, no skipped cycles) as the oracle of the
 * flit-for-flit test. It implements the clocked semantics documented in `clocked.ts`, cycle by
 * cycle: arrivals, injection (one flit per source per cycle, through an injection channel of
 * `injectionCycles`), then per router separable input-first round-robin switch allocation;
 * ejection channels of `ejectionCycles`, and the per-VC turnaround when `vcTurnaround` is set.
 * Slow on purpose; meant for meshes up to ~4x4.
 */
export function runReference(
  meshWidth: number,
  meshHeight: number,
  params: NocParams,
  packets: RefPacket[],
  maxCycles = 100_000,
): RefResult {
  const W = meshWidth;
  const H = meshHeight;
  const N = W * H;
  const V = params.virtualChannels;
  const D = params.bufferDepthFlits;
  const k = params.clocked;
  const rcva = k.routeCycles + k.vcAllocCycles;
  const sa = k.switchAllocCycles;
  const xb = k.crossbarCycles;
  const inj = k.injectionCycles;
  const ej = k.ejectionCycles;
  const route: RoutingFn = getRoutingFunction(params.routing);
  const adaptive = params.routing === 'west-first';
  const tree = params.multicast === 'xy-tree';
  const grid = <T>(f: () => T) =>
    Array.from({ length: N }, () => Array.from({ length: 5 }, () => Array.from({ length: V }, f)));
  const fifo = grid<Flit[]>(() => []);
  const routeOf = grid(() => -1);
  const remaining = grid(() => -1);
  const heldVc = grid(() => [-1, -1, -1, -1, -1]);
  const lastPop = grid(() => Number.NEGATIVE_INFINITY);
  const credits = grid(() => D);
  const owner = grid(() => -1); // owner[r][o][v]: the input "p*V+v" holding it
  const vaPtr = Array.from({ length: N }, () => [0, 0, 0, 0, 0]);
  const outPtr = Array.from({ length: N }, () => [0, 0, 0, 0, 0]);
  const inPtr = Array.from({ length: N }, () => [0, 0, 0, 0, 0]);
  const injCredits = Array.from({ length: N }, () => new Array<number>(V).fill(D));
  const injOwner = Array.from({ length: N }, () => new Array<boolean>(V).fill(false));
  const injPtr = new Array<number>(N).fill(0);
  const worms: Worm[] = [];
  const sources: { worm: number; nextSeq: number; vc: number }[][] = Array.from(
    { length: N },
    () => [],
  );
  const pending: { t: number; apply: () => void }[] = [];
  const result: RefResult = {
    trace: [],
    deliveries: [],
    linkFlits: new Array(N * 4).fill(0),
    maxOccupancy: 0,
  };
  const sorted = [...packets].sort((a, b) => a.cycle - b.cycle || a.id - b.id);
  let next = 0;
  let expected = 0;
  for (const p of packets) expected += p.dsts.length;

  const treeMask = (r: number, w: Worm) => {
    let mask = 0;
    for (const d of w.packet.dsts) {
      for (let here = w.packet.src; ; ) {
        const port = Math.log2(route(here, d, W));
        if (here === r) mask |= 1 << port;
        if (here === d) break;
        here = neighbour(here, port, W, H);
      }
    }
    return mask;
  };
  const freeVc = (r: number, o: number) => {
    for (let i = 0; i < V; i++) {
      const v = (vaPtr[r][o] + i) % V;
      if (owner[r][o][v] < 0 && (o === 4 || credits[r][o][v] > 0)) return v;
    }
    return -1;
  };

  for (let c = 0; c < maxCycles && result.deliveries.length < expected; c++) {
    // 1. Arrivals and credits due now.
    for (let i = 0; i < pending.length; ) {
      if (pending[i].t === c) {
        pending[i].apply();
        pending.splice(i, 1);
      } else i++;
    }
    // 2. Offered packets join their source queues; each source moves one flit in.
    while (next < sorted.length && sorted[next].cycle <= c) {
      const p = sorted[next++];
      const split = tree && p.dsts.length > 1 ? [-1] : p.dsts;
      for (const d of split) {
        worms.push({ packet: p, dst: d });
        sources[p.src].push({ worm: worms.length - 1, nextSeq: 0, vc: -1 });
      }
    }
    for (let r = 0; r < N; r++) {
      const s = sources[r][0];
      if (s === undefined) continue;
      if (s.nextSeq === 0) {
        s.vc = -1;
        for (let i = 0; i < V; i++) {
          const v = (injPtr[r] + i) % V;
          if (!injOwner[r][v] && injCredits[r][v] > 0) {
            s.vc = v;
            break;
          }
        }
        if (s.vc < 0) continue;
        injPtr[r] = (s.vc + 1) % V;
        injOwner[r][s.vc] = true;
      } else if (injCredits[r][s.vc] === 0) continue;
      injCredits[r][s.vc]--;
      // The injection channel: the flit lands `inj` cycles later (0: now).
      const fl = { worm: s.worm, seq: s.nextSeq, arrive: c + inj };
      const into = fifo[r][4][s.vc];
      const land = () => {
        into.push(fl);
        result.maxOccupancy = Math.max(result.maxOccupancy, into.length);
      };
      if (inj === 0) land();
      else pending.push({ t: c + inj, apply: land });
      s.nextSeq++;
      if (s.nextSeq === worms[s.worm].packet.flits) {
        injOwner[r][s.vc] = false;
        sources[r].shift();
      }
    }
    // 3. Switch allocation, router by router.
    for (let r = 0; r < N; r++) {
      const want: number[] = [0, 0, 0, 0, 0];
      const wantVc: number[] = [-1, -1, -1, -1, -1];
      for (let p = 0; p < 5; p++) {
        const req: number[] = new Array(V).fill(0);
        for (let v = 0; v < V; v++) {
          const f = fifo[r][p][v][0];
          if (f === undefined) continue;
          // With the per-VC turnaround a head starts routing only once the flit ahead has left.
          const ready =
            f.seq === 0 && k.vcTurnaround
              ? Math.max(f.arrive, lastPop[r][p][v] + 1) + rcva
              : Math.max(f.arrive + (f.seq === 0 ? rcva : 0), lastPop[r][p][v] + 1);
          if (ready > c) continue;
          if (remaining[r][p][v] < 0) {
            if (f.seq === 0) {
              const w = worms[f.worm];
              let mask = w.dst < 0 ? treeMask(r, w) : route(r, w.dst, W);
              if (adaptive && mask & (mask - 1)) {
                let best = -1;
                let bestFree = -1;
                // Ties go to the x direction: E first, then N or S.
                for (const o of [1, 0, 2, 3]) {
                  if (!(mask & (1 << o))) continue;
                  const free = credits[r][o].reduce((a, b) => a + b, 0);
                  if (free > bestFree) [best, bestFree] = [o, free];
                }
                mask = 1 << best;
              }
              routeOf[r][p][v] = mask;
            }
            remaining[r][p][v] = routeOf[r][p][v];
          }
          for (let o = 0; o < 5; o++) {
            if (!(remaining[r][p][v] & (1 << o))) continue;
            const held = heldVc[r][p][v][o];
            const ok = held >= 0 ? o === 4 || credits[r][o][held] > 0 : freeVc(r, o) >= 0;
            if (ok) req[v] |= 1 << o;
          }
        }
        for (let i = 0; i < V; i++) {
          const v = (inPtr[r][p] + i) % V;
          if (req[v] !== 0) {
            want[p] = req[v];
            wantVc[p] = v;
            break;
          }
        }
      }
      const granted: number[] = [0, 0, 0, 0, 0];
      for (let o = 0; o < 5; o++) {
        for (let i = 0; i < 5; i++) {
          const p = (outPtr[r][o] + i) % 5;
          if (want[p] & (1 << o)) {
            granted[p] |= 1 << o;
            outPtr[r][o] = (p + 1) % 5;
            break;
          }
        }
      }
      for (let p = 0; p < 5; p++) {
        if (granted[p] === 0) continue;
        const v = wantVc[p];
        inPtr[r][p] = (v + 1) % V;
        const f = fifo[r][p][v][0];
        const w = worms[f.worm];
        const tail = f.seq === w.packet.flits - 1;
        for (let o = 0; o < 5; o++) {
          if (!(granted[p] & (1 << o))) continue;
          let ov = heldVc[r][p][v][o];
          if (ov < 0) {
            ov = freeVc(r, o);
            vaPtr[r][o] = (ov + 1) % V;
            owner[r][o][ov] = p * V + v;
            heldVc[r][p][v][o] = ov;
          }
          if (tail) owner[r][o][ov] = -1;
          result.trace.push({ packetId: w.packet.id, seq: f.seq, router: r, outPort: o, time: c });
          if (o === 4) {
            if (tail) {
              const node = r;
              const record = () =>
                result.deliveries.push({ packetId: w.packet.id, node, cycle: c + sa + xb + ej });
              if (sa + xb + ej === 0) record();
              else pending.push({ t: c + sa + xb + ej, apply: record });
            }
            continue;
          }
          credits[r][o][ov]--;
          result.linkFlits[r * 4 + o]++;
          const m = neighbour(r, o, W, H);
          const inP = o < 4 ? (o + 2) % 4 : 4;
          const flit = { worm: f.worm, seq: f.seq, arrive: c + sa + xb + k.linkCycles };
          pending.push({
            t: flit.arrive,
            apply: () => {
              fifo[m][inP][ov].push(flit);
              if (fifo[m][inP][ov].length > D) throw new Error('reference: buffer overflow');
              result.maxOccupancy = Math.max(result.maxOccupancy, fifo[m][inP][ov].length);
            },
          });
        }
        remaining[r][p][v] &= ~granted[p];
        if (remaining[r][p][v] !== 0) continue;
        fifo[r][p][v].shift();
        lastPop[r][p][v] = c;
        remaining[r][p][v] = -1;
        if (tail) heldVc[r][p][v] = [-1, -1, -1, -1, -1];
        const tc = Math.max(c + 1, c + sa + k.creditCycles);
        if (p === 4) pending.push({ t: tc, apply: () => injCredits[r][v]++ });
        else {
          const up = neighbour(r, p, W, H);
          const upPort = (p + 2) % 4;
          pending.push({ t: tc, apply: () => credits[up][upPort][v]++ });
        }
      }
    }
  }
  return result;
}
