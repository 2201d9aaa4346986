import type { PlacementName } from '../hardware/config.js';
import type { CoreTraffic } from './traffic.js';

/** Node of the `i`-th position of a boustrophedon walk: even rows east, odd rows west. */
export function snakeNode(i: number, meshWidth: number): number {
  const y = Math.floor(i / meshWidth);
  const k = i % meshWidth;
  const x = y % 2 === 0 ? k : meshWidth - 1 - k;
  return y * meshWidth + x;
}

/** Core `i` at node `i` (row-major). */
export function placeRowMajor(cores: number): Int32Array {
  const out = new Int32Array(cores);
  for (let i = 0; i < cores; i++) out[i] = i;
  return out;
}

/** Core `i` at the `i`-th node of the snake walk, so consecutive cores are always neighbours. */
export function placeSnake(cores: number, meshWidth: number): Int32Array {
  const out = new Int32Array(cores);
  for (let i = 0; i < cores; i++) out[i] = snakeNode(i, meshWidth);
  return out;
}

/**
 * Greedy layer-affinity placement. Cores are placed in id order (stage by stage). A core with no
 * incoming traffic (the encoding) takes the next free node of the snake walk; any other core
 * takes the free node that minimizes `sum over its upstream cores of packets x XY hops`, ties
 * going to the earlier node of the snake walk. The cost is separable in x and y, so each core
 * costs O((W + H) x upstream + W x H).
 */
export function placeLayerAffinity(
  cores: number,
  meshWidth: number,
  meshHeight: number,
  traffic: CoreTraffic,
): Int32Array {
  const nodes = meshWidth * meshHeight;
  const incoming: { src: number; packets: number }[][] = Array.from({ length: cores }, () => []);
  for (let i = 0; i < traffic.src.length; i++) {
    incoming[traffic.dst[i]!]!.push({ src: traffic.src[i]!, packets: traffic.packets[i]! });
  }
  const snakeOrder = new Int32Array(nodes);
  for (let i = 0; i < nodes; i++) snakeOrder[i] = snakeNode(i, meshWidth);
  const free = new Uint8Array(nodes).fill(1);
  const out = new Int32Array(cores).fill(-1);
  const costX = new Float64Array(meshWidth);
  const costY = new Float64Array(meshHeight);
  let nextSnake = 0;
  for (let core = 0; core < cores; core++) {
    const ups = incoming[core]!.filter((u) => out[u.src]! >= 0);
    let best = -1;
    if (ups.length === 0) {
      while (!free[snakeOrder[nextSnake]!]) nextSnake++;
      best = snakeOrder[nextSnake]!;
    } else {
      costX.fill(0);
      costY.fill(0);
      for (const u of ups) {
        const sx = out[u.src]! % meshWidth;
        const sy = Math.floor(out[u.src]! / meshWidth);
        for (let x = 0; x < meshWidth; x++) costX[x] += u.packets * Math.abs(x - sx);
        for (let y = 0; y < meshHeight; y++) costY[y] += u.packets * Math.abs(y - sy);
      }
      let bestCost = Number.POSITIVE_INFINITY;
      for (let i = 0; i < nodes; i++) {
        const node = snakeOrder[i]!;
        if (!free[node]) continue;
        const cost = costX[node % meshWidth]! + costY[Math.floor(node / meshWidth)]!;
        if (cost < bestCost) {
          bestCost = cost;
          best = node;
        }
      }
    }
    out[core] = best;
    free[best] = 0;
  }
  refineBySwaps(out, meshWidth, meshHeight, traffic);
  return out;
}

/**
 * Local search after the greedy pass: moves a core to a free node or swaps two cores whenever
 * that lowers `sum packets x XY hops`, sweeping node pairs until a sweep changes nothing (at
 * most `maxSweeps`). All pairs on meshes up to 1024 nodes; on larger ones only pairs at most 4
 * rows and 4 columns apart, to keep it near-linear. Deterministic: pairs in node order.
 */
export function refineBySwaps(
  nodeOfCore: Int32Array,
  meshWidth: number,
  meshHeight: number,
  traffic: CoreTraffic,
  maxSweeps = 4,
): void {
  const cores = nodeOfCore.length;
  const nodes = meshWidth * meshHeight;
  // Every pair on meshes up to 32x32; beyond, only pairs within 4 hops (x and y) of each other.
  const radius = nodes <= 1024 ? Math.max(meshWidth, meshHeight) : 4;
  // Undirected adjacency: neighbour core and packets, both directions merged.
  const adj: { other: number; packets: number }[][] = Array.from({ length: cores }, () => []);
  for (let i = 0; i < traffic.src.length; i++) {
    const a = traffic.src[i]!;
    const b = traffic.dst[i]!;
    if (a === b) continue;
    adj[a]!.push({ other: b, packets: traffic.packets[i]! });
    adj[b]!.push({ other: a, packets: traffic.packets[i]! });
  }
  const coreAt = new Int32Array(nodes).fill(-1);
  for (let c = 0; c < cores; c++) coreAt[nodeOfCore[c]!] = c;
  const dist = (p: number, q: number) =>
    Math.abs((p % meshWidth) - (q % meshWidth)) +
    Math.abs(Math.floor(p / meshWidth) - Math.floor(q / meshWidth));
  // Cost of core `c` sitting at `node`, ignoring its edge to `skip` (which moves with it).
  const costAt = (c: number, node: number, skip: number) => {
    let sum = 0;
    for (const e of adj[c]!)
      if (e.other !== skip) sum += e.packets * dist(node, nodeOfCore[e.other]!);
    return sum;
  };
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let improved = false;
    for (let p = 0; p < nodes; p++) {
      const px = p % meshWidth;
      const py = Math.floor(p / meshWidth);
      const yEnd = Math.min(meshHeight - 1, py + radius);
      const xStart = Math.max(0, px - radius);
      const xEnd = Math.min(meshWidth - 1, px + radius);
      for (let qy = py; qy <= yEnd; qy++) {
        for (let qx = xStart; qx <= xEnd; qx++) {
          const q = qy * meshWidth + qx;
          if (q <= p) continue;
          const a = coreAt[p]!;
          const b = coreAt[q]!;
          if (a < 0 && b < 0) continue;
          let delta = 0;
          if (a >= 0) delta += costAt(a, q, b) - costAt(a, p, b);
          if (b >= 0) delta += costAt(b, p, a) - costAt(b, q, a);
          if (delta < -1e-9) {
            coreAt[p] = b;
            coreAt[q] = a;
            if (a >= 0) nodeOfCore[a] = q;
            if (b >= 0) nodeOfCore[b] = p;
            improved = true;
          }
        }
      }
    }
    if (!improved) break;
  }
}

/** Places `cores` cores on a `meshWidth x meshHeight` mesh with the named strategy. */
export function placeCores(
  strategy: PlacementName,
  cores: number,
  meshWidth: number,
  meshHeight: number,
  traffic: () => CoreTraffic,
): Int32Array {
  switch (strategy) {
    case 'row-major':
      return placeRowMajor(cores);
    case 'snake':
      return placeSnake(cores, meshWidth);
    case 'layer-affinity':
      return placeLayerAffinity(cores, meshWidth, meshHeight, traffic());
  }
}
