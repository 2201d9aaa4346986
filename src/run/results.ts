import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { FrameRecord, LayerRecord, RunResult, SpikeRaster } from '../report/runResult.js';
import { type Architecture, type StageInfo, stages as stageInfos } from '../snn/network.js';
import { spikeTime } from '../snn/neuron.js';
import { writeFileAtomic } from '../util/atomicWrite.js';

/**
 * The files of a run, written so that a failure never leaves a half-written results folder:
 * everything goes to `<parent>/.<run>.tmp-<pid>`, which is renamed to `<parent>/<run>` at the
 * end (an earlier folder of the same name is replaced). The spike trace goes to
 * `<file>.tmp-<pid>` while frames run and is renamed when the run succeeds.
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

/**
 * Writes the results folder through a temporary folder renamed at the end. Returns the folder.
 */
export function writeResults(
  outDir: string,
  result: RunResult,
  raster: SpikeRaster | null,
): string {
  const parent = dirname(outDir);
  mkdirSync(parent, { recursive: true });
  const tmp = join(parent, `.${basename(outDir)}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  try {
    mkdirSync(tmp);
    writeFileAtomic(join(tmp, 'run.json'), `${JSON.stringify(result, null, 2)}\n`);
    writeFileAtomic(join(tmp, 'frames.csv'), framesCsv(result.frames));
    writeFileAtomic(join(tmp, 'layers.csv'), layersCsv(result.layers));
    writeFileAtomic(join(tmp, 'cores.csv'), coresCsv(result));
    if (raster !== null) {
      writeFileAtomic(join(tmp, `spikes-frame${raster.frame}.json`), `${JSON.stringify(raster)}\n`);
    }
    if (existsSync(outDir)) {
      const old = join(parent, `.${basename(outDir)}.old-${process.pid}`);
      renameSync(outDir, old);
      renameSync(tmp, outDir);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(tmp, outDir);
    }
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
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
  }
}
