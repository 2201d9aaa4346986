import type { Rng } from '../../kernel/rng.js';

/** Synthetic traffic patterns (as in BookSim and Dally and Towles, ch. 3). */
export const TRAFFIC_PATTERNS = [
  'uniform',
  'transpose',
  'bit-complement',
  'hotspot',
  'nearest-neighbour',
] as const;
export type TrafficPattern = (typeof TRAFFIC_PATTERNS)[number];

/** Picks the destination of a packet from `src`; may consume random numbers. */
export type DestinationFn = (src: number, rng: Rng) => number;

/** Fraction of hotspot traffic that goes to the hotspot node (the rest is uniform). */
export const HOTSPOT_FRACTION = 0.2;

/**
 * The destination function of a pattern on a `w x h` mesh, node = y * w + x:
 *  - uniform: any node (the source included), with probability 1/(w h) each;
 *  - transpose: (x, y) -> (y, x) (square meshes only);
 *  - bit-complement: (x, y) -> (w - 1 - x, h - 1 - y) (for power-of-two sizes, the bitwise
 *    complement of the node index);
 *  - hotspot: with probability {@link HOTSPOT_FRACTION} the central node (floor(w/2),
 *    floor(h/2)), otherwise uniform;
 *  - nearest-neighbour: one of the source's mesh neighbours, uniformly.
 */
export function destinationFn(pattern: TrafficPattern, w: number, h: number): DestinationFn {
  const n = w * h;
  switch (pattern) {
    case 'uniform':
      return (_src, rng) => rng.int(n);
    case 'transpose':
      if (w !== h) throw new RangeError(`transpose traffic needs a square mesh, not ${w}x${h}`);
      return (src) => (src % w) * w + Math.floor(src / w);
    case 'bit-complement':
      return (src) => (h - 1 - Math.floor(src / w)) * w + (w - 1 - (src % w));
    case 'hotspot': {
      const hot = Math.floor(h / 2) * w + Math.floor(w / 2);
      return (_src, rng) => (rng.next() < HOTSPOT_FRACTION ? hot : rng.int(n));
    }
    case 'nearest-neighbour':
      return (src, rng) => {
        const x = src % w;
        const y = Math.floor(src / w);
        const nb: number[] = [];
        if (y > 0) nb.push(src - w);
        if (x < w - 1) nb.push(src + 1);
        if (y < h - 1) nb.push(src + w);
        if (x > 0) nb.push(src - 1);
        return nb.length === 0 ? src : nb[rng.int(nb.length)];
      };
  }
}

/**
 * Average hops of uniform random traffic (source included among destinations) on a w x h mesh
 * with minimal routing: E|x1 - x2| + E|y1 - y2| = (w^2 - 1)/(3w) + (h^2 - 1)/(3h), since for
 * two independent uniform coordinates on k points E|a - b| = (k^2 - 1)/(3k).
 */
export function uniformAverageHops(w: number, h: number): number {
  return (w * w - 1) / (3 * w) + (h * h - 1) / (3 * h);
}
