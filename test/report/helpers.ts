/** Test helpers: pick elements out of generated SVG, count raster bands in a screenshot. */
import { parseHex } from '../../src/report/svg/palette.js';
import type { Image } from './png.js';

/** Attributes of every `<tag ...>` element whose attributes include `where` (exact values). */
export function elements(
  svg: string,
  tag: string,
  where: Record<string, string> = {},
): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  const re = new RegExp(`<${tag}\\b([^>]*?)/?>`, 'g');
  for (const m of svg.matchAll(re)) {
    const attrs: Record<string, string> = {};
    for (const a of m[1]!.matchAll(/([\w:-]+)="([^"]*)"/g)) attrs[a[1]!] = a[2]!;
    if (Object.entries(where).every(([k, v]) => attrs[k] === v)) out.push(attrs);
  }
  return out;
}

/** Square marks `M x y h s v s h-s z` of a raster path: their centres. */
export function markCentres(d: string): [number, number][] {
  const out: [number, number][] = [];
  for (const m of d.matchAll(/M(-?[\d.]+) (-?[\d.]+)h([\d.]+)/g)) {
    const s = Number(m[3]);
    out.push([Number(m[1]) + s / 2, Number(m[2]) + s / 2]);
  }
  return out;
}

export interface Band {
  colour: string;
  /** First and last pixel column of the band. */
  x0: number;
  x1: number;
}

/**
 * Scans the plot area of a raster screenshot column by column along the time axis. A column's
 * colour is the layer colour (of `colours`, within `tol` per channel) with most pixels in it;
 * a band is a maximal run of columns of one colour (columns with no layer colour do not break
 * a band, a different colour does).
 */
export function rasterBands(
  img: Image,
  area: { left: number; top: number; width: number; height: number },
  colours: string[],
  tol = 8,
): Band[] {
  const rgb = colours.map(parseHex);
  const bands: Band[] = [];
  const x0 = Math.ceil(area.left) + 1;
  const x1 = Math.min(img.width - 1, Math.floor(area.left + area.width) - 1);
  const y0 = Math.ceil(area.top) + 1;
  const y1 = Math.min(img.height - 1, Math.floor(area.top + area.height) - 1);
  for (let x = x0; x <= x1; x++) {
    const counts = new Array<number>(rgb.length).fill(0);
    for (let y = y0; y <= y1; y++) {
      const p = (y * img.width + x) * 4;
      const r = img.rgba[p]!;
      const g = img.rgba[p + 1]!;
      const b = img.rgba[p + 2]!;
      for (let k = 0; k < rgb.length; k++) {
        const c = rgb[k]!;
        if (Math.abs(r - c[0]) <= tol && Math.abs(g - c[1]) <= tol && Math.abs(b - c[2]) <= tol) {
          counts[k]!++;
          break;
        }
      }
    }
    let best = -1;
    for (let k = 0; k < counts.length; k++)
      if (counts[k]! > 0 && (best < 0 || counts[k]! > counts[best]!)) best = k;
    if (best < 0) continue;
    const last = bands[bands.length - 1];
    if (last && last.colour === colours[best]) last.x1 = x;
    else bands.push({ colour: colours[best]!, x0: x, x1: x });
  }
  return bands;
}
