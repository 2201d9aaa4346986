import fc from 'fast-check';
import type { Architecture, LayerSpec, Network, Shape3 } from '../snn/network.js';
import { stages, weightCount } from '../snn/network.js';

/**
 * fast-check arbitraries for small random DFT networks (conv, pool, flatten, dense), shared by
 * the reference, simulator and trainer tests. Weights are multiples of 1/64 when `dyadic`.
 */
export interface ArbOptions {
  dyadic?: boolean;
  maxLayers?: number;
  encoding?: 'pixel' | 'direct' | 'any';
  /**
   * Biases: each conv and dense layer has one with probability 1/2, and the network carries
   * `biases` (null for the layers without); values include zero and negatives. Default false
   * (no bias anywhere, and the same draws as before biases existed).
   */
  bias?: boolean;
}

const convArb = (i: number) =>
  fc.record({
    kind: fc.constant('conv' as const),
    name: fc.constant(`conv${i}`),
    outChannels: fc.integer({ min: 1, max: 4 }),
    kernel: fc.integer({ min: 1, max: 3 }),
    stride: fc.integer({ min: 1, max: 2 }),
    padding: fc.integer({ min: 0, max: 1 }),
  });

/** An architecture: a few conv/pool layers, then flatten + 1-2 dense layers. */
export function archArb(opts: ArbOptions = {}): fc.Arbitrary<Architecture> {
  const base = fc
    .record({
      c: fc.integer({ min: 1, max: 3 }),
      h: fc.integer({ min: 4, max: 9 }),
      w: fc.integer({ min: 4, max: 9 }),
      convs: fc.array(fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.boolean()), {
        minLength: opts.encoding === 'direct' ? 1 : 0,
        maxLength: opts.maxLayers ?? 3,
      }),
      dense: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 2 }),
      readout: fc.constantFrom('first-spike' as const, 'membrane' as const),
      direct: opts.encoding === 'any' ? fc.boolean() : fc.constant(opts.encoding === 'direct'),
    })
    .chain((r) => {
      const convs = r.convs.map((_, i) => convArb(i + 1));
      return fc.tuple(
        fc.constant(r),
        convs.length ? fc.tuple(...convs) : fc.constant([] as never[]),
      );
    })
    .map(([r, convs]) => {
      const input: Shape3 = { c: r.c, h: r.h, w: r.w };
      const layers: LayerSpec[] = [];
      let shape = input;
      convs.forEach((conv, i) => {
        const k = Math.min(conv.kernel, shape.h + 2 * conv.padding, shape.w + 2 * conv.padding);
        const spec = { ...conv, kernel: k };
        const h = Math.floor((shape.h + 2 * spec.padding - k) / spec.stride) + 1;
        const w = Math.floor((shape.w + 2 * spec.padding - k) / spec.stride) + 1;
        layers.push(spec);
        shape = { c: spec.outChannels, h, w };
        if (r.convs[i]![1] && shape.h >= 2 && shape.w >= 2) {
          layers.push({ kind: 'pool', name: `pool${i + 1}`, size: 2, stride: 2 });
          shape = { c: shape.c, h: Math.floor(shape.h / 2), w: Math.floor(shape.w / 2) };
        }
      });
      layers.push({ kind: 'flatten', name: 'flatten' });
      r.dense.forEach((units, i) => {
        layers.push({ kind: 'dense', name: `fc${i + 1}`, units });
      });
      const direct = r.direct && layers[0]?.kind === 'conv';
      return {
        input,
        encoding: direct
          ? { kind: 'direct' as const }
          : { kind: 'pixel' as const, maxValue: opts.dyadic ? 64 : 255 },
        layers,
        readout: r.readout,
      };
    });
  return opts.bias ? base.chain(withBiasFlags) : base;
}

/** The architecture with `bias` drawn for each conv and dense layer. */
function withBiasFlags(arch: Architecture): fc.Arbitrary<Architecture> {
  return fc
    .array(fc.boolean(), { minLength: arch.layers.length, maxLength: arch.layers.length })
    .map((flags) => ({
      ...arch,
      layers: arch.layers.map((l, i) =>
        (l.kind === 'conv' || l.kind === 'dense') && flags[i] ? { ...l, bias: true } : l,
      ),
    }));
}

/**
 * Biases for the layers with `bias: true` (null elsewhere): per output channel, 0 a third of the
 * time, else in [-0.6, 0.8] (multiples of 1/64 when `dyadic`), so some neurons fire on the bias
 * alone, some start at the window start and some are held silent.
 */
export function biasesArb(
  arch: Architecture,
  dyadic: boolean,
): fc.Arbitrary<(Float32Array | null)[]> {
  const st = stages(arch);
  const value = dyadic
    ? fc.integer({ min: -38, max: 51 }).map((k) => k / 64)
    : fc.double({ min: -0.6, max: 0.8, noNaN: true });
  const arbs = arch.layers.map((l, i) => {
    if (!((l.kind === 'conv' || l.kind === 'dense') && l.bias)) return fc.constant(null);
    const n = st[i + 1]!.shape.c;
    return fc
      .array(fc.oneof(fc.constant(0), value, value), { minLength: n, maxLength: n })
      .map((a) => Float32Array.from(a));
  });
  return fc.tuple(...arbs);
}

/** Weights for an architecture, scaled so that a fair share of neurons fire. */
export function weightsArb(arch: Architecture, dyadic: boolean): fc.Arbitrary<Float32Array[]> {
  const st = stages(arch);
  const arbs = arch.layers.map((layer, i) => {
    const n = weightCount(layer, st[i]!.shape);
    if (n === 0) return fc.constant(new Float32Array(0));
    const fanIn =
      n / (layer.kind === 'conv' ? layer.outChannels : layer.kind === 'dense' ? layer.units : 1);
    const scale = Math.max(1, Math.round((64 * 1.5) / Math.sqrt(fanIn)));
    const value = dyadic
      ? fc.integer({ min: -scale, max: 2 * scale }).map((k) => k / 64)
      : fc.double({ min: -scale / 64, max: (2 * scale) / 64, noNaN: true });
    return fc.array(value, { minLength: n, maxLength: n }).map((a) => Float32Array.from(a));
  });
  return fc.tuple(...arbs);
}

/**
 * Raw input values: integer pixel values up to `maxValue` (a third of them 0), or, for `direct`
 * encoding, reals in [0, 1] (multiples of 1/64 when `dyadic`).
 */
export function inputArb(arch: Architecture, dyadic = false): fc.Arbitrary<Float32Array> {
  const n = arch.input.c * arch.input.h * arch.input.w;
  const value =
    arch.encoding.kind === 'pixel'
      ? fc.oneof(fc.constant(0), fc.integer({ min: 0, max: arch.encoding.maxValue }))
      : dyadic
        ? fc.integer({ min: 0, max: 64 }).map((k) => k / 64)
        : fc.double({ min: 0, max: 1, noNaN: true });
  return fc.array(value, { minLength: n, maxLength: n }).map((a) => Float32Array.from(a));
}

/** A whole random network with one input. */
export function networkAndInputArb(
  opts: ArbOptions = {},
): fc.Arbitrary<{ net: Network; input: Float32Array }> {
  const dyadic = opts.dyadic ?? false;
  return archArb(opts).chain((arch) =>
    fc.record({
      net: opts.bias
        ? fc
            .tuple(weightsArb(arch, dyadic), biasesArb(arch, dyadic))
            .map(([weights, biases]) => ({ arch, weights, biases }))
        : weightsArb(arch, dyadic).map((weights) => ({ arch, weights })),
      input: inputArb(arch, dyadic),
    }),
  );
}
