import { describe, expect, it } from 'vitest';
import {
  createOptimizerState,
  defaultOptimizerConfig,
  learningRate,
  optimizerStep,
} from '../../src/train/optimizer.js';

describe('optimizer', () => {
  it('Adam: the first step moves each weight by lr against the sign of its gradient', () => {
    const cfg = defaultOptimizerConfig('adam');
    const w = Float32Array.from([0.5, -0.25, 0.125]);
    const g = Float64Array.from([2, -0.001, 30]);
    const st = createOptimizerState(3);
    optimizerStep(cfg, st, w, g, 0.01);
    // m/(1-b1) = g, v/(1-b2) = g^2: the step is lr * g / (|g| + eps)
    expect(w[0]).toBeCloseTo(0.49, 6);
    expect(w[1]).toBeCloseTo(-0.24, 4);
    expect(w[2]).toBeCloseTo(0.115, 6);
    expect(st.step).toBe(1);
  });

  it('AdamW decays the weights decoupled from the gradient; Adam adds wd * w to it', () => {
    const w1 = Float32Array.from([1]);
    const w2 = Float32Array.from([1]);
    const zero = Float64Array.from([0]);
    optimizerStep(
      { ...defaultOptimizerConfig('adamw'), weightDecay: 0.1 },
      createOptimizerState(1),
      w1,
      zero,
      0.01,
    );
    expect(w1[0]).toBeCloseTo(1 - 0.01 * 0.1, 7);
    optimizerStep(
      { ...defaultOptimizerConfig('adam'), weightDecay: 0.1 },
      createOptimizerState(1),
      w2,
      zero,
      0.01,
    );
    expect(w2[0]).toBeCloseTo(1 - 0.01, 6);
  });

  it('milestone decay multiplies the rate by gamma at each milestone epoch', () => {
    const cfg = { ...defaultOptimizerConfig('adam'), lr: 1e-3, milestones: [2, 4], gamma: 0.1 };
    expect([0, 1, 2, 3, 4, 9].map((e) => learningRate(cfg, e))).toEqual([
      1e-3,
      1e-3,
      1e-3 * 0.1,
      1e-3 * 0.1,
      1e-3 * 0.1 * 0.1,
      1e-3 * 0.1 * 0.1,
    ]);
  });
});
