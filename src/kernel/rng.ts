import seedrandom from 'seedrandom';

/**
 * A seeded random number generator. Every random choice in ttfsim comes from one of these,
 * created from a seed that is part of the configuration and of the results; nothing in the
 * simulation calls `Math.random`.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal (Box-Muller). */
  normal(): number;
  /** The generator's state, to checkpoint and later resume exactly. */
  state(): object;
}

class SeededRng implements Rng {
  private spare = Number.NaN;
  constructor(private readonly gen: seedrandom.StatefulPRNG<seedrandom.State.Alea>) {}

  next(): number {
    return this.gen.double();
  }

  int(n: number): number {
    return Math.floor(this.gen.double() * n);
  }

  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const s = this.spare;
      this.spare = Number.NaN;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.gen.double();
    const v = this.gen.double();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  state(): object {
    return { prng: this.gen.state(), spare: this.spare };
  }
}

/** A generator seeded with `seed` (any string or number). */
export function createRng(seed: number | string): Rng {
  return new SeededRng(seedrandom.alea(String(seed), { state: true }));
}

/** A generator restored from {@link Rng.state}. */
export function restoreRng(state: object): Rng {
  const s = state as { prng: object; spare: number };
  const rng = new SeededRng(seedrandom.alea('', { state: s.prng as seedrandom.State.Alea }));
  (rng as unknown as { spare: number }).spare = s.spare ?? Number.NaN;
  return rng;
}

/** Derives an independent child seed from a parent seed and a label (e.g. a layer name). */
export function deriveSeed(seed: number | string, label: string): string {
  return `${seed}/${label}`;
}
