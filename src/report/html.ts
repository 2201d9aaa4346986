/**
 * `report.html`: one self-contained page (inline CSS and SVG, no scripts, no external URLs) with
 * a header (model, hardware, run id, a warning when the weights are untrained), the summary,
 * the figures with captions, a per-layer table and the run's configuration and provenance.
 * Every string from the results goes through `escapeXml`.
 */
import type { Figure } from './figures.js';
import type { RunResult } from './runResult.js';
import { siUnit, timeUnitNs } from './svg/axes.js';
import { escapeXml as esc, fmtValue } from './svg/escape.js';

const CSS = `
body{font-family:Helvetica,Arial,sans-serif;color:#222;margin:0 auto;max-width:1000px;padding:16px 24px;line-height:1.4}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.2em;margin:1.4em 0 .4em;border-bottom:1px solid #ccc}
.sub{color:#555;margin:0 0 .6em}
.warn{background:#fff4e5;border:1px solid #e69f00;padding:8px 12px;margin:8px 0}
.notes li{margin:.2em 0}
table{border-collapse:collapse;font-size:.9em;margin:.4em 0}
td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f4f4f4}td.n{text-align:right;font-variant-numeric:tabular-nums}
code{font-family:Menlo,Consolas,monospace;font-size:.9em;word-break:break-all}
figure{margin:1em 0 1.6em;page-break-inside:avoid;break-inside:avoid}
figure svg{max-width:100%;height:auto;display:block}
figcaption{font-size:.9em;color:#333;margin-top:.3em}
figcaption b{color:#222}
@media print{body{max-width:none;padding:0}h2{page-break-after:avoid;break-after:avoid}}
`;

function row(key: string, value: string, numeric = false): string {
  return `<tr><th>${esc(key)}</th><td${numeric ? ' class="n"' : ''}>${value}</td></tr>`;
}

function energyText(j: number): string {
  if (!Number.isFinite(j)) return 'n/a';
  const u = siUnit(Math.abs(j), 'J');
  return `${fmtValue(j * u.factor, 4)} ${u.unit}`;
}

function nsText(ns: number): string {
  if (!Number.isFinite(ns)) return 'n/a';
  const u = timeUnitNs(ns);
  return `${fmtValue(ns * u.factor, 4)} ${u.unit}`;
}

/** Flattens nested objects to `a.b.c` keys; arrays and scalars are JSON values. */
export function flatten(obj: unknown, prefix = ''): [string, string][] {
  if (obj !== null && typeof obj === 'object' && !Array.isArray(obj)) {
    const out: [string, string][] = [];
    for (const [k, v] of Object.entries(obj as Record<string, unknown>))
      out.push(...flatten(v, prefix ? `${prefix}.${k}` : k));
    return out;
  }
  return [[prefix, typeof obj === 'string' ? obj : (JSON.stringify(obj) ?? 'undefined')]];
}

function hardwareName(run: RunResult): string {
  const n = run.hardware.name;
  return typeof n === 'string' ? n : '(unnamed hardware config)';
}

/** The static term beside the frame time it assumes and the run's chip time (energy.staticBasis). */
function staticRow(run: RunResult): string[] {
  const b = run.energy?.staticBasis;
  if (b === undefined) return [];
  const assumed = b.assumedFrameNs !== null ? nsText(b.assumedFrameNs) : 'n/a';
  const chip = b.chipNsPerFrame !== null ? nsText(b.chipNsPerFrame) : 'n/a';
  const text =
    b.mode === 'per-frame'
      ? `per-frame mode: ${energyText(b.perFrameJ)} per frame, which assumes ${assumed} of chip time per frame (E_static / leakage power); this run: ${chip} per frame${b.mismatch ? ' (more than 2x apart)' : ''}; leakage mode (--set energy.staticMode=leakage): ${b.leakageJ !== null ? energyText(b.leakageJ) : 'n/a'}`
      : `leakage mode: leakage power x ${chip} of chip time per frame = ${b.leakageJ !== null ? energyText(b.leakageJ) : 'n/a'}; per-frame mode (--set energy.staticMode=per-frame): ${energyText(b.perFrameJ)}, which assumes ${assumed} per frame`;
  return [row('static energy', esc(text), true)];
}

