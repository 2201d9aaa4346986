/**
 * Routing functions of the mesh, as plain functions registered by name (in the manner of
 * BookSim's `gRoutingFunctionMap`). A routing function returns the *set* of permitted output
 * ports as a bit mask over {@link PORT_N}..{@link PORT_LOCAL}; deterministic algorithms return one
 * bit, adaptive ones may return several, and the router's selection picks one.
 *
 * Mesh nodes are row-major, `node = y * meshWidth + x`, x to the east and y to the south, so
 * N = y - 1, E = x + 1, S = y + 1, W = x - 1.
 */

export const PORT_N = 0;
export const PORT_E = 1;
export const PORT_S = 2;
export const PORT_W = 3;
export const PORT_LOCAL = 4;
/** Ports per router: N, E, S, W, local. */
export const PORTS = 5;
export const PORT_NAMES = ['N', 'E', 'S', 'W', 'local'] as const;

/** Bit mask of permitted output ports at `here` for a flit bound to `dst`. */
export type RoutingFn = (here: number, dst: number, meshWidth: number) => number;

/** The input port, at the neighbour, of a link leaving through `port` (N <-> S, E <-> W). */
export function oppositePort(port: number): number {
  return port < 4 ? (port + 2) & 3 : PORT_LOCAL;
}

/** The neighbour reached through `port`, or -1 at the mesh edge (or for the local port). */
export function neighbour(node: number, port: number, meshWidth: number, meshHeight: number) {
  const x = node % meshWidth;
  const y = (node - x) / meshWidth;
  switch (port) {
    case PORT_N:
      return y > 0 ? node - meshWidth : -1;
    case PORT_E:
      return x < meshWidth - 1 ? node + 1 : -1;
    case PORT_S:
      return y < meshHeight - 1 ? node + meshWidth : -1;
    case PORT_W:
      return x > 0 ? node - 1 : -1;
    default:
      return -1;
  }
}

/** Dimension-order XY: correct x first (E/W), then y (N/S). Deadlock-free on a mesh. */
export function xyRoute(here: number, dst: number, meshWidth: number): number {
  const dx = (dst % meshWidth) - (here % meshWidth);
  if (dx > 0) return 1 << PORT_E;
  if (dx < 0) return 1 << PORT_W;
  const dy = Math.floor(dst / meshWidth) - Math.floor(here / meshWidth);
  if (dy > 0) return 1 << PORT_S;
  if (dy < 0) return 1 << PORT_N;
  return 1 << PORT_LOCAL;
}

/** Dimension-order YX: correct y first (N/S), then x (E/W). Deadlock-free on a mesh. */
export function yxRoute(here: number, dst: number, meshWidth: number): number {
  const dy = Math.floor(dst / meshWidth) - Math.floor(here / meshWidth);
  if (dy > 0) return 1 << PORT_S;
  if (dy < 0) return 1 << PORT_N;
  const dx = (dst % meshWidth) - (here % meshWidth);
  if (dx > 0) return 1 << PORT_E;
  if (dx < 0) return 1 << PORT_W;
  return 1 << PORT_LOCAL;
}

/**
 * West-first (Glass and Ni's turn model): a packet bound west goes west first, deterministically;
 * otherwise it may take any minimal direction among E, N, S. The two turns into W are forbidden,
 * which breaks every cycle of channel dependences, so it is deadlock-free; it is minimal, so it
 * is livelock-free.
 */
export function westFirstRoute(here: number, dst: number, meshWidth: number): number {
  const dx = (dst % meshWidth) - (here % meshWidth);
  if (dx < 0) return 1 << PORT_W;
  const dy = Math.floor(dst / meshWidth) - Math.floor(here / meshWidth);
  let mask = 0;
  if (dx > 0) mask |= 1 << PORT_E;
  if (dy > 0) mask |= 1 << PORT_S;
  if (dy < 0) mask |= 1 << PORT_N;
  return mask === 0 ? 1 << PORT_LOCAL : mask;
}

/**
 * The order in which an adaptive router's selection looks at the permitted ports: it takes the
 * port whose downstream input has the most free slots, and on a tie the first in this order.
 * E comes first, so that with no congestion to adapt to west-first routes exactly as XY: ties
 * to the lowest port number (N before E) would send north-east traffic Y-first and everything
 * else X-first, and that mix of XY and YX routes loads the busiest link of a k x k mesh under
 * uniform traffic with 3.75 flits per flit injected per node (k = 8), against XY's k / 4 = 2:
 * a throughput bound of 0.27 instead of 0.5 flits/node/cycle (docs/noc.md, "West-first").
 */
export const ADAPTIVE_PORT_ORDER: readonly number[] = [PORT_E, PORT_N, PORT_S, PORT_W];

/** The routing functions, by the name used in `noc.routing`. */
export const routingFunctions: Record<string, RoutingFn> = {
  xy: xyRoute,
  yx: yxRoute,
  'west-first': westFirstRoute,
};

/** Whether a routing function always returns a single port (needed by tree multicast). */
export const deterministicRoutings: ReadonlySet<string> = new Set(['xy', 'yx']);

/** Looks a routing function up by name. */
export function getRoutingFunction(name: string): RoutingFn {
  const fn = routingFunctions[name];
  if (fn === undefined) throw new Error(`unknown routing function "${name}"`);
  return fn;
}

/** Index of the lowest set bit of a non-zero mask. */
export function lowestPort(mask: number): number {
  return 31 - Math.clz32(mask & -mask);
}

/**
 * Whether `node` lies on the route from `src` to `dst` of a deterministic routing function
 * (walks the route: O(hops)).
 */
export function onRoute(
  route: RoutingFn,
  src: number,
  dst: number,
  node: number,
  meshWidth: number,
  meshHeight: number,
): boolean {
  let here = src;
  for (;;) {
    if (here === node) return true;
    if (here === dst) return false;
    here = neighbour(here, lowestPort(route(here, dst, meshWidth)), meshWidth, meshHeight);
  }
}

/**
 * Output ports of a tree multicast packet at `node`: the union, over the destinations whose
 * route from `src` passes through `node`, of the next port toward each. The packet forks where
 * this mask has several bits: exactly where the destinations' routes part.
 */
export function treeOutputs(
  route: RoutingFn,
  src: number,
  dsts: readonly number[],
  node: number,
  meshWidth: number,
  meshHeight: number,
): number {
  let mask = 0;
  for (let i = 0; i < dsts.length; i++) {
    const d = dsts[i];
    if (onRoute(route, src, d, node, meshWidth, meshHeight)) mask |= route(node, d, meshWidth);
  }
  return mask;
}

/**
 * Links of the multicast tree (each counted once) as `node * 4 + port` keys, and, for unicast,
 * simply the route's links. Used for hop counts and zero-load latencies.
 */
export function treeLinks(
  route: RoutingFn,
  src: number,
  dsts: readonly number[],
  meshWidth: number,
  meshHeight: number,
): Set<number> {
  const links = new Set<number>();
  for (const d of dsts) {
    let here = src;
    while (here !== d) {
      const port = lowestPort(route(here, d, meshWidth));
      links.add(here * 4 + port);
      here = neighbour(here, port, meshWidth, meshHeight);
    }
  }
  return links;
}
