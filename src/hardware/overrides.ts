/**
 * `--set field.path=value` on a JSON config: the path checked against the zod schema (so that
 * `__proto__.x`, `chip.constructor` or a misspelt field is refused, never applied or ignored)
 * and the value set on a copy, by defining properties (never through a prototype).
 */
import { z } from 'zod';
import { UserError } from '../util/errors.js';

/** The schema inside default/optional/nullable wrappers. */
function unwrapSchema(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (;;) {
    const inner = (s.def as { innerType?: z.ZodType }).innerType;
    if (inner === undefined) return s;
    s = inner;
  }
}

/** Keys that would reach an object's prototype rather than a field of it. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'prototype', 'constructor']);

/**
 * Checks that a dotted path names a field of the config schema, whatever its spelling
 * (`__proto__.x`, `chip.constructor`, `energy.sopEnergyJoules` are all refused): every step must
 * be a field of the object it is in, a `sources` key is any string but a prototype key, and
 * nothing goes below a leaf. Throws a `UserError` naming the first wrong step.
 */
export function checkFieldPath(root: z.ZodType, path: readonly string[], override: string): void {
  let schema: z.ZodType = root;
  for (let i = 0; i < path.length; i++) {
    const key = path[i]!;
    const at = path.slice(0, i + 1).join('.');
    const where = i === 0 ? 'the config' : path.slice(0, i).join('.');
    const s = unwrapSchema(schema);
    if (s instanceof z.ZodObject) {
      const shape = s.shape as Record<string, z.ZodType>;
      if (!Object.hasOwn(shape, key)) {
        throw new UserError(
          `--set ${override}: ${at}: unknown field (${where} has ${Object.keys(shape).join(', ')})`,
          { field: at },
        );
      }
      schema = shape[key]!;
    } else if (s instanceof z.ZodRecord) {
      if (PROTOTYPE_KEYS.has(key))
        throw new UserError(`--set ${override}: ${at}: not a valid key`, { field: at });
      schema = s.def.valueType as z.ZodType;
    } else {
      throw new UserError(
        `--set ${override}: ${at}: unknown field (${where} is a value, not a section)`,
        { field: at },
      );
    }
  }
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Sets `value` at a dotted path of a plain JSON object (copying along the path). */
export function applyOverride(
  raw: Record<string, unknown>,
  path: readonly string[],
  value: unknown,
): Record<string, unknown> {
  // defineProperty, not assignment: a key such as `__proto__` becomes a field, never a prototype.
  const set = (o: Record<string, unknown>, k: string, v: unknown) =>
    Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  const root: Record<string, unknown> = { ...raw };
  let node = root;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i]!;
    const next = Object.hasOwn(node, key) ? node[key] : undefined;
    const copy = isPlainObject(next) ? { ...next } : {};
    set(node, key, copy);
    node = copy;
  }
  set(node, path[path.length - 1]!, value);
  return root;
}
