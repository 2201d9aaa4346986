/**
 * XML escaping and number formatting for SVG/HTML output. Every string that comes from a user
 * (model names, layer names, run ids, config values, notes) goes through `escapeXml` before it
 * is placed in markup, in text or in an attribute.
 */

const XML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escapes `&`, `<`, `>`, `"` and `'` (safe in text and in single- or double-quoted attributes),
 * and drops characters that XML 1.0 forbids (C0 controls other than tab/newline/CR, lone
 * surrogates, U+FFFE/U+FFFF), which would make a standalone SVG file unreadable.
 */
export function escapeXml(value: unknown): string {
  const s = String(value);
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    const ch = s[i]!;
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += ch + s[i + 1];
        i++;
      }
      continue;
    }
    if (code >= 0xdc00 && code <= 0xdfff) continue;
    if ((code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || code >= 0xfffe)
      continue;
    out += XML_ENTITIES[ch] ?? ch;
  }
  return out;
}

/** A coordinate for markup: at most 2 decimals, no trailing zeros, no `-0`. */
export function num(v: number): string {
  const r = Math.round(v * 100) / 100;
  return Object.is(r, -0) ? '0' : String(r);
}

/**
 * A value for people: `digits` significant digits, thousands separators for large integers,
 * exponent form for very small or very large magnitudes.
 */
export function fmtValue(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e9 || a < 1e-4) return v.toExponential(digits - 1);
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  if (a >= 10 ** digits) return Math.round(v).toLocaleString('en-US');
  return String(Number(v.toPrecision(digits)));
}
