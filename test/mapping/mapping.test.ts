import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { placementNames } from '../../src/hardware/config.js';
import { biasSram, mapNetwork } from '../../src/mapping/index.js';
import type { Mapping } from '../../src/mapping/types.js';
import { type Architecture, type LayerSpec, stages } from '../../src/snn/network.js';
import { UserError } from '../../src/util/errors.js';

const layerArb: fc.Arbitrary<LayerSpec> = fc.oneof(
  fc.record({
    kind: fc.constant('conv' as const),
    name: fc.constant('conv'),
    outChannels: fc.integer({ min: 1, max: 6 }),
    kernel: fc.integer({ min: 1, max: 3 }),
    stride: fc.integer({ min: 1, max: 2 }),
    padding: fc.integer({ min: 0, max: 1 }),
  }),
  fc.integer({ min: 1, max: 3 }).chain((stride) =>
    fc.record({
      kind: fc.constant('pool' as const),
      name: fc.constant('pool'),
      size: fc.integer({ min: 1, max: stride }),
      stride: fc.constant(stride),
    }),
  ),
  fc.constant({ kind: 'flatten' as const, name: 'flatten' }),
  fc.record({
    kind: fc.constant('dense' as const),
    name: fc.constant('dense'),
    units: fc.integer({ min: 1, max: 40 }),
  }),
);

const archArb: fc.Arbitrary<Architecture> = fc
  .record({
    c: fc.integer({ min: 1, max: 3 }),
    h: fc.integer({ min: 3, max: 16 }),
    w: fc.integer({ min: 3, max: 16 }),
    direct: fc.boolean(),
    layers: fc.array(layerArb, { minLength: 1, maxLength: 6 }),
  })
  .map(({ c, h, w, direct, layers }) => {
    // Every other weighted layer has a bias (no extra draw: the generated cases stay the same).
    const named = layers.map((l, i) => ({
      ...l,
      name: `${l.kind}${i}`,
      ...((l.kind === 'conv' || l.kind === 'dense') && i % 2 === 0 ? { bias: true } : {}),
    }));
    return {
      input: { c, h, w },
      encoding: direct ? { kind: 'direct' as const } : { kind: 'pixel' as const, maxValue: 1 },
      layers: named,
      readout: 'first-spike' as const,
    };
  });

/** Maps, or returns null where the architecture is invalid or cannot be mapped by design. */
function tryMap(
  arch: Architecture,
  chip: Parameters<typeof mapNetwork>[1]['chip'],
): Mapping | null {
  try {
    stages(arch);
  } catch {
    return null;
  }
  if (arch.encoding.kind === 'direct' && arch.layers[0]!.kind !== 'conv') return null;
  try {
    return mapNetwork(arch, { chip }, { model: 'random' });
  } catch (err) {
    if (err instanceof UserError && /exceed/.test(err.message)) return null;
    throw err;
  }
}

