import type { HardwareConfig } from '../hardware/config.js';
import { type EnergyLedger, energyLedger, theoreticalEnergy } from '../hardware/energy.js';
import type { Mapping } from '../mapping/types.js';
import type {
  CoreRecord,
  EnergyJ,
  FrameRecord,
  LayerRecord,
  RunSummary,
} from '../report/runResult.js';
import { type Architecture, type StageInfo, stages as stageInfos } from '../snn/network.js';
import type { EngineFrame } from './engine.js';

/**
 * Turns per-frame engine counts into the records of run.json and frames.csv, with the energy of
 * Eq. 12 computed by the ledger of `src/hardware/energy.ts` from counts and configured
 * coefficients only:
 *
 *     E_frame = E_SOP x SOPs + E_hop x (hops + control hops) + E_static
 *
 * `energyJ.hop` includes the hops of control packets (end-of-window markers) when
 * `energy.countControlHops` is true; `hops` and `controlHops` are recorded separately so both
 * terms stay traceable. `E_static` is `staticEnergyUjPerFrame` per frame, or, in leakage mode,
 * `leakagePowerMw` times the chip time per frame: `1 / framesPerSecond` (the run's makespan over
 * its frames). When frames run one at a time that is the frame's latency; when they pipeline
 * it does not count the time during which frames overlap twice (the chip leaks once).
 *
 * SOPs are spike SOPs plus bias SOPs (one per neuron with a non-zero bias and frame, a local
 * event of the neuron's core); `biasSops` gives the bias part apart everywhere SOPs appear.
 *
 * Per layer: SOPs belong to the layer whose neurons they update, packets and hops to the layer
 * whose cores send them. Per core: SOPs done by the core. Static energy is a chip-wide figure;
 * for the per-core and per-layer tables it is shared equally among the used cores
 * (`E_static / coresUsed` each; a layer gets the share of its cores), so the layers add up to
 * the frame's energy except for the control-packet hops, which stay a chip-level term of the
 * ledger.
 */

/** Per-frame energy from the frame's counts (a one-frame ledger). */
export function frameEnergy(
  counts: {
    sops: number;
    biasSops?: number;
    hops: number;
    controlHops: number;
    latencyNs: number;
  },
  config: HardwareConfig,
): { energyJ: EnergyJ; ledger: EnergyLedger } {
  const ledger = energyLedger(
    {
      frames: 1,
      layers: [
        {
          stage: 0,
          name: 'frame',
          sops: counts.sops,
          biasSops: counts.biasSops ?? 0,
          hops: counts.hops,
        },
      ],
      controlHops: counts.controlHops,
      frameLatencyNs: counts.latencyNs,
    },
    config.energy,
  );
  const t = ledger.total;
  return {
    energyJ: {
      sop: t.sopJ,
      hop: t.hopJ + t.controlHopJ,
      static: t.staticJ,
      total: t.totalJ,
    },
    ledger,
  };
}

function sumOf(a: readonly number[]): number {
  let s = 0;
  for (const x of a) s += x;
  return s;
}

function stageName(s: StageInfo): string {
  return s.layer === null ? 'input' : s.layer.name;
}

/** Collects per-frame figures as frames arrive; `finish` builds the aggregate records. */
export class RunAccumulator {
  readonly frames: FrameRecord[] = [];
  private readonly st: StageInfo[];
  private readonly neurons: number;
  private readonly stageSpikes: Float64Array;
  private readonly stageSops: Float64Array;
  private readonly stageBiasSops: Float64Array;
  private readonly stagePackets: Float64Array;
  private readonly stageHops: Float64Array;
  private readonly coreSops: Float64Array;
  private controlPackets = 0;
  private controlHops = 0;

  constructor(
    arch: Architecture,
    private readonly mapping: Mapping,
    private readonly config: HardwareConfig,
    /** The paper's neuron count (weighted layers), for sparsity. */
    neurons: number,
  ) {
    this.st = stageInfos(arch);
    this.neurons = neurons;
    const n = this.st.length;
    this.stageSpikes = new Float64Array(n);
    this.stageSops = new Float64Array(n);
    this.stageBiasSops = new Float64Array(n);
    this.stagePackets = new Float64Array(n);
    this.stageHops = new Float64Array(n);
    this.coreSops = new Float64Array(mapping.coresUsed);
  }

