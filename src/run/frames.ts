import { UserError } from '../util/errors.js';

/**
 * Which frames of the data set a run simulates: a half-open range `[start, end)` of test-set
 * indices. `--frames` accepts
 *
 * - `N`: the first N frames, `[0, N)`;
 * - `A:B` or `A-B`: frames A to B-1 (`A:` runs from A to the end);
 * - `all`: the whole set.
 *
 * Out-of-range requests are errors, never silently clipped: a run says exactly which frames it
 * covered.
 */
export type FramesSpec = number | string | readonly [number, number];

export interface FrameRange {
  start: number;
  end: number;
}

function parseIndex(text: string, spec: string): number {
  if (!/^\d+$/.test(text.trim())) {
    throw new UserError(
      `--frames ${spec}: expected a count N, a range A:B (frames A to B-1) or "all"`,
    );
  }
  return Number(text.trim());
}

/**
 * Parses a `--frames` value into `[start, end)` (end may be `null`: to the end of the data set).
 * Syntax errors are `UserError`s; the range is checked against the data set by
 * {@link checkFrameRange}.
 */
export function parseFrames(spec: FramesSpec): { start: number; end: number | null } {
  if (typeof spec === 'number') {
    if (!Number.isInteger(spec) || spec < 1) {
      throw new UserError(`--frames ${spec}: expected a positive whole number of frames`);
    }
    return { start: 0, end: spec };
  }
  if (Array.isArray(spec)) {
    const [a, b] = spec as readonly [number, number];
    return { start: a, end: b };
  }
  const text = String(spec).trim();
  if (text.toLowerCase() === 'all') return { start: 0, end: null };
  const m = /^(\d+)\s*[:-]\s*(\d*)$/.exec(text);
  if (m) {
    return { start: parseIndex(m[1]!, text), end: m[2] === '' ? null : parseIndex(m[2]!, text) };
  }
  const n = parseIndex(text, text);
  if (n < 1) throw new UserError(`--frames ${text}: expected at least 1 frame`);
  return { start: 0, end: n };
}

/**
 * Resolves a parsed range against a data set of `available` frames (its name in `dataset` for
 * messages). Throws a `UserError` when the range is empty or reaches past the end.
 */
export function checkFrameRange(
  parsed: { start: number; end: number | null },
  available: number,
  dataset: string,
  spec: FramesSpec,
): FrameRange {
  const shown = Array.isArray(spec) ? `${spec[0]}:${spec[1]}` : String(spec);
  const start = parsed.start;
  const end = parsed.end ?? available;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0) {
    throw new UserError(`--frames ${shown}: frame indices must be whole numbers >= 0`);
  }
  if (end <= start) {
    throw new UserError(`--frames ${shown}: the range is empty (end must be after start)`);
  }
  if (end > available) {
    throw new UserError(
      `--frames ${shown}: out of range; the ${dataset} test set has ${available} frames (0 to ${available - 1})`,
    );
  }
  return { start, end };
}
