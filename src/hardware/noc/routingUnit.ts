import { type RoutingFn, xyRoute, yxRoute } from './routing.js';

/** Route bits of the ports N, E, S, W, local (`1 << port`, see routing.ts). */
const BIT_N = 1;
const BIT_E = 2;
const BIT_S = 4;
const BIT_W = 8;
const BIT_LOCAL = 16;
/** Largest mesh (nodes) whose routes are tabulated: 1024 x 1024 bytes. */
const ROUTE_TABLE_MAX_NODES = 1024;

/**
 * Route computation of a deterministic routing function for unicast heads (Garnet's
 * `RoutingUnit`, the part that needs no router state), as the routers of both timing styles ask
 * it. XY and YX are decided from node coordinates (`nodeX`, `nodeY`: small tables that stay in
 * cache), without a call and its integer divisions; any other function is called once per
 * (router, destination) pair and its answer kept in a table (meshes up to
 * {@link ROUTE_TABLE_MAX_NODES} nodes, 1 MiB; larger ones call it every time). Routing
 * functions are pure, so each answer is the function's own.
 */
export class RoutingUnit {
  /** Dimension order: XY (1), YX (2), or another function (0: through the table). */
  private readonly order: number;
  /** Route of each (router, destination) pair, `r * nodes + dst` (0: not computed yet). */
  private readonly table: Uint8Array | null;

  constructor(
    private readonly routeFn: RoutingFn,
    private readonly meshWidth: number,
    private readonly nodes: number,
    private readonly nodeX: Int32Array,
    private readonly nodeY: Int32Array,
  ) {
    this.order = routeFn === xyRoute ? 1 : routeFn === yxRoute ? 2 : 0;
    this.table =
      this.order === 0 && nodes <= ROUTE_TABLE_MAX_NODES ? new Uint8Array(nodes * nodes) : null;
  }

  /** The permitted outputs (one bit for XY and YX) at router r of a packet bound for dst. */
  route(r: number, dst: number): number {
    const order = this.order;
    if (order !== 0) {
      const dx = this.nodeX[dst] - this.nodeX[r];
      const dy = this.nodeY[dst] - this.nodeY[r];
      // XY corrects x first, YX y first (as xyRoute and yxRoute in routing.ts).
      if (order === 1 && dx !== 0) return dx > 0 ? BIT_E : BIT_W;
      if (dy !== 0) return dy > 0 ? BIT_S : BIT_N;
      if (dx !== 0) return dx > 0 ? BIT_E : BIT_W;
      return BIT_LOCAL;
    }
    const table = this.table;
    if (table === null) return this.routeFn(r, dst, this.meshWidth);
    const k = r * this.nodes + dst;
    let mask = table[k];
    if (mask === 0) {
      mask = this.routeFn(r, dst, this.meshWidth);
      table[k] = mask;
    }
    return mask;
  }
}