  add(f: EngineFrame): FrameRecord {
    let spikes = 0;
    for (let s = 1; s < this.st.length; s++) if (this.st[s]!.weighted) spikes += f.stageSpikes[s]!;
    const sops = sumOf(f.stageSops);
    const biasSops = sumOf(f.stageBiasSops);
    const packets = sumOf(f.stagePackets);
    const hops = sumOf(f.stageHops);
    for (let s = 0; s < this.st.length; s++) {
      this.stageSpikes[s]! += f.stageSpikes[s]!;
      this.stageSops[s]! += f.stageSops[s]!;
      this.stageBiasSops[s]! += f.stageBiasSops[s]!;
      this.stagePackets[s]! += f.stagePackets[s]!;
      this.stageHops[s]! += f.stageHops[s]!;
    }
    for (let c = 0; c < this.coreSops.length; c++) this.coreSops[c]! += f.coreSops[c]!;
    this.controlPackets += f.controlPackets;
    this.controlHops += f.controlHops;
    const record: FrameRecord = {
      index: f.index,
      label: f.label,
      decision: f.decision,
      correct: f.decision === f.label,
      spikes,
      sparsity: spikes / this.neurons,
      sops,
      biasSops,
      packets,
      controlPackets: f.controlPackets,
      hops,
      controlHops: f.controlHops,
      latencySteps: f.latencySteps,
      latencyNs: f.latencyNs,
      // Filled in by `finish` (leakage needs the run's chip time per frame).
      energyJ: { sop: 0, hop: 0, static: 0, total: 0 },
    };
    this.frames.push(record);
    return record;
  }

