import { ADAPTIVE_PORT_ORDER, neighbour, PORT_LOCAL, type RoutingFn } from './routing.js';
import { HOTSPOT_FRACTION, type TrafficPattern } from './traffic.js';

/**
 * Channel loads of a routing function under a traffic pattern (Dally and Towles, ch. 3.3.1):
 * the expected flits per cycle on each directed link when every node injects 1 flit per cycle,
 *
 *     gamma_c = sum over (s, d) of P(d | s) P(route of s -> d uses c),
 *
 * and the throughput bound `Theta = 1 / max_c gamma_c` flits/node/cycle (a channel carries at most
 * one flit per cycle): the offered load at which the busiest channel saturates. The channels are
 * the links and each node's ejection channel (loaded with the traffic bound for the node: the
 * hotspot node's is the busiest channel of hotspot traffic); injection channels carry exactly 1.
 * No router reaches the bound (contention and flow control cost the rest); a routing function
 * whose bound is lower saturates lower.
 *
 * Adaptive routing functions are taken at zero load: with every buffer empty the router's
 * selection finds all permitted ports equally free and takes the first in `portOrder`
 * (the routers' own order, {@link ADAPTIVE_PORT_ORDER}, unless given), or, with `'split'`, the
 * traffic is split equally over the permitted ports at every router (what a perfectly balancing
 * selection would do on average).
 */
export interface ChannelLoads {
  /** Expected flits per cycle per unit injection on link `node * 4 + port` (N, E, S, W). */
  linkLoad: Float64Array;
  /** Expected flits per cycle per unit injection ejected at each node. */
  ejectionLoad: Float64Array;
  /** max over links and ejection channels (and the injection channels' 1). */
  maxLoad: number;
  /** Whether the busiest channel is an ejection channel rather than a link. */
  ejectionBound: boolean;
  /** 1 / maxLoad: flits/node/cycle at which the busiest link saturates. */
  throughputBound: number;
  /** Mean hops per flit. */
  meanHops: number;
}

/** The destinations of a packet from `src` with their probabilities (as {@link destinationFn}). */
export function destinationWeights(
  pattern: TrafficPattern,
  src: number,
  w: number,
  h: number,
): Array<[dst: number, p: number]> {
  const n = w * h;
  const x = src % w;
  const y = (src - x) / w;
  switch (pattern) {
    case 'uniform':
      return Array.from({ length: n }, (_, d) => [d, 1 / n]);
    case 'transpose':
      return [[x * w + y, 1]];
    case 'bit-complement':
      return [[(h - 1 - y) * w + (w - 1 - x), 1]];
    case 'hotspot': {
      const hot = Math.floor(h / 2) * w + Math.floor(w / 2);
      const out: Array<[number, number]> = Array.from({ length: n }, (_, d) => [
        d,
        (1 - HOTSPOT_FRACTION) / n,
      ]);
      out[hot][1] += HOTSPOT_FRACTION;
      return out;
    }
    case 'nearest-neighbour': {
      const nb: number[] = [];
      for (const port of [0, 1, 2, 3]) {
        const m = neighbour(src, port, w, h);
        if (m >= 0) nb.push(m);
      }
      return nb.length === 0 ? [[src, 1]] : nb.map((d) => [d, 1 / nb.length]);
    }
  }
}

/**
 * {@link ChannelLoads} of `route` under `pattern` on a `w x h` mesh. Minimal routes only: the
 * probability mass moves one hop per step towards the destination, so the walk ends after
 * `|dx| + |dy|` steps. O(nodes^2 x hops x routers on the way).
 */
export function channelLoads(
  route: RoutingFn,
  pattern: TrafficPattern,
  w: number,
  h: number,
  portOrder: readonly number[] | 'split' = ADAPTIVE_PORT_ORDER,
): ChannelLoads {
  const n = w * h;
  const linkLoad = new Float64Array(n * 4);
  const ejectionLoad = new Float64Array(n);
  let hops = 0;
  let cur = new Float64Array(n);
  let next = new Float64Array(n);
  for (let s = 0; s < n; s++) {
    for (const [d, pd] of destinationWeights(pattern, s, w, h)) {
      ejectionLoad[d] += pd;
      cur.fill(0);
      cur[s] = pd;
      for (let live = true; live; ) {
        live = false;
        next.fill(0);
        for (let r = 0; r < n; r++) {
          const p = cur[r];
          if (p === 0 || r === d) continue;
          const mask = route(r, d, w);
          if (mask & (1 << PORT_LOCAL)) throw new RangeError(`route ends at ${r}, not ${d}`);
          const ports = choose(mask, portOrder);
          for (const port of ports) {
            const m = neighbour(r, port, w, h);
            if (m < 0) throw new RangeError(`route leaves the mesh at node ${r}`);
            const share = p / ports.length;
            linkLoad[r * 4 + port] += share;
            hops += share;
            next[m] += share;
            live = true;
          }
        }
        [cur, next] = [next, cur];
      }
    }
  }
  let maxLink = 1; // an injection channel
  for (const load of linkLoad) maxLink = Math.max(maxLink, load);
  let maxEject = 0;
  for (const load of ejectionLoad) maxEject = Math.max(maxEject, load);
  const maxLoad = Math.max(maxLink, maxEject);
  return {
    linkLoad,
    ejectionLoad,
    maxLoad,
    ejectionBound: maxEject > maxLink,
    throughputBound: 1 / maxLoad,
    meanHops: hops / n,
  };
}

/** The ports a zero-load router sends the traffic of `mask` to. */
function choose(mask: number, portOrder: readonly number[] | 'split'): number[] {
  if (portOrder === 'split') {
    const all: number[] = [];
    for (let o = 0; o < 4; o++) if (mask & (1 << o)) all.push(o);
    return all;
  }
  for (const o of portOrder) if (mask & (1 << o)) return [o];
  throw new RangeError(`no port of ${mask.toString(2)} in the order ${portOrder.join(',')}`);
}
