import type { RunResult } from '../report/runResult.js';

/**
 * The terminal summary of a run: what ran, the headline figures per frame, the energy of Eq. 12
 * broken down into count x coefficient, the Table 2 estimate beside it, and a per-layer table.
 */

/** `1234567` -> `1,234,567`; fractions keep `digits` decimals. */
export function grouped(x: number, digits = 0): string {
  const s = x.toFixed(digits);
  const [int, frac] = s.split('.');
  const g = int!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return frac === undefined ? g : `${g}.${frac}`;
}

/** A count with one decimal when it is a mean that is not whole. */
function count(x: number): string {
  return Number.isInteger(x) ? grouped(x) : grouped(x, 1);
}

/** Energy in the most readable unit: `20.85 uJ`, `3.1 mJ`, `812 nJ`. */
export function joules(j: number): string {
  const a = Math.abs(j);
  if (a === 0) return '0 J';
  if (a >= 1) return `${j.toPrecision(4)} J`;
  if (a >= 1e-3) return `${(j * 1e3).toPrecision(4)} mJ`;
  if (a >= 1e-6) return `${(j * 1e6).toPrecision(4)} uJ`;
  if (a >= 1e-9) return `${(j * 1e9).toPrecision(4)} nJ`;
  return `${(j * 1e12).toPrecision(4)} pJ`;
}

/** Time in ns, us or ms. */
export function nanos(ns: number): string {
  if (ns >= 1e6) return `${(ns / 1e6).toPrecision(4)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toPrecision(4)} us`;
  return `${ns.toPrecision(4)} ns`;
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

function rate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toPrecision(4)} M`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toPrecision(4)} K`;
  return perSecond.toPrecision(4);
}

function padRight(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function padLeft(s: string, n: number): string {
  return s.length >= n ? s : ' '.repeat(n - s.length) + s;
}

/** A table with a header row; columns after the first are right-aligned. */
function table(rows: string[][], indent = '  '): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map(
    (r) =>
      indent +
      r
        .map((cell, c) => (c === 0 ? padRight(cell, widths[c]!) : padLeft(cell, widths[c]!)))
        .join('  '),
  );
}

/**
 * Latency and throughput, labelled so that they cannot be confused: a frame alone on the chip
 * (nothing else in flight), and the pipelined latency and throughput of the run's stream of
 * frames (waits behind earlier frames included; they grow with the number of frames until the
 * pipeline is full).
 */
function latencyRows(r: RunResult): [string, string][] {
  const s = r.summary;
  const steps = (x: number) => grouped(x, Number.isInteger(x) ? 0 : 1);
  const inFlight = s.framesInFlight ?? (r.options.framesInFlight === 1 ? 1 : undefined);
  const aloneNs = s.latencyAloneNs ?? (inFlight === 1 ? s.latencyNs : undefined);
  const rows: [string, string][] = [
    ['latency', `${steps(s.latencySteps)} steps of model time to the decision (mean per frame)`],
  ];
  if (aloneNs !== undefined) {
    const n = s.latencyAloneFrames ?? s.frames;
    const which =
      n === s.frames && inFlight === 1
        ? s.frames === 1
          ? 'the frame'
          : `mean of the ${grouped(s.frames)} frames, run one at a time`
        : n === 1
          ? 'the first frame, simulated alone'
          : `mean of the first ${grouped(n)} frames, each simulated alone`;
    rows.push(['  frame alone', `${nanos(aloneNs)} on the chip, input to decision (${which})`]);
  }
  if (inFlight !== 1) {
    const depth = inFlight !== undefined ? `, up to ${grouped(inFlight)} frames in flight` : '';
    rows.push([
      '  pipelined',
      `${nanos(s.latencyNs)} on the chip, input to decision, mean over a stream of ${grouped(s.frames)} frames${depth} (waits behind earlier frames included)`,
    ]);
  }
  const chip = s.chipNsPerFrame ?? (s.framesPerSecond > 0 ? 1e9 / s.framesPerSecond : 0);
  rows.push([
    'throughput',
    `${rate(s.framesPerSecond)} frames/s of chip time = ${nanos(chip)} per frame (${inFlight === 1 ? 'one frame at a time' : `the stream of ${grouped(s.frames)} frames, pipelined through the layers`})`,
  ]);
  return rows;
}