  /**
   * The aggregate records. `framesPerSecond` (pipelined) comes from the engine; `trained` decides
   * whether an accuracy is reported.
   */
  finish(opts: {
    framesPerSecond: number;
    trained: boolean;
    stepsPerWindow: number;
    /** Frames on the chip at once (default 1). */
    framesInFlight?: number;
    /** A frame alone on the chip (see EngineRunResult); absent: the run's frames were alone. */
    latencyAlone?: { ns: number; steps: number; frames: number };
  }): {
    summary: RunSummary;
    layers: LayerRecord[];
    cores: CoreRecord[];
    ledger: EnergyLedger;
    windowSteps: number;
  } {
    const frames = this.frames.length;
    if (frames === 0) throw new Error('RunAccumulator.finish: no frames');
    const mean = (x: number) => x / frames;
    const latencyNsMean = mean(sumOf(this.frames.map((r) => r.latencyNs)));
    const chipNsPerFrame = opts.framesPerSecond > 0 ? 1e9 / opts.framesPerSecond : latencyNsMean;
    for (const r of this.frames) {
      r.energyJ = frameEnergy(
        {
          sops: r.sops,
          biasSops: r.biasSops ?? 0,
          hops: r.hops,
          controlHops: r.controlHops ?? 0,
          latencyNs: chipNsPerFrame,
        },
        this.config,
      ).energyJ;
    }
    const e = this.config.energy;
    // The run ledger: per-layer counts as attributed in the file comment.
    const ledger = energyLedger(
      {
        frames,
        layers: this.st.map((s, i) => ({
          stage: i,
          name: stageName(s),
          sops: this.stageSops[i]!,
          biasSops: this.stageBiasSops[i]!,
          hops: this.stageHops[i]!,
        })),
        coreSops: this.coreSops,
        controlHops: this.controlHops,
        frameLatencyNs: chipNsPerFrame,
      },
      e,
    );
    const pf = ledger.perFrame;
    const energyJ: EnergyJ = {
      sop: pf.sopJ,
      hop: pf.hopJ + pf.controlHopJ,
      static: pf.staticJ,
      total: pf.totalJ,
    };
    const staticPerCore = energyJ.static / Math.max(1, this.mapping.coresUsed);
    const coresOfStage = new Map<number, number>();
    for (const m of this.mapping.stages) coresOfStage.set(m.stage, m.cores.length);
    const layers: LayerRecord[] = this.st.map((s, i) => {
      const l = ledger.layers[i]!;
      const spikes = mean(this.stageSpikes[i]!);
      const kind: LayerRecord['kind'] = s.layer === null ? 'input' : s.layer.kind;
      return {
        name: stageName(s),
        kind,
        stage: i,
        window: s.window,
        shape: [s.shape.c, s.shape.h, s.shape.w],
        neurons: s.size,
        spikes,
        firingFraction: spikes / s.size,
        inactiveFraction: 1 - spikes / s.size,
        sops: mean(this.stageSops[i]!),
        biasSops: mean(this.stageBiasSops[i]!),
        packets: mean(this.stagePackets[i]!),
        hops: mean(this.stageHops[i]!),
        energyJ: {
          sop: l.sopJ / frames,
          hop: l.hopJ / frames,
          static: staticPerCore * (coresOfStage.get(i) ?? 0),
          total: l.totalJ / frames + staticPerCore * (coresOfStage.get(i) ?? 0),
        },
        cores: coresOfStage.get(i) ?? 0,
      };
    });
    const stageOfCore = new Map<number, string>();
    for (const m of this.mapping.stages) for (const c of m.cores) stageOfCore.set(c.id, m.name);
    const cores: CoreRecord[] = this.mapping.cores.map((c) => {
      const sopJ = ledger.cores[c.id]!.sopJ / frames;
      return {
        core: c.id,
        node: c.node,
        x: c.x,
        y: c.y,
        layer: stageOfCore.get(c.id) ?? String(c.stage),
        neurons: c.neurons,
        sops: mean(this.coreSops[c.id]!),
        energyJ: { sop: sopJ, hop: 0, static: staticPerCore, total: sopJ + staticPerCore },
      };
    });
    const spikes = mean(sumOf(this.frames.map((r) => r.spikes)));
    const latencySteps = mean(sumOf(this.frames.map((r) => r.latencySteps)));
    const windows = this.st[this.st.length - 1]!.window + 1;
    const windowSteps = windows * opts.stepsPerWindow;
    const correct = this.frames.filter((r) => r.correct).length;
    const summary: RunSummary = {
      frames,
      accuracy: opts.trained ? correct / frames : null,
      sparsity: mean(sumOf(this.frames.map((r) => r.sparsity))),
      spikes,
      sops: mean(sumOf(this.frames.map((r) => r.sops))),
      biasSops: mean(sumOf(this.frames.map((r) => r.biasSops ?? 0))),
      packets: mean(sumOf(this.frames.map((r) => r.packets))),
      hops: mean(sumOf(this.frames.map((r) => r.hops))),
      latencySteps,
      latencyNs: latencyNsMean,
      energyJ,
      framesPerSecond: opts.framesPerSecond,
      chipNsPerFrame,
      framesInFlight: opts.framesInFlight ?? 1,
      latencyAloneNs: opts.latencyAlone?.ns ?? latencyNsMean,
      latencyAloneSteps: opts.latencyAlone?.steps ?? latencySteps,
      latencyAloneFrames: opts.latencyAlone?.frames ?? frames,
      coresUsed: this.mapping.coresUsed,
      mesh: { width: this.mapping.meshWidth, height: this.mapping.meshHeight },
      theoreticalEnergy: {
        trueNorth: theoreticalEnergy(windowSteps, spikes, 'truenorth'),
        spiNNaker: theoreticalEnergy(windowSteps, spikes, 'spinnaker'),
      },
      theoreticalInputs: { latencySteps: windowSteps, spikes },
      noDecision: this.frames.filter((r) => r.decision < 0).length / frames,
      correct: correct / frames,
      controlPackets: mean(this.controlPackets),
      controlHops: mean(this.controlHops),
    };
    return { summary, layers, cores, ledger, windowSteps };
  }
}
