/**
 * A custom design-space search written against the ttfsim API: an evolutionary search (random
 * start, then mutations of the best) over the mesh size and the router buffer depth of a chip,
 * minimising energy per frame x latency of the bundled MNIST CNN on the detailed network-on-chip,
 * with the Pareto front of every design it tried over energy, latency and mesh nodes (chip
 * area: many designs tie on energy and latency, and the smallest of them is the one to build).
 *
 *     npm run build && npx tsx examples/design-search/search.ts [--evals 24] [--frames 4]
 *
 * Every random choice comes from `--seed`, so a search is reproducible. A design the network
 * does not fit (too few mesh nodes) is infeasible: the API throws a UserError, and the search
 * moves on.
 */
import { pathToFileURL } from 'node:url';
import { paretoPoints, type RunSummary, simulate, UserError } from 'ttfsim';

/** One design: mesh columns and rows, and flits per router input buffer. */
export interface Design {
  meshWidth: number;
  meshHeight: number;
  bufferDepthFlits: number;
}

/** A design with its figures (null when infeasible). */
export interface Evaluated extends Design {
  energyJ: number | null;
  latencyNs: number | null;
  /** energyJ x latencyNs, the search's objective (J ns). */
  cost: number | null;
  why?: string;
}

export interface SearchOptions {
  /** Designs to evaluate in all (default 24). */
  evals?: number;
  /** Frames per evaluation (default 4). */
  frames?: number;
  seed?: number;
  /** Hardware config the designs start from (default `mesh22nm`). */
  hw?: string;
  /** Overrides of that config for every design (default {@link FAST_CORES}). */
  set?: string[];
  onEval?(e: Evaluated): void;
}

/** mulberry32: a small seeded generator, so that a search replays from its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * mesh22nm with fast cores (2 ns steps, 0.5 ns SOPs) and static energy as leakage power x chip
 * time: the network-on-chip then shows in the latency, and the latency in the energy.
 */
export const FAST_CORES = ['timing.stepNs=2', 'timing.sopNs=0.5', 'energy.staticMode=leakage'];

const SIDE = [3, 12] as const;
const DEPTH = [1, 8] as const;
const clamp = (x: number, [lo, hi]: readonly [number, number]) => Math.min(hi, Math.max(lo, x));
const key = (d: Design) => `${d.meshWidth}x${d.meshHeight}/${d.bufferDepthFlits}`;

async function evaluate(d: Design, o: Required<Omit<SearchOptions, 'onEval'>>): Promise<Evaluated> {
  try {
    const r = await simulate({
      hw: o.hw,
      frames: o.frames,
      noc: 'detailed',
      write: false,
      set: [
        ...o.set,
        `chip.meshWidth=${d.meshWidth}`,
        `chip.meshHeight=${d.meshHeight}`,
        `noc.bufferDepthFlits=${d.bufferDepthFlits}`,
      ],
    });
    const s: RunSummary = r.summary;
    return {
      ...d,
      energyJ: s.energyJ.total,
      latencyNs: s.latencyNs,
      cost: s.energyJ.total * s.latencyNs,
    };
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    return { ...d, energyJ: null, latencyNs: null, cost: null, why: err.message };
  }
}

/**
 * Runs the search: a quarter of the budget on random designs, the rest on mutations (a side
 * +-1 or +-2, the depth +-1 or doubled/halved) of a design drawn from the best four so far.
 * Returns every evaluated design, the best and the Pareto front (energy, latency, nodes).
 */
export async function search(opts: SearchOptions = {}): Promise<{
  all: Evaluated[];
  best: Evaluated | null;
  front: Evaluated[];
}> {
  const o = { evals: 24, frames: 4, seed: 1, hw: 'mesh22nm', set: FAST_CORES, ...opts };
  const rand = rng(o.seed);
  const int = ([lo, hi]: readonly [number, number]) => lo + Math.floor(rand() * (hi - lo + 1));
  const seen = new Map<string, Evaluated>();
  const all: Evaluated[] = [];
  const feasible = () => all.filter((e) => e.cost !== null).sort((a, b) => a.cost! - b.cost!);
  for (let tries = 0; all.length < o.evals && tries < 20 * o.evals; tries++) {
    const parents = feasible().slice(0, 4);
    let d: Design;
    if (all.length < Math.ceil(o.evals / 4) || parents.length === 0) {
      d = { meshWidth: int(SIDE), meshHeight: int(SIDE), bufferDepthFlits: int(DEPTH) };
    } else {
      const p = parents[Math.floor(rand() * parents.length)]!;
      const step = () => (rand() < 0.5 ? -1 : 1) * (rand() < 0.7 ? 1 : 2);
      const depth =
        rand() < 0.3
          ? rand() < 0.5
            ? p.bufferDepthFlits * 2
            : Math.round(p.bufferDepthFlits / 2)
          : p.bufferDepthFlits + step();
      d = {
        meshWidth: clamp(p.meshWidth + (rand() < 0.5 ? step() : 0), SIDE),
        meshHeight: clamp(p.meshHeight + (rand() < 0.5 ? step() : 0), SIDE),
        bufferDepthFlits: clamp(depth, DEPTH),
      };
    }
    if (seen.has(key(d))) continue;
    const e = await evaluate(d, o);
    seen.set(key(d), e);
    all.push(e);
    o.onEval?.(e);
  }
  const ok = all.filter((e) => e.cost !== null);
  const nodes = (e: Design) => e.meshWidth * e.meshHeight;
  const front = paretoPoints(ok, (e) => [e.energyJ!, e.latencyNs!, nodes(e)]).sort(
    (a, b) => nodes(a) - nodes(b) || a.cost! - b.cost!,
  );
  return { all, best: feasible()[0] ?? null, front };
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

const fmt = (e: Evaluated) =>
  `${key(e).padEnd(10)} ${e.cost === null ? `infeasible (${e.why})` : `${(e.energyJ! * 1e6).toFixed(3)} uJ  ${(e.latencyNs! / 1e3).toFixed(2)} us  ${(e.cost * 1e3).toFixed(3)} uJ.ms`}`;

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await search({
    evals: arg('evals', 24),
    frames: arg('frames', 4),
    seed: arg('seed', 1),
    onEval: (e) => process.stdout.write(`  ${fmt(e)}\n`),
  });
  process.stdout.write(
    `\nbest (energy x latency): ${r.best === null ? 'none feasible' : fmt(r.best)}\n`,
  );
  process.stdout.write('Pareto front (energy, latency, mesh nodes), by nodes:\n');
  for (const e of r.front) process.stdout.write(`  ${fmt(e)}\n`);
}
