import { UserError } from '../util/errors.js';
import { DEFAULT_NOC, DEFAULT_SEED, type SimulateOptions } from './options.js';

/**
 * The options of a run that are checked on their own, before any file is read: the seed, the
 * frames in flight, the network, and the dedicated options that become hardware overrides
 * (`--steps-per-window`, `--weight-bits`, applied after `--set`, so they win).
 */
export interface CheckedOptions {
  seed: number;
  framesInFlight: number | null;
  noc: 'ideal' | 'detailed';
  /** `--set` overrides, then those of the dedicated options. */
  overrides: string[];
}

export function checkInteger(name: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new UserError(`${name} ${v}: expected a whole number from ${min} to ${max}`);
  }
}

/** Overrides from the dedicated options, applied after `--set` (they win). */
function optionOverrides(opts: SimulateOptions): string[] {
  const out = [...(opts.set ?? [])];
  if (opts.stepsPerWindow !== undefined && opts.stepsPerWindow !== 'exact') {
    checkInteger('--steps-per-window', opts.stepsPerWindow, 1, 1_000_000);
    out.push(`timing.stepsPerWindow=${opts.stepsPerWindow}`);
  }
  if (opts.weightBits !== undefined) {
    if (opts.weightBits === 'float') out.push('chip.weightBits=null');
    else {
      checkInteger('--weight-bits', opts.weightBits, 2, 16);
      out.push(`chip.weightBits=${opts.weightBits}`);
    }
  }
  return out;
}

/** Checks the options that need no file (see {@link CheckedOptions}). */
export function checkOptions(opts: SimulateOptions): CheckedOptions {
  const seed = opts.seed ?? DEFAULT_SEED;
  checkInteger('--seed', seed, 0, 2 ** 31 - 1);
  const framesInFlight = opts.framesInFlight ?? null;
  if (framesInFlight !== null) checkInteger('--frames-in-flight', framesInFlight, 1, 1_000_000);
  const noc = opts.noc ?? DEFAULT_NOC;
  if (noc !== 'ideal' && noc !== 'detailed') {
    throw new UserError(`--noc ${String(noc)}: expected ideal or detailed`);
  }
  return { seed, framesInFlight, noc, overrides: optionOverrides(opts) };
}
