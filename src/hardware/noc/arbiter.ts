/**
 * Round-robin arbitration (BookSim's `RoundRobinArbiter`): among the requesters in `requests`
 * (bit i set: requester i asks), grant the first at or after `pointer`, cyclically over `n`.
 * After a grant the caller moves the pointer to `granted + 1`, so the winner has the lowest
 * priority next time: every persistent requester is served within n grants (no starvation).
 *
 * @returns the granted index, or -1 when nobody requests.
 */
export function roundRobinPick(requests: number, pointer: number, n: number): number {
  if (requests === 0) return -1;
  for (let i = 0; i < n; i++) {
    let k = pointer + i;
    if (k >= n) k -= n;
    if ((requests >>> k) & 1) return k;
  }
  return -1;
}

/** A round-robin arbiter as a small object, for code off the hot path. */
export class RoundRobinArbiter {
  pointer = 0;
  constructor(readonly size: number) {}

  /** Grants one of `requests` (a bit mask) and advances the pointer past the winner. */
  arbitrate(requests: number): number {
    const k = roundRobinPick(requests, this.pointer, this.size);
    if (k >= 0) this.pointer = k + 1 === this.size ? 0 : k + 1;
    return k;
  }
}
