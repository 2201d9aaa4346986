/**
 * Colours. Layers get colours from Paul Tol's colour-blind-safe "muted" qualitative scheme, in
 * stage order, so that a layer has the same colour in every figure of a report (raster, bars,
 * mesh). Pool and flatten stages live on their producer's cores and fire in its window: they
 * take the producer's colour. Heatmaps use viridis (perceptually uniform, colour-blind safe,
 * readable in grey-scale print). Energy components use fixed Okabe-Ito colours.
 */

/** Paul Tol's "muted" scheme (https://personal.sron.nl/~pault/), 9 colours. */
export const LAYER_COLOURS = [
  '#332288', // indigo
  '#88CCEE', // cyan
  '#44AA99', // teal
  '#117733', // green
  '#999933', // olive
  '#DDCC77', // sand
  '#CC6677', // rose
  '#882255', // wine
  '#AA4499', // purple
] as const;

/** Energy components (Okabe-Ito): SOP blue, hop vermillion, static grey. */
export const ENERGY_COLOURS = { sop: '#0072B2', hop: '#D55E00', static: '#A0A0A0' } as const;

/** Colour for "no data / zero" cells in heatmaps and empty mesh nodes. */
export const EMPTY_COLOUR = '#F2F2F2';

export interface LayerLike {
  name: string;
  kind?: string;
}

/**
 * A colour per layer name. `layers` in stage order; layers of kind `pool` or `flatten` reuse
 * the colour of the layer before them; the others take the next colour of `LAYER_COLOURS`,
 * cycling after 9 (adjacent colour-owning layers always differ). Names met later that are not
 * in `layers` (e.g. a core record's `encoding`) get the next colours via `colourOf`.
 */
export class LayerPalette {
  private readonly map = new Map<string, string>();
  private next = 0;

  constructor(layers: LayerLike[]) {
    let previous: string | undefined;
    for (const l of layers) {
      if (this.map.has(l.name)) continue;
      if ((l.kind === 'pool' || l.kind === 'flatten') && previous !== undefined) {
        this.map.set(l.name, previous);
      } else {
        previous = this.take();
        this.map.set(l.name, previous);
      }
    }
  }

  private take(): string {
    const c = LAYER_COLOURS[this.next % LAYER_COLOURS.length]!;
    this.next++;
    return c;
  }

  /** Gives `name` the colour of `of` (unless `name` already has one). */
  alias(name: string, of: string): void {
    if (!this.map.has(name)) this.map.set(name, this.colourOf(of));
  }

  colourOf(name: string): string {
    let c = this.map.get(name);
    if (c === undefined) {
      c = this.take();
      this.map.set(name, c);
    }
    return c;
  }
}

/** Viridis anchors (matplotlib), t = 0, 1/8, ..., 1. */
const VIRIDIS: [number, number, number][] = [
  [68, 1, 84],
  [71, 44, 122],
  [59, 81, 139],
  [44, 113, 142],
  [33, 144, 141],
  [39, 173, 129],
  [92, 200, 99],
  [170, 220, 50],
  [253, 231, 37],
];

function hex2(v: number): string {
  return Math.round(Math.min(255, Math.max(0, v)))
    .toString(16)
    .padStart(2, '0');
}

/** Viridis colour for `t` in [0, 1] (clamped; NaN gives the low end), as `#rrggbb`. */
export function viridis(t: number): string {
  const c = Number.isFinite(t) ? Math.min(1, Math.max(0, t)) : 0;
  const pos = c * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(pos));
  const f = pos - i;
  const a = VIRIDIS[i]!;
  const b = VIRIDIS[i + 1]!;
  return `#${hex2(a[0] + (b[0] - a[0]) * f)}${hex2(a[1] + (b[1] - a[1]) * f)}${hex2(a[2] + (b[2] - a[2]) * f)}`;
}

/** `#rrggbb` to `[r, g, b]`. */
export function parseHex(colour: string): [number, number, number] {
  const m = /^#([0-9a-f]{6})$/i.exec(colour);
  if (!m) throw new Error(`not a #rrggbb colour: ${colour}`);
  const v = Number.parseInt(m[1]!, 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}
