import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkFrameRange, parseFrames } from '../../src/run/frames.js';
import { formatDuration, Progress } from '../../src/run/progress.js';
import { UserError } from '../../src/util/errors.js';

describe('--frames', () => {
  it('parses counts, ranges and all', () => {
    expect(parseFrames('5')).toEqual({ start: 0, end: 5 });
    expect(parseFrames(5)).toEqual({ start: 0, end: 5 });
    expect(parseFrames('10:20')).toEqual({ start: 10, end: 20 });
    expect(parseFrames('10-20')).toEqual({ start: 10, end: 20 });
    expect(parseFrames('7:')).toEqual({ start: 7, end: null });
    expect(parseFrames('all')).toEqual({ start: 0, end: null });
    for (const bad of ['0', '-3', 'x', '1.5', '3:a', ''])
      expect(() => parseFrames(bad)).toThrow(UserError);
  });

  it('accepts exactly the non-empty ranges inside the data set', () => {
    fc.assert(
      fc.property(fc.nat(50), fc.nat(50), fc.integer({ min: 1, max: 40 }), (a, b, n) => {
        const spec = `${a}:${b}`;
        const ok = b > a && b <= n;
        if (ok)
          expect(checkFrameRange(parseFrames(spec), n, 'mnist', spec)).toEqual({
            start: a,
            end: b,
          });
        else expect(() => checkFrameRange(parseFrames(spec), n, 'mnist', spec)).toThrow(UserError);
      }),
    );
    expect(checkFrameRange(parseFrames('all'), 12, 'mnist', 'all')).toEqual({ start: 0, end: 12 });
    expect(() => checkFrameRange(parseFrames('13'), 12, 'mnist', '13')).toThrow(
      '--frames 13: out of range; the mnist test set has 12 frames (0 to 11)',
    );
  });
});

describe('progress', () => {
  it('draws a bar with rate and ETA on a terminal, plain lines elsewhere', () => {
    let t = 0;
    const tty: string[] = [];
    const p = new Progress({ write: (s: string) => tty.push(s) }, { tty: true, now: () => t });
    p.start(100);
    t = 100;
    p.update(1); // too early: nothing
    expect(tty).toEqual([]);
    t = 2000;
    p.update(40);
    expect(tty[0]).toContain('40/100 frames (40%)');
    expect(tty[0]).toContain('20.0 frames/s');
    expect(tty[0]).toContain('ETA 0:03');
    expect(tty[0]).toMatch(/\[#{10}-{14}\]/);
    p.finish();
    expect(tty[tty.length - 1]).toBe('\r\x1b[K');

    const log: string[] = [];
    t = 0;
    const q = new Progress(
      { write: (s: string) => log.push(s) },
      { tty: false, now: () => t, logEverySeconds: 5 },
    );
    q.start(10);
    t = 1000;
    q.update(1);
    t = 6000;
    q.update(6);
    t = 7000;
    q.update(7);
    expect(log).toEqual(['simulating: 6/10 frames (60%)  1.0 frames/s  ETA 0:04\n']);
    expect(formatDuration(3723)).toBe('1:02:03');
  });
});
