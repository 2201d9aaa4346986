import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bandScale,
  linearScale,
  niceDomainFromZero,
  niceTicks,
  siUnit,
  svgDocument,
  timeUnitNs,
} from '../../src/report/svg/axes.js';
import { escapeXml, fmtValue, num } from '../../src/report/svg/escape.js';
import { LAYER_COLOURS, LayerPalette, parseHex, viridis } from '../../src/report/svg/palette.js';

describe('scales', () => {
  it('linearScale maps domain ends to range ends, also reversed (y axes)', () => {
    const x = linearScale([0, 10], [100, 600]);
    expect([x(0), x(5), x(10), x(-2)]).toEqual([100, 350, 600, 0]);
    const y = linearScale([0, 1], [400, 40]);
    expect([y(0), y(0.25), y(1)]).toEqual([400, 310, 40]);
    expect(linearScale([3, 3], [0, 10])(3)).toBe(5);
  });

  it('bandScale centres bands and leaves the padding around them', () => {
    const b = bandScale(4, [0, 400], 0.5);
    expect(b.bandwidth).toBe(50);
    expect([b.start(0), b.centre(0), b.start(3), b.centre(3)]).toEqual([25, 50, 325, 350]);
  });

  it('niceTicks gives 1-2-5 steps inside the range', () => {
    expect(niceTicks(0, 1, 4)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, 100, 5)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(3, 17, 5)).toEqual([4, 6, 8, 10, 12, 14, 16]);
    expect(niceTicks(2, 2)).toEqual([2]);
    fc.assert(
      fc.property(
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.double({ min: 1e-6, max: 1e6, noNaN: true }),
        fc.integer({ min: 2, max: 10 }),
        (lo, span, count) => {
          const hi = lo + span;
          const t = niceTicks(lo, hi, count);
          const step = t.length > 1 ? t[1]! - t[0]! : span;
          const mantissa = step / 10 ** Math.floor(Math.log10(step));
          expect([1, 2, 5, 10].some((m) => Math.abs(mantissa - m) < 1e-4)).toBe(true);
          for (const v of t) {
            expect(v).toBeGreaterThanOrEqual(lo - span * 1e-9);
            expect(v).toBeLessThanOrEqual(hi + span * 1e-9);
          }
          expect(t.length).toBeGreaterThanOrEqual(1);
          expect(t.length).toBeLessThanOrEqual(3 * count + 1);
        },
      ),
      { seed: 8 },
    );
  });

  it('niceDomainFromZero covers the maximum with a nice top', () => {
    expect(niceDomainFromZero(7.3)).toEqual([0, 8]);
    expect(niceDomainFromZero(0)).toEqual([0, 1]);
    expect(niceDomainFromZero(1000)).toEqual([0, 1000]);
  });

  it('siUnit picks the prefix that puts the maximum in [1, 1000)', () => {
    expect(siUnit(5e-5, 'J')).toEqual({ factor: 1e6, unit: 'µJ' });
    expect(siUnit(3.52e-6, 'J').unit).toBe('µJ');
    expect(siUnit(2e-10, 'J')).toEqual({ factor: 1e12, unit: 'pJ' });
    expect(siUnit(0.5, 'J').unit).toBe('mJ');
    expect(siUnit(0, 'J')).toEqual({ factor: 1, unit: 'J' });
    expect(timeUnitNs(500).unit).toBe('ns');
    expect(timeUnitNs(5e4)).toEqual({ factor: 1e-3, unit: 'µs' });
  });
});

describe('escaping and formatting', () => {
  it('escapes markup and drops characters XML forbids', () => {
    expect(escapeXml(`<script>"a" & 'b'</script>`)).toBe(
      '&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;',
    );
    expect(escapeXml('a\u0000b\u0008c\td\uFFFE')).toBe('abc\td');
    expect(escapeXml('µJ 😀')).toBe('µJ 😀');
    expect(escapeXml('x\uD800y')).toBe('xy');
  });

  it('formats coordinates and values', () => {
    expect([num(1.005), num(-0.001), num(12)]).toEqual(['1', '0', '12']);
    expect(fmtValue(12202)).toBe('12,202');
    expect(fmtValue(0.25612)).toBe('0.256');
    expect(fmtValue(3.2e-7)).toBe('3.20e-7');
  });

  it('svgDocument declares a viewBox, the SVG namespace and escapes its title', () => {
    const s = svgDocument(100, 50, 'a<b', 'd', '', 'x');
    expect(s).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" id="x" viewBox="0 0 100 50"/);
    expect(s).toContain('<title>a&lt;b</title>');
  });
});

describe('palette', () => {
  it('gives each colour-owning layer the next colour; pool/flatten share their producer’s', () => {
    const p = new LayerPalette([
      { name: 'input', kind: 'input' },
      { name: 'conv1', kind: 'conv' },
      { name: 'pool1', kind: 'pool' },
      { name: 'flatten1', kind: 'flatten' },
      { name: 'fc1', kind: 'dense' },
    ]);
    expect(p.colourOf('input')).toBe(LAYER_COLOURS[0]);
    expect(p.colourOf('conv1')).toBe(LAYER_COLOURS[1]);
    expect(p.colourOf('pool1')).toBe(LAYER_COLOURS[1]);
    expect(p.colourOf('flatten1')).toBe(LAYER_COLOURS[1]);
    expect(p.colourOf('fc1')).toBe(LAYER_COLOURS[2]);
    p.alias('encoding', 'input');
    expect(p.colourOf('encoding')).toBe(LAYER_COLOURS[0]);
    expect(p.colourOf('other')).toBe(LAYER_COLOURS[3]);
    expect(p.colourOf('other')).toBe(LAYER_COLOURS[3]);
  });

  it('never gives neighbouring layers the same colour, even past 9 layers', () => {
    const layers = Array.from({ length: 30 }, (_, i) => ({ name: `l${i}`, kind: 'conv' }));
    const p = new LayerPalette(layers);
    for (let i = 1; i < 30; i++) expect(p.colourOf(`l${i}`)).not.toBe(p.colourOf(`l${i - 1}`));
    expect(new Set(LAYER_COLOURS).size).toBe(LAYER_COLOURS.length);
  });

  it('viridis runs from dark purple to yellow and clamps', () => {
    expect(viridis(0)).toBe('#440154');
    expect(viridis(1)).toBe('#fde725');
    expect(viridis(-3)).toBe('#440154');
    expect(viridis(Number.NaN)).toBe('#440154');
    expect(viridis(0.5)).toBe('#21908d');
    expect(parseHex('#218f8d')).toEqual([33, 143, 141]);
    // Luminance grows monotonically (readable in grey-scale print).
    const lum = (c: string) => {
      const [r, g, b] = parseHex(c);
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    for (let i = 1; i <= 20; i++)
      expect(lum(viridis(i / 20))).toBeGreaterThan(lum(viridis((i - 1) / 20)));
  });
});