function checkMapping(arch: Architecture, m: Mapping): void {
  const all = stages(arch);
  // Every neuron of every mapped stage is in exactly one core, and the lookup agrees.
  for (const sm of m.stages) {
    const { c, h, w } = sm.shape;
    const seen = new Int32Array(sm.size);
    const owner = new Int32Array(sm.size).fill(-1);
    for (const core of sm.cores) {
      expect(core.stage).toBe(sm.stage);
      expect(core.neurons).toBeLessThanOrEqual(m.neuronsPerCore);
      expect(core.neurons).toBeGreaterThan(0);
      expect(core.neurons).toBe(
        (core.channelEnd - core.channelStart) * (core.rowEnd - core.rowStart) * w,
      );
      for (let ch = core.channelStart; ch < core.channelEnd; ch++) {
        for (let y = core.rowStart; y < core.rowEnd; y++) {
          for (let x = 0; x < w; x++) {
            const i = (ch * h + y) * w + x;
            seen[i]!++;
            owner[i] = core.id;
          }
        }
      }
    }
    expect(c * h * w).toBe(sm.size);
    expect(seen.every((n) => n === 1)).toBe(true);
    expect(Array.from(m.coreOfNeuron[sm.stage]!)).toEqual(Array.from(owner));
    // Equally sized groups: channel counts per core differ by at most one.
    const groups = sm.cores.map((k) => k.channelEnd - k.channelStart);
    expect(Math.max(...groups) - Math.min(...groups)).toBeLessThanOrEqual(1);
  }
  expect(m.cores.reduce((n, k) => n + k.neurons, 0)).toBe(m.neurons);
  // Biases: a core of a layer with a bias stores one per channel it holds; the encoding none.
  for (const sm of m.stages) {
    const layer = all[sm.stage]!.layer;
    const biased =
      sm.role === 'layer' && (layer?.kind === 'conv' || layer?.kind === 'dense') && !!layer.bias;
    for (const core of sm.cores) {
      expect(core.biasParams).toBe(biased ? core.channelEnd - core.channelStart : 0);
    }
    expect(sm.biasParams).toBe(sm.cores.reduce((n, k) => n + k.biasParams, 0));
    // A bias channel split into row bands is stored once per band.
    if (biased) expect(sm.biasParams).toBe(sm.shape.c * sm.bands);
  }
  expect(m.biasParams).toBe(m.stages.reduce((n, sm) => n + sm.biasParams, 0));
  for (const bits of [null, 2, 4, 8]) {
    const sram = biasSram(m, bits);
    expect(sram.bitsPerBias).toBe(bits === null ? 32 : 2 * bits);
    expect(sram.totalBits).toBe(m.biasParams * sram.bitsPerBias);
    m.cores.forEach((core) => {
      expect(sram.coreBits[core.id]).toBe(core.biasParams * sram.bitsPerBias);
    });
  }
  // Pooling regions never straddle cores, and the pooled neuron lives on the region's core.
  for (const st of all) {
    if (st.layer?.kind !== 'pool') continue;
    const prev = all[st.stage - 1]!;
    const src = m.coreOfNeuron[prev.stage];
    const dst = m.coreOfNeuron[st.stage];
    if (!src) continue;
    const { size, stride } = st.layer;
    let straddling = 0;
    for (let ch = 0; ch < st.shape.c; ch++) {
      for (let y = 0; y < st.shape.h; y++) {
        for (let x = 0; x < st.shape.w; x++) {
          const core = dst![(ch * st.shape.h + y) * st.shape.w + x]!;
          for (let dy = 0; dy < size; dy++) {
            for (let dx = 0; dx < size; dx++) {
              const i = (ch * prev.shape.h + y * stride + dy) * prev.shape.w + x * stride + dx;
              if (src[i] !== core) straddling++;
            }
          }
        }
      }
    }
    expect(straddling, `pool stage ${st.stage}`).toBe(0);
  }
  // Placements are inside the mesh and distinct.
  const nodes = new Set<number>();
  for (const core of m.cores) {
    expect(core.node).toBeGreaterThanOrEqual(0);
    expect(core.node).toBeLessThan(m.meshWidth * m.meshHeight);
    expect(core.x).toBe(core.node % m.meshWidth);
    expect(core.y).toBe(Math.floor(core.node / m.meshWidth));
    expect(m.coreOfNode[core.node]).toBe(core.id);
    nodes.add(core.node);
  }
  expect(nodes.size).toBe(m.coresUsed);
  expect(m.coresUsed).toBe(m.cores.length);
  expect(m.utilization).toBeCloseTo(m.neurons / (m.coresUsed * m.neuronsPerCore), 12);
  // Every stage on the chip has a lookup with a valid core for each neuron.
  for (const st of all) {
    const lookup = m.coreOfNeuron[st.stage];
    const onHost = arch.encoding.kind === 'direct' && st.stage === 0;
    if (onHost) {
      expect(lookup).toBeNull();
      expect(m.hostOf[0]).toBe(-1);
      continue;
    }
    expect(lookup!.length).toBe(st.size);
    const host = m.stages[m.hostOf[st.stage]!]!;
    expect(lookup!.every((core) => core >= 0 && m.cores[core]!.stage === host.stage)).toBe(true);
  }
}