function summaryTable(run: RunResult): string {
  const s = run.summary;
  const e = s.energyJ;
  return `<table class="summary">${[
    row('frames', esc(fmtValue(s.frames)), true),
    row(
      'accuracy',
      s.accuracy === null
        ? 'n/a (untrained weights: the accuracy is meaningless)'
        : esc(`${(s.accuracy * 100).toFixed(2)}%`),
      true,
    ),
    row('sparsity (spikes / neurons)', esc(fmtValue(s.sparsity, 4)), true),
    row('spikes per frame', esc(fmtValue(s.spikes)), true),
    row(
      'SOPs per frame',
      esc(`${fmtValue(s.sops)}${s.biasSops ? ` (of them ${fmtValue(s.biasSops)} bias SOPs)` : ''}`),
      true,
    ),
    row('packets per frame', esc(fmtValue(s.packets)), true),
    row('hops per frame', esc(fmtValue(s.hops)), true),
    row('latency per frame (model time)', esc(`${fmtValue(s.latencySteps)} steps`), true),
    ...(s.latencyAloneNs !== undefined
      ? [
          row(
            'latency of a frame alone on the chip',
            esc(
              `${nsText(s.latencyAloneNs)} (${s.latencyAloneFrames === s.frames && (s.framesInFlight ?? 1) === 1 ? `mean of the run's ${fmtValue(s.frames)} frames, one at a time` : `${fmtValue(s.latencyAloneFrames ?? 1)} frame(s) simulated alone`})`,
            ),
            true,
          ),
        ]
      : []),
    row(
      (s.framesInFlight ?? 2) === 1
        ? 'latency on the chip (frames one at a time)'
        : 'pipelined latency of the stream',
      esc(
        `${nsText(s.latencyNs)} mean input to decision over ${fmtValue(s.frames)} frames${s.framesInFlight !== undefined && s.framesInFlight > 1 ? `, up to ${s.framesInFlight} in flight, waits behind earlier frames included` : ''}`,
      ),
      true,
    ),
    row(
      'throughput of the stream',
      esc(
        `${fmtValue(s.framesPerSecond)} frames/s of chip time (${nsText(s.chipNsPerFrame ?? (s.framesPerSecond > 0 ? 1e9 / s.framesPerSecond : 0))} per frame)`,
      ),
      true,
    ),
    row(
      'energy per frame (Eq. 12)',
      esc(
        `${energyText(e.total)} = SOP ${energyText(e.sop)} + hop ${energyText(e.hop)} + static ${energyText(e.static)}`,
      ),
      true,
    ),
    ...staticRow(run),
    row('cores used / mesh', esc(`${s.coresUsed} on ${s.mesh.width}×${s.mesh.height}`), true),
    row(
      'Eq. 11 normalized energy (no unit; rate coding = 1)',
      esc(
        `TrueNorth ${fmtValue(s.theoreticalEnergy.trueNorth, 4)}, SpiNNaker ${fmtValue(s.theoreticalEnergy.spiNNaker, 4)}: this network's energy relative to the paper's rate-coding row of Table 2 (512 steps, 2.612M spikes)`,
      ),
      true,
    ),
  ].join('')}</table>`;
}

