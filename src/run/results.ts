import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { FrameRecord, LayerRecord, RunResult, SpikeRaster } from '../report/runResult.js';
import { type Architecture, type StageInfo, stages as stageInfos } from '../snn/network.js';
import { spikeTime } from '../snn/neuron.js';
import { writeFileAtomic } from '../util/atomicWrite.js';
import { LOCK_FILE } from '../util/lock.js';
import { keepPath, removeOnDeath } from '../util/reaper.js';

/**
 * The files of a run. ttfsim removes or replaces only files it writes itself (the ones below,
 * `report.html` and `figures/*.svg` of `ttfsim report`); anything else in the folder is the
 * user's and stays untouched (`resolve.ts` refuses such a folder unless `--force`). Every file
 * is written whole to `<out>/.tmp-<pid>/` and renamed into place at the end, `run.json` last
 * (and the old `run.json` removed first), so a folder with a `run.json` always holds one whole
 * run. The spike trace goes to `<file>.tmp-<pid>` while frames run and is renamed when the run
 * succeeds; if the process dies first, a watcher process removes it (`src/util/reaper.ts`).
 *
 *     run.json            RunResult (src/report/runResult.ts)
 *     frames.csv          one FrameRecord per row
 *     layers.csv          one LayerRecord per row (means per frame)
 *     cores.csv           one CoreRecord per row (means per frame)
 *     spikes-frame<k>.json  every spike of the first frame k (SpikeRaster)
 *
 * Numbers are written with `String(x)`, which round-trips doubles exactly.
 */

/** Stages whose spikes are recorded: the encoding, conv, pool and dense; not flatten (a relabel). */
export function tracedStages(arch: Architecture): StageInfo[] {
  return stageInfos(arch).filter((s, i) => {
    if (i === 0) return arch.encoding.kind === 'pixel';
    return s.layer!.kind !== 'flatten';
  });
}

/** Name of a stage in traces and rasters. */
export function stageLabel(s: StageInfo): string {
  return s.layer === null ? 'input' : s.layer.name;
}

/** Every spike of one frame (absolute times in windows). */
export function spikeRaster(
  frameIndex: number,
  tau: Float64Array[],
  arch: Architecture,
): SpikeRaster {
  return {
    frame: frameIndex,
    layers: tracedStages(arch).map((s) => {
      const t = tau[s.stage]!;
      const neuron: number[] = [];
      const times: number[] = [];
      for (let i = 0; i < t.length; i++) {
        if (t[i]! > 0) {
          neuron.push(i);
          times.push(spikeTime(s.window, t[i]!));
        }
      }
      return {
        name: stageLabel(s),
        stage: s.stage,
        window: s.window,
        neurons: s.size,
        neuron,
        t: times,
      };
    }),
  };
}

export const FRAME_COLUMNS = [
  'index',
  'label',
  'decision',
  'correct',
  'spikes',
  'sparsity',
  'sops',
  'biasSops',
  'packets',
  'controlPackets',
  'hops',
  'controlHops',
  'latencySteps',
  'latencyNs',
  'energySopJ',
  'energyHopJ',
  'energyStaticJ',
  'energyTotalJ',
] as const;

/** frames.csv: a header and one row per frame. */
export function framesCsv(frames: readonly FrameRecord[]): string {
  const rows = [FRAME_COLUMNS.join(',')];
  for (const f of frames) {
    rows.push(
      [
        f.index,
        f.label,
        f.decision,
        f.correct ? 1 : 0,
        f.spikes,
        f.sparsity,
        f.sops,
        f.biasSops ?? 0,
        f.packets,
        f.controlPackets,
        f.hops,
        f.controlHops ?? 0,
        f.latencySteps,
        f.latencyNs,
        f.energyJ.sop,
        f.energyJ.hop,
        f.energyJ.static,
        f.energyJ.total,
      ]
        .map(String)
        .join(','),
    );
  }
  return `${rows.join('\n')}\n`;
}

/** layers.csv: the per-layer table (means per frame). */
export function layersCsv(layers: readonly LayerRecord[]): string {
  const rows = [
    'stage,name,kind,window,neurons,cores,spikes,firingFraction,sops,biasSops,packets,hops,energySopJ,energyHopJ,energyTotalJ',
  ];
  for (const l of layers) {
    rows.push(
      [
        l.stage,
        l.name,
        l.kind,
        l.window,
        l.neurons,
        l.cores,
        l.spikes,
        l.firingFraction,
        l.sops,
        l.biasSops ?? 0,
        l.packets,
        l.hops,
        l.energyJ.sop,
        l.energyJ.hop,
        l.energyJ.total,
      ]
        .map(String)
        .join(','),
    );
  }
  return `${rows.join('\n')}\n`;
}