/**
 * The static line of the energy breakdown: the figure charged, and beside it what the other mode
 * rests on (the frame time the per-frame figure assumes, or the per-frame figure), with the
 * `--set` that switches.
 */
function staticRows(
  st: NonNullable<RunResult['energy']>['perFrame']['static'],
  b: NonNullable<RunResult['energy']>['staticBasis'],
): [string, string][] {
  if (st.countUnit === 'frame') {
    const rows: [string, string][] = [
      ['  static', `${joules(st.joules)} = ${st.coefficient} uJ/frame (per-frame mode)`],
    ];
    if (b !== undefined && b.assumedFrameNs !== null) {
      const chip = b.chipNsPerFrame !== null ? `, this run ${nanos(b.chipNsPerFrame)}` : '';
      const warn = b.mismatch ? ' (more than 2x apart: see the note)' : '';
      rows.push([
        '',
        `assumes ${nanos(b.assumedFrameNs)} of chip time per frame (E_static / leakage power)${chip}${warn}`,
      ]);
      if (b.leakageJ !== null) {
        rows.push([
          '',
          `leakage mode (--set energy.staticMode=leakage): leakage power x chip time = ${joules(b.leakageJ)}`,
        ]);
      }
    }
    return rows;
  }
  const rows: [string, string][] = [
    [
      '  static',
      `${joules(st.joules)} = ${st.coefficient} mW x ${nanos(st.count)} of chip time per frame (leakage mode)`,
    ],
  ];
  if (b !== undefined) {
    rows.push([
      '',
      `per-frame mode (--set energy.staticMode=per-frame): ${joules(b.perFrameJ)}${b.assumedFrameNs !== null ? `, which assumes ${nanos(b.assumedFrameNs)} per frame` : ''}`,
    ]);
  }
  return rows;
}