describe('mapping properties', () => {
  it('holds every neuron once, within core capacity, pools inside cores, distinct nodes', () => {
    let mapped = 0;
    let alignedBands = 0;
    let direct = 0;
    fc.assert(
      fc.property(
        archArb,
        fc.oneof(fc.integer({ min: 8, max: 48 }), fc.integer({ min: 8, max: 300 })),
        fc.constantFrom(...placementNames),
        fc.option(fc.integer({ min: 0, max: 4 }), { nil: null }),
        (arch, neuronsPerCore, placement, extra) => {
          const first = tryMap(arch, {
            neuronsPerCore,
            meshWidth: null,
            meshHeight: null,
            placement,
          });
          if (first === null) return;
          mapped++;
          if (first.stages.some((st) => st.bands > 1 && st.rowAlign > 1)) alignedBands++;
          if (arch.encoding.kind === 'direct') direct++;
          checkMapping(arch, first);
          // The smallest square that fits.
          const side = first.meshWidth;
          expect(side * side).toBeGreaterThanOrEqual(first.coresUsed);
          expect((side - 1) * (side - 1)).toBeLessThan(first.coresUsed);
          if (extra !== null) {
            const w = side + extra;
            const m = mapNetwork(arch, {
              chip: { neuronsPerCore, meshWidth: w, meshHeight: null, placement },
            });
            expect(m.meshWidth).toBe(w);
            expect(m.meshHeight).toBe(Math.ceil(first.coresUsed / w));
            checkMapping(arch, m);
          }
        },
      ),
      { seed: 7, numRuns: 400 },
    );
    // The generator reaches the interesting cases: pooling-aligned bands, direct encoding.
    expect(mapped).toBeGreaterThan(100);
    expect(alignedBands).toBeGreaterThan(3);
    expect(direct).toBeGreaterThan(10);
  });

  it('keeps pooling regions inside cores when conv maps are split into bands', () => {
    const arb = fc.record({
      h: fc.integer({ min: 4, max: 24 }),
      w: fc.integer({ min: 4, max: 12 }),
      out: fc.integer({ min: 1, max: 4 }),
      stride: fc.integer({ min: 2, max: 3 }),
      gap: fc.integer({ min: 0, max: 1 }),
      twice: fc.boolean(),
      fraction: fc.double({ min: 0, max: 1, noNaN: true }),
      direct: fc.boolean(),
    });
    fc.assert(
      fc.property(arb, ({ h, w, out, stride, gap, twice, fraction, direct }) => {
        const pool: LayerSpec = { kind: 'pool', name: 'p', size: stride - gap, stride };
        const layers: LayerSpec[] = [
          { kind: 'conv', name: 'c0', outChannels: out, kernel: 3, stride: 1, padding: 1 },
          { kind: 'conv', name: 'c1', outChannels: out, kernel: 3, stride: 1, padding: 1 },
          { ...pool, name: 'p1' },
        ];
        if (twice) layers.push({ ...pool, name: 'p2' });
        layers.push({ kind: 'dense', name: 'd', units: 5 });
        const arch: Architecture = {
          input: { c: 1, h, w },
          encoding: direct ? { kind: 'direct' } : { kind: 'pixel', maxValue: 1 },
          layers,
          readout: 'first-spike',
        };
        const align = twice ? stride * stride : stride;
        const neuronsPerCore = Math.max(
          align * w,
          Math.floor(align * w + fraction * (h * w - align * w)),
        );
        const m = tryMap(arch, {
          neuronsPerCore,
          meshWidth: null,
          meshHeight: null,
          placement: 'layer-affinity',
        });
        if (m === null) return;
        checkMapping(arch, m);
        const conv = m.stages.find((st) => st.name === 'c1')!;
        expect(conv.rowAlign).toBe(align);
        for (const core of conv.cores) {
          expect(core.rowStart % align).toBe(0);
        }
      }),
      { seed: 11, numRuns: 200 },
    );
  });

  it('splits a large map into pooling-aligned row bands', () => {
    const arch: Architecture = {
      input: { c: 1, h: 10, w: 10 },
      encoding: { kind: 'pixel', maxValue: 1 },
      layers: [
        { kind: 'conv', name: 'c1', outChannels: 2, kernel: 3, stride: 1, padding: 1 },
        { kind: 'pool', name: 'p1', size: 2, stride: 2 },
        { kind: 'dense', name: 'd', units: 3 },
      ],
      readout: 'first-spike',
    };
    const m = mapNetwork(arch, {
      chip: { neuronsPerCore: 35, meshWidth: null, meshHeight: null, placement: 'snake' },
    });
    const conv = m.stages[1]!;
    expect(conv.rowAlign).toBe(2);
    // 35 neurons hold 3 rows of 10, aligned down to 2 rows: 5 bands of 2 rows per channel.
    expect(conv.bands).toBe(5);
    expect(conv.cores.map((c) => [c.channelStart, c.rowStart, c.rowEnd])).toEqual([
      [0, 0, 2],
      [0, 2, 4],
      [0, 4, 6],
      [0, 6, 8],
      [0, 8, 10],
      [1, 0, 2],
      [1, 2, 4],
      [1, 4, 6],
      [1, 6, 8],
      [1, 8, 10],
    ]);
    // The encoding (100 neurons, no pool after it) takes 3 rows per band: 4 bands, balanced.
    expect(m.stages[0]!.cores.map((c) => c.rowEnd - c.rowStart)).toEqual([3, 3, 2, 2]);
    checkMapping(arch, m);
  });

  it('refuses to split a map whose pooling regions overlap', () => {
    const arch: Architecture = {
      input: { c: 1, h: 9, w: 9 },
      encoding: { kind: 'pixel', maxValue: 1 },
      layers: [
        { kind: 'conv', name: 'c1', outChannels: 1, kernel: 1, stride: 1, padding: 0 },
        { kind: 'pool', name: 'p1', size: 3, stride: 2 },
      ],
      readout: 'first-spike',
    };
    const chip = {
      neuronsPerCore: 40,
      meshWidth: null,
      meshHeight: null,
      placement: 'snake' as const,
    };
    expect(() => mapNetwork(arch, { chip })).toThrow(/c1.*overlaps/);
    // Fine when the whole map fits one core.
    expect(mapNetwork(arch, { chip: { ...chip, neuronsPerCore: 81 } }).coresUsed).toBe(2);
  });

  it('says how many cores the network needs when the mesh is too small', () => {
    const arch: Architecture = {
      input: { c: 1, h: 8, w: 8 },
      encoding: { kind: 'pixel', maxValue: 1 },
      layers: [{ kind: 'conv', name: 'c1', outChannels: 8, kernel: 3, stride: 1, padding: 1 }],
      readout: 'first-spike',
    };
    const chip = { neuronsPerCore: 64, meshWidth: 2, meshHeight: 2, placement: 'snake' as const };
    expect(() => mapNetwork(arch, { chip }, { model: 'tiny' })).toThrow(
      new UserError('model tiny needs 9 cores; the 2x2 mesh has 4'),
    );
  });
});
