/**
 * Sharding: `--shard i/N` (0 <= i < N) takes the points whose index is `i` mod N. The split is a
 * pure function of the ordered point list, so N processes started anywhere (a Slurm job array, a
 * Kubernetes Indexed Job) with the same spec cover every point exactly once, with no coordinator.
 * Round-robin also spreads the points of each grid region evenly over the shards.
 */
import { UserError } from '../util/errors.js';

export interface Shard {
  index: number;
  count: number;
}

/** Parses `"i/N"`. */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new UserError(`--shard ${text}: expected i/N, e.g. 0/4 (shards count from 0)`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1) throw new UserError(`--shard ${text}: N must be at least 1`);
  if (index >= count) {
    throw new UserError(
      `--shard ${text}: i must be between 0 and ${count - 1} (shards count from 0)`,
    );
  }
  return { index, count };
}

/** The points of shard `shard` (all of them without a shard), in sweep order. */
export function shardPoints<T extends { index: number }>(points: readonly T[], shard?: Shard): T[] {
  if (shard === undefined) return [...points];
  return points.filter((p) => p.index % shard.count === shard.index);
}