/** cores.csv: the per-core table (means per frame). */
export function coresCsv(result: RunResult): string {
  const rows = ['core,node,x,y,layer,neurons,sops,energySopJ'];
  for (const c of result.cores) {
    rows.push(
      [c.core, c.node, c.x, c.y, c.layer, c.neurons, c.sops, c.energyJ.sop].map(String).join(','),
    );
  }
  return `${rows.join('\n')}\n`;
}

/** The temporary folder a run writes its files to, inside the results folder. */
export const RESULTS_TMP_PREFIX = '.tmp-';

/**
 * Whether `name` in results folder `dir` is something ttfsim wrote: its results files, the
 * report, `figures/` holding only SVG files, the lock and temporary folders.
 */
export function isOwnResultsEntry(dir: string, name: string): boolean {
  if (/^(run\.json|frames\.csv|layers\.csv|cores\.csv|report\.html)$/.test(name)) return true;
  if (/^spikes-frame\d+\.json$/.test(name) || name === LOCK_FILE) return true;
  if (name.startsWith(RESULTS_TMP_PREFIX)) return true;
  if (name === 'figures') {
    const p = join(dir, name);
    return statSync(p).isDirectory() && readdirSync(p).every((f) => f.endsWith('.svg'));
  }
  return false;
}

/** The entries of `dir` that ttfsim did not write (sorted). */
export function foreignEntries(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => !isOwnResultsEntry(dir, name))
    .sort();
}

/**
 * Writes the results into `outDir` (created when missing): the files go to a temporary folder
 * inside it, then ttfsim's files of an earlier run there are removed (old `run.json` first;
 * the report and spike files, which would describe the old run) and the new files are renamed
 * in, `run.json` last. Files ttfsim did not write are left alone. Returns the folder.
 */
export function writeResults(
  outDir: string,
  result: RunResult,
  raster: SpikeRaster | null,
): string {
  mkdirSync(outDir, { recursive: true });
  const tmp = join(outDir, `${RESULTS_TMP_PREFIX}${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  const files: [string, string][] = [
    ['frames.csv', framesCsv(result.frames)],
    ['layers.csv', layersCsv(result.layers)],
    ['cores.csv', coresCsv(result)],
  ];
  if (raster !== null)
    files.push([`spikes-frame${raster.frame}.json`, `${JSON.stringify(raster)}\n`]);
  files.push(['run.json', `${JSON.stringify(result, null, 2)}\n`]);
  try {
    mkdirSync(tmp);
    for (const [name, text] of files) writeFileAtomic(join(tmp, name), text);
    rmSync(join(outDir, 'run.json'), { force: true });
    for (const name of readdirSync(outDir)) {
      const stale = /^spikes-frame\d+\.json$/.test(name) || name === 'report.html';
      if (stale || (name === 'figures' && isOwnResultsEntry(outDir, name))) {
        rmSync(join(outDir, name), { recursive: true, force: true });
      }
    }
    for (const [name] of files) renameSync(join(tmp, name), join(outDir, name));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return outDir;
}

/**
 * `--trace-spikes FILE`: CSV `frame,layer,neuron,t`, every spike of every frame, `t` in window
 * units with full double precision. Rows go to `FILE.tmp-<pid>` (buffered) and the file is
 * renamed into place by {@link commit}; {@link abort} removes it.
 */
export class SpikeTraceWriter {
  private readonly tmp: string;
  private fd: number;
  private buf: string[] = [];
  private bufChars = 0;
  private readonly stages: StageInfo[];

  constructor(
    private readonly file: string,
    arch: Architecture,
  ) {
    this.tmp = `${file}.tmp-${process.pid}`;
    removeOnDeath(this.tmp);
    this.fd = openSync(this.tmp, 'w');
    this.stages = tracedStages(arch);
    this.push('frame,layer,neuron,t\n');
  }

  private push(s: string): void {
    this.buf.push(s);
    this.bufChars += s.length;
    if (this.bufChars > 1 << 20) this.flush();
  }

  private flush(): void {
    if (this.buf.length === 0) return;
    writeSync(this.fd, this.buf.join(''));
    this.buf = [];
    this.bufChars = 0;
  }

  /** Appends every spike of one frame. */
  frame(frameIndex: number, tau: Float64Array[]): void {
    for (const s of this.stages) {
      const t = tau[s.stage]!;
      const prefix = `${frameIndex},${stageLabel(s)},`;
      for (let i = 0; i < t.length; i++) {
        if (t[i]! > 0) this.push(`${prefix}${i},${String(spikeTime(s.window, t[i]!))}\n`);
      }
    }
  }

  commit(): void {
    this.flush();
    closeSync(this.fd);
    this.fd = -1;
    renameSync(this.tmp, this.file);
    keepPath(this.tmp);
  }

  abort(): void {
    if (this.fd >= 0) {
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
      this.fd = -1;
    }
    rmSync(this.tmp, { force: true });
    keepPath(this.tmp);
  }
}
