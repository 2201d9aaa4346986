import type { PlacementName } from '../hardware/config.js';
import type { Shape3 } from '../snn/network.js';

/** One core: which neurons of which stage it holds and where it sits on the mesh. */
export interface CoreAssignment {
  /** Core id, 0-based, in stage order then channel group then row band. */
  id: number;
  /** The stage whose neurons the core holds (the encoding or a conv/dense stage). */
  stage: number;
  /** Mesh node, row-major: `node = y * meshWidth + x` (as in `src/hardware/noc/network.ts`). */
  node: number;
  x: number;
  y: number;
  /** Channels `[channelStart, channelEnd)` of the stage's CHW map. */
  channelStart: number;
  channelEnd: number;
  /** Rows `[rowStart, rowEnd)` of each of those channels (all columns). */
  rowStart: number;
  rowEnd: number;
  /** `(channelEnd - channelStart) * (rowEnd - rowStart) * width`. */
  neurons: number;
  /**
   * Bias values the core stores (SRAM): one per output channel it holds when its layer has a
   * bias (`channelEnd - channelStart`; a channel split into row bands stores its bias in every
   * band's core), else 0. The encoding has none, a `direct` encoding's host conv included. Bits:
   * `biasSram` (bias.ts).
   */
  biasParams: number;
}

/** A stage that occupies cores: the input encoding or a conv/dense layer. */
export interface StageMapping {
  stage: number;
  /** Layer name, or `encoding`. */
  name: string;
  /** `encoding`: where input spikes start; `layer`: a weighted layer computed on the chip. */
  role: 'encoding' | 'layer';
  /** Window its neurons fire in. */
  window: number;
  shape: Shape3;
  /** Neurons in the stage. */
  size: number;
  cores: CoreAssignment[];
  /** Channels per core (the largest group) and row bands per channel (1 unless split). */
  channelsPerCore: number;
  bands: number;
  /** Rows per band are a multiple of this (the pooling stride(s) that follow), 1 if none. */
  rowAlign: number;
  /** Pool and flatten stages that follow this stage and live on its cores. */
  hosted: number[];
  /** Bias values stored by the stage's cores (sum of their `biasParams`). */
  biasParams: number;
  /** The stage whose spikes leave these cores: the last hosted stage, or this stage. */
  emitStage: number;
}

export interface Mapping {
  /** Model name, for messages and results. */
  model: string;
  neuronsPerCore: number;
  meshWidth: number;
  meshHeight: number;
  placement: PlacementName;
  /** Mapped stages (the encoding and every on-chip conv/dense stage), in stage order. */
  stages: StageMapping[];
  /**
   * For every stage of `stages(arch)`, the index into `stages` above of the mapped stage whose
   * cores hold it (pool and flatten stages: the stage they pool/flatten); -1 for the host-side
   * input of a `direct` encoding.
   */
  hostOf: Int32Array;
  /**
   * For every stage, the core holding each neuron (CHW index), or null where the stage is not on
   * the chip (the image of a `direct` encoding). Pool and flatten stages map to the core that
   * computes the pooled neuron, i.e. where its spike leaves from.
   */
  coreOfNeuron: (Int32Array | null)[];
  /** All cores by id. */
  cores: CoreAssignment[];
  /** Mesh node of each core. */
  nodeOfCore: Int32Array;
  /** Core at each mesh node, -1 where none. */
  coreOfNode: Int32Array;
  coresUsed: number;
  /** Neurons held by cores. */
  neurons: number;
  /** Bias values stored by all cores (sum of their `biasParams`). */
  biasParams: number;
  /** `neurons / (coresUsed * neuronsPerCore)`. */
  utilization: number;
}