/** The summary printed after a run (`outDir`: where the files went, if any). */
export function formatSummary(r: RunResult, outDir: string | null = null): string {
  const s = r.summary;
  const e = r.energy;
  const lines: string[] = [];
  const [f0, f1] = r.options.frames;
  const time =
    r.options.stepsPerWindow === null ? 'exact time' : `${r.options.stepsPerWindow} steps/window`;
  const bits =
    r.options.weightBits === null ? 'float weights' : `${r.options.weightBits}-bit weights`;
  lines.push(
    `ttfsim simulate: ${r.model.name} on ${String(r.hardware.name)} (${r.options.noc} NoC, ${time}, ${bits}, seed ${r.seed})`,
  );
  lines.push(
    `  ${grouped(s.frames)} ${r.input.dataset} test frame${s.frames === 1 ? '' : 's'} [${f0}, ${f1}), data ${r.options.data}`,
  );
  for (const n of r.notes) lines.push(`  note: ${n}`);
  lines.push('');
  const acc =
    s.accuracy === null
      ? `n/a (untrained weights; ${pct(s.correct ?? 0)} of decisions match the label, chance is about ${pct(1 / Math.max(1, r.layers[r.layers.length - 1]!.neurons))})`
      : `${pct(s.accuracy)}${s.noDecision ? ` (${pct(s.noDecision)} of frames had no decision)` : ''}`;
  const rows: [string, string][] = [
    ['accuracy', acc],
    [
      'sparsity',
      `${s.sparsity.toFixed(4)} (${count(s.spikes)} spikes / ${grouped(r.model.neurons)} neurons per frame)`,
    ],
    ['spikes', `${count(s.spikes)} per frame (weighted layers)`],
    [
      'SOPs',
      `${count(s.sops)} per frame${s.biasSops ? ` (${count(s.biasSops)} of them bias SOPs, no packets)` : ''}`,
    ],
    [
      'packets',
      `${count(s.packets)} spike + ${count(s.controlPackets ?? 0)} control per frame (${r.noc.kind === 'ideal' ? 'ideal' : `detailed ${r.noc.timing}`} NoC)`,
    ],
    ['hops', `${count(s.hops)} spike + ${count(s.controlHops ?? 0)} control per frame`],
    ...latencyRows(r),
    ['energy', `${joules(s.energyJ.total)} per frame (Eq. 12)`],
  ];
  if (e !== undefined) {
    const pf = e.perFrame;
    rows.push([
      '  SOP',
      `${joules(pf.sop.joules)} = ${count(pf.sop.count)} SOPs x ${pf.sop.coefficient} pJ`,
    ]);
    if (pf.biasSop !== undefined && pf.biasSop.count > 0) {
      rows.push([
        '    of which bias',
        `${joules(pf.biasSop.joules)} = ${count(pf.biasSop.count)} bias SOPs x ${pf.biasSop.coefficient} pJ`,
      ]);
    }
    rows.push([
      '  hop',
      `${joules(pf.hop.joules)} = ${count(pf.hop.count)} hops x ${pf.hop.coefficient} pJ`,
    ]);
    if (pf.controlHop.count > 0) {
      rows.push([
        '  control hop',
        `${joules(pf.controlHop.joules)} = ${count(pf.controlHop.count)} hops x ${pf.controlHop.coefficient} pJ${pf.controlHop.coefficient === 0 ? ' (not counted)' : ''}`,
      ]);
    }
    rows.push(...staticRows(pf.static, e.staticBasis));
    rows.push([
      'Table 2 estimate',
      `TrueNorth ${e.theoretical.trueNorth.value.toFixed(4)}, SpiNNaker ${e.theoretical.spiNNaker.value.toFixed(4)}: normalized energy, no unit (Eq. 11: this network's energy relative to the paper's rate-coding row, 512 steps and 2.612M spikes = 1; L = ${grouped(e.theoretical.latencySteps)} steps per frame, S = ${count(e.theoretical.spikes)} spikes per frame)`,
    ]);
  }
  rows.push([
    'cores used',
    `${grouped(s.coresUsed)} of ${grouped(s.mesh.width * s.mesh.height)} on a ${s.mesh.width}x${s.mesh.height} mesh${r.mapping ? ` (${pct(r.mapping.utilization)} of neuron slots, ${r.mapping.placement} placement)` : ''}`,
  ]);
  const w = Math.max(...rows.map((x) => x[0].length));
  for (const [k, v] of rows) lines.push(`  ${padRight(k, w)}  ${v}`);
  lines.push('');
  const layerRows: string[][] = [
    [
      'layer',
      'window',
      'neurons',
      'cores',
      'spikes',
      'firing',
      'SOPs',
      'packets',
      'hops',
      'energy',
    ],
  ];
  for (const l of r.layers) {
    if (l.kind === 'flatten') continue;
    layerRows.push([
      l.name,
      String(l.window),
      grouped(l.neurons),
      l.cores > 0 ? String(l.cores) : '-',
      count(l.spikes),
      pct(l.firingFraction),
      count(l.sops),
      count(l.packets),
      count(l.hops),
      l.energyJ.total > 0 ? joules(l.energyJ.total) : '-',
    ]);
  }
  lines.push(
    '  per layer, means per frame (SOPs where they happen, packets and hops where they start):',
  );
  lines.push(...table(layerRows, '    '));
  lines.push('');
  lines.push(
    `  wall time ${r.wall.seconds.toFixed(2)} s (${r.wall.framesPerSecond >= 10 ? r.wall.framesPerSecond.toFixed(1) : r.wall.framesPerSecond.toPrecision(2)} frames/s simulated)`,
  );
  if (outDir !== null)
    lines.push(`  results in ${outDir}/ (run.json, frames.csv, layers.csv, cores.csv)`);
  return `${lines.join('\n')}\n`;
}
