import { biasSram } from './bias.js';
import type { CoreAssignment, Mapping } from './types.js';

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function padLeft(s: string, n: number): string {
  return s.length >= n ? s : ' '.repeat(n - s.length) + s;
}

/** `x0-x1` range of the mesh positions of some cores, e.g. `(0,0)..(7,1)`. */
function nodeSpan(cores: CoreAssignment[]): string {
  const xs = cores.map((c) => c.x);
  const ys = cores.map((c) => c.y);
  return `x ${Math.min(...xs)}-${Math.max(...xs)}, y ${Math.min(...ys)}-${Math.max(...ys)}`;
}

/** Letter shown for mapped stage `i` in the mesh picture: 0-9, then a-z, then A-Z. */
function stageGlyph(i: number): string {
  const glyphs = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  return i < glyphs.length ? glyphs[i]! : '#';
}

/**
 * A terminal view: one line per mapped stage (cores, neurons per core, channel groups x row
 * bands, hosted pool/flatten stages, where on the mesh), a summary, the biases the cores store
 * and their SRAM bits for `weightBits` (default 4, the chip default; null: float), and for
 * meshes up to 64 wide a picture with one glyph per node: the mapped stage's row number, `.` for
 * a free node.
 */
export function formatMapping(m: Mapping, weightBits: number | null = 4): string {
  const lines: string[] = [];
  lines.push(
    `${m.model}: ${m.coresUsed} cores on a ${m.meshWidth}x${m.meshHeight} mesh (${m.meshWidth * m.meshHeight} nodes), ${m.neurons} neurons, utilization ${(100 * m.utilization).toFixed(1)}% of ${m.neuronsPerCore} neurons/core, placement ${m.placement}`,
  );
  lines.push(
    `  #  stage  name          window  shape (CxHxW)   cores  neurons/core  split (ch/core x bands)  hosts  mesh`,
  );
  m.stages.forEach((s, i) => {
    const perCore = s.cores.map((c) => c.neurons);
    const minN = Math.min(...perCore);
    const maxN = Math.max(...perCore);
    const split = `${s.channelsPerCore} x ${s.bands}${s.rowAlign > 1 ? ` (rows %${s.rowAlign})` : ''}`;
    lines.push(
      [
        padLeft(stageGlyph(i), 3),
        padLeft(String(s.stage), 6),
        ` ${pad(s.role === 'encoding' ? `${s.name}*` : s.name, 13)}`,
        padLeft(String(s.window), 6),
        `  ${pad(`${s.shape.c}x${s.shape.h}x${s.shape.w}`, 14)}`,
        padLeft(String(s.cores.length), 6),
        padLeft(minN === maxN ? String(maxN) : `${minN}-${maxN}`, 14),
        `  ${pad(split, 23)}`,
        ` ${pad(s.hosted.length > 0 ? s.hosted.join(',') : '-', 6)}`,
        nodeSpan(s.cores),
      ].join(''),
    );
  });
  lines.push('  (* the input encoding: where input spikes start)');
  if (m.biasParams > 0) {
    const sram = biasSram(m, weightBits);
    const per = m.stages
      .filter((s) => s.biasParams > 0)
      .map((s) => `${s.name} ${s.biasParams}`)
      .join(', ');
    lines.push(
      `  biases: ${m.biasParams} stored (${per}), ${sram.bitsPerBias} bits each (${weightBits === null ? 'float weights' : `${weightBits}-bit weights`}): ${sram.totalBits} SRAM bits, at most ${sram.maxCoreBits} per core`,
    );
  }
  if (m.meshWidth <= 64) {
    const glyphOfCore = new Map<number, string>();
    m.stages.forEach((s, i) => {
      for (const c of s.cores) glyphOfCore.set(c.id, stageGlyph(i));
    });
    lines.push('  mesh (x to the east, y to the south; glyph = row # above, . = free):');
    for (let y = 0; y < m.meshHeight; y++) {
      let row = '    ';
      for (let x = 0; x < m.meshWidth; x++) {
        const core = m.coreOfNode[y * m.meshWidth + x]!;
        row += core < 0 ? '.' : glyphOfCore.get(core)!;
      }
      lines.push(row);
    }
  }
  return lines.join('\n');
}

/** The mapping in plain JSON for results files (no typed arrays; lookups are left out). */
export function mappingToJson(m: Mapping): Record<string, unknown> {
  return {
    model: m.model,
    neuronsPerCore: m.neuronsPerCore,
    meshWidth: m.meshWidth,
    meshHeight: m.meshHeight,
    placement: m.placement,
    coresUsed: m.coresUsed,
    neurons: m.neurons,
    biasParams: m.biasParams,
    utilization: m.utilization,
    stages: m.stages.map((s) => ({
      stage: s.stage,
      name: s.name,
      role: s.role,
      window: s.window,
      shape: s.shape,
      size: s.size,
      channelsPerCore: s.channelsPerCore,
      bands: s.bands,
      rowAlign: s.rowAlign,
      hosted: s.hosted,
      emitStage: s.emitStage,
      biasParams: s.biasParams,
      cores: s.cores.map((c) => ({
        id: c.id,
        node: c.node,
        x: c.x,
        y: c.y,
        channels: [c.channelStart, c.channelEnd],
        rows: [c.rowStart, c.rowEnd],
        neurons: c.neurons,
        biasParams: c.biasParams,
      })),
    })),
  };
}
