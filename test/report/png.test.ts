import { describe, expect, it } from 'vitest';
import { rasterBands } from './helpers.js';
import { decodePng, encodePng } from './png.js';

describe('PNG decoder', () => {
  it('round-trips RGB and RGBA images through every row filter', () => {
    for (const channels of [3, 4] as const) {
      const w = 7;
      const h = 10;
      const px = new Uint8Array(w * h * channels);
      for (let i = 0; i < px.length; i++) px[i] = (i * 37 + (i >> 3) * 11) & 255;
      const img = decodePng(encodePng(w, h, px, channels, (y) => y % 5));
      expect([img.width, img.height]).toEqual([w, h]);
      for (let p = 0; p < w * h; p++) {
        for (let c = 0; c < 3; c++) expect(img.rgba[p * 4 + c]).toBe(px[p * channels + c]);
        expect(img.rgba[p * 4 + 3]).toBe(channels === 4 ? px[p * channels + 3] : 255);
      }
    }
  });

  it('rejects what is not a PNG', () => {
    expect(() => decodePng(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]))).toThrow(/not a PNG/);
  });
});

describe('rasterBands', () => {
  it('counts runs of one colour along x, bridging empty columns, split by a new colour', () => {
    const w = 40;
    const h = 10;
    const rgba = new Uint8Array(w * h * 4).fill(255);
    const put = (x: number, y: number, c: [number, number, number]) => {
      rgba.set([...c, 255], (y * w + x) * 4);
    };
    // red at x 5..8 with a gap at 7, blue at 12..13, red again at 20, blue directly after at 21.
    for (const x of [5, 6, 8]) put(x, 3, [204, 102, 119]);
    for (const x of [12, 13]) put(x, 6, [51, 34, 136]);
    put(20, 2, [204, 102, 119]);
    put(21, 2, [51, 34, 136]);
    const bands = rasterBands(
      { width: w, height: h, rgba },
      { left: 0, top: 0, width: w, height: h },
      ['#CC6677', '#332288'],
    );
    expect(bands).toEqual([
      { colour: '#CC6677', x0: 5, x1: 8 },
      { colour: '#332288', x0: 12, x1: 13 },
      { colour: '#CC6677', x0: 20, x1: 20 },
      { colour: '#332288', x0: 21, x1: 21 },
    ]);
  });
});