function layerTable(run: RunResult): string {
  const head = [
    'stage',
    'layer',
    'kind',
    'window',
    'shape',
    'neurons',
    'spikes',
    'firing',
    'inactive',
    'SOPs',
    'packets',
    'hops',
    'energy',
    'cores',
  ];
  const rows = run.layers.map((l) => {
    const cells = [
      String(l.stage),
      l.name,
      l.kind,
      String(l.window),
      l.shape.join('×'),
      fmtValue(l.neurons),
      fmtValue(l.spikes),
      `${fmtValue(l.firingFraction * 100)}%`,
      `${fmtValue(l.inactiveFraction * 100)}%`,
      l.biasSops ? `${fmtValue(l.sops)} (bias ${fmtValue(l.biasSops)})` : fmtValue(l.sops),
      fmtValue(l.packets),
      fmtValue(l.hops),
      energyText(l.energyJ.total),
      String(l.cores),
    ];
    return `<tr>${cells.map((c, i) => `<td${i === 1 || i === 2 ? '' : ' class="n"'}>${esc(c)}</td>`).join('')}</tr>`;
  });
  return `<table class="layers"><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr>${rows.join('')}</table><p class="sub">Per-frame means. Pool and flatten stages have no neurons of their own in the paper’s count.</p>`;
}

function provenanceTable(run: RunResult): string {
  const rows: [string, string][] = [
    ['run', run.run],
    ['tool', `${run.tool.name} ${run.tool.version}`],
    ['seed', String(run.seed)],
    ['weights trained', run.weightsTrained ? 'yes' : 'no'],
    ['model', run.model.name],
    ['model file', run.model.path],
    ['model sha256', run.model.sha256],
    ['readout', run.model.readout],
    ['model neurons', fmtValue(run.model.neurons)],
    ['input dataset', run.input.dataset],
    ['input sha256', run.input.sha256],
    ['hardware sha256', run.hardwareSha256],
    ...flatten(run.options).map(([k, v]): [string, string] => [`options.${k}`, v]),
  ];
  if (run.wall)
    rows.push([
      'wall clock (differs between identical runs)',
      `${fmtValue(run.wall.seconds)} s, ${fmtValue(run.wall.framesPerSecond)} frames/s`,
    ]);
  const hw = flatten(run.hardware);
  return (
    `<h3>Run and provenance</h3><table class="provenance">${rows.map(([k, v]) => row(k, `<code>${esc(v)}</code>`)).join('')}</table>` +
    `<h3>Hardware configuration (resolved, after overrides)</h3><table class="hardware">${hw.map(([k, v]) => row(k, `<code>${esc(v)}</code>`)).join('')}</table>`
  );
}

export interface HtmlOptions {
  /** Note shown when no spike file was found for the raster. */
  rasterNote?: string;
}

export function renderHtml(run: RunResult, figures: Figure[], opts: HtmlOptions = {}): string {
  const title = `ttfsim report: ${run.model.name} on ${hardwareName(run)} (${run.run})`;
  const warn = run.weightsTrained
    ? ''
    : '<p class="warn"><b>Untrained weights.</b> This model has no trained weights: spikes, sparsity and energy describe an untrained network and the accuracy is meaningless.</p>';
  const notes = run.notes.length
    ? `<ul class="notes">${run.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`
    : '';
  const figs = figures
    .map(
      (f, i) =>
        `<figure id="figure-${esc(f.id)}">${f.svg}<figcaption><b>Figure ${i + 1}. ${esc(f.title)}.</b> ${esc(f.caption)} <span class="sub">(also <code>figures/${esc(f.file)}</code>)</span></figcaption></figure>`,
    )
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>${esc(run.model.name)} on ${esc(hardwareName(run))}</h1>
<p class="sub">Run <code>${esc(run.run)}</code> · ${esc(fmtValue(run.summary.frames))} frame(s) of ${esc(run.input.dataset)} · NoC ${esc(run.noc.kind)} (${esc(run.noc.timing)}) · seed ${esc(run.seed)} · ${esc(run.tool.name)} ${esc(run.tool.version)}</p>
${warn}${notes}
</header>
<section id="summary"><h2>Summary</h2>${summaryTable(run)}</section>
<section id="figures"><h2>Figures</h2>
${opts.rasterNote ? `<p class="warn">${esc(opts.rasterNote)}</p>` : ''}
${figs}
</section>
<section id="layers"><h2>Layers</h2>${layerTable(run)}</section>
<section id="configuration"><h2>Configuration and provenance</h2>${provenanceTable(run)}</section>
</body>
</html>
`;
}
