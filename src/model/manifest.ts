/**
 * The model manifest: a JSON file that describes a network (input, encoding, layers, readout,
 * classes), where its weights are and where they came from. See docs/model-format.md.
 *
 * The schema is zod v4; `schemas/model.schema.json` is generated from it
 * (`npx tsx src/model/exportSchema.ts`) for editors and other tools.
 */
import { z } from 'zod';
import { DEFAULT_BATCHNORM_EPS } from '../snn/batchnorm.js';
import type { Architecture, LayerSpec } from '../snn/network.js';
import { inFile, type UserError } from '../util/errors.js';

const posInt = () => z.number().int().positive();
const nonNegInt = () => z.number().int().nonnegative();

/**
 * Bounds of the model dimensions: far beyond VGG16 (3x32x32 or 224x224 inputs, 512 channels,
 * 4096 units), small enough that a typo (10^8 units) is refused by name before anything is
 * allocated. Models within them must still fit in memory (`checkModelMemory`).
 */
export const MODEL_LIMITS = {
  inputChannels: 4096,
  inputSide: 4096,
  channels: 65_536,
  kernel: 64,
  stride: 64,
  padding: 64,
  units: 10_000_000,
} as const;
const dim = (max: number) => posInt().max(max);

/** Layer names become tensor names (`<name>.weight`); PyTorch-style dotted names are allowed. */
const layerName = () =>
  z
    .string()
    .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'letters, digits, "_", "." and "-" only')
    .refine((s) => !s.endsWith('.'), 'must not end with "."')
    .optional()
    .describe(
      'Layer name, unique in the model; its tensors are "<name>.weight" (and "<name>.bias", batch norm: "<name>.running_mean", ...). Default: conv1, conv2, ... pool1, ... flatten1, fc1, ... bn1, ... in order of appearance',
    );

const biasField = (what: string) =>
  z
    .boolean()
    .default(false)
    .describe(
      `Whether the layer has a bias, tensor "<name>.bias" of shape [${what}]: in the DFT network one more input, a spike at tau = 1 of the input window with weight b`,
    );

export const ConvLayerSchema = z
  .strictObject({
    type: z
      .literal('conv')
      .describe('2D convolution, weights [outChannels, inChannels, kernel, kernel]'),
    name: layerName(),
    outChannels: dim(MODEL_LIMITS.channels).describe('Number of output channels (feature maps)'),
    kernel: dim(MODEL_LIMITS.kernel).describe('Square kernel size'),
    stride: dim(MODEL_LIMITS.stride).default(1).describe('Stride in both directions'),
    padding: nonNegInt()
      .max(MODEL_LIMITS.padding)
      .default(0)
      .describe('Zero padding on each side (padded positions never spike)'),
    bias: biasField('outChannels'),
  })
  .describe('Convolution layer');

export const PoolLayerSchema = z
  .strictObject({
    type: z.literal('pool').describe('Max pooling: the earliest spike of the region wins'),
    name: layerName(),
    size: dim(MODEL_LIMITS.kernel).default(2).describe('Square pooling window size'),
    stride: dim(MODEL_LIMITS.stride)
      .optional()
      .describe('Stride in both directions; default: equal to size'),
  })
  .describe('Max-pooling layer (no weights, no window of its own)');

export const FlattenLayerSchema = z
  .strictObject({
    type: z.literal('flatten').describe('Flatten the CHW map to a vector in CHW (PyTorch) order'),
    name: layerName(),
  })
  .describe('Flatten layer');

export const DenseLayerSchema = z
  .strictObject({
    type: z.literal('dense').describe('Fully connected layer, weights [units, inFeatures]'),
    name: layerName(),
    units: dim(MODEL_LIMITS.units).describe('Number of output neurons'),
    bias: biasField('units'),
  })
  .describe('Dense (fully connected) layer');

export const BatchNormLayerSchema = z
  .strictObject({
    type: z
      .literal('batchnorm')
      .describe(
        'Batch norm (evaluation mode) of the conv or dense layer right before it, folded into its weights and bias when the model is loaded',
      ),
    name: layerName(),
    eps: z
      .number()
      .positive()
      .default(DEFAULT_BATCHNORM_EPS)
      .describe('Added to the running variance before the square root (PyTorch default 1e-5)'),
  })
  .describe(
    'Batch-norm layer: tensors "<name>.weight" (gamma), "<name>.bias" (beta), "<name>.running_mean", "<name>.running_var" ("<name>.num_batches_tracked" is ignored), each [channels]',
  );

export const LayerSchema = z
  .discriminatedUnion('type', [
    ConvLayerSchema,
    PoolLayerSchema,
    FlattenLayerSchema,
    DenseLayerSchema,
    BatchNormLayerSchema,
  ])
  .describe('One layer; "type" is conv, pool, flatten, dense or batchnorm');

export const EncodingSchema = z
  .discriminatedUnion('kind', [
    z
      .strictObject({
        kind: z
          .literal('pixel')
          .describe('Eq. 1: a value a in [0, maxValue] spikes at tau = a / maxValue; 0 is silent'),
        maxValue: z
          .number()
          .positive()
          .default(255)
          .describe('Input value that maps to tau = 1 (255 for 8-bit images)'),
      })
      .describe('Pixel (latency) encoding of the raw input'),
    z
      .strictObject({
        kind: z
          .literal('direct')
          .describe(
            'The first conv runs on the host in analog form; clamp(x, 0, 1) of its output is encoded',
          ),
      })
      .describe('Direct encoding (the authors\u2019 CIFAR path)'),
  ])
  .describe('How the input becomes spikes in window 0');

export const ProvenanceSchema = z
  .strictObject({
    trainer: z
      .string()
      .optional()
      .describe('What produced the weights, e.g. "ttfsim 0.1.0" or "PyTorch (authors\u2019 code)"'),
    data: z.string().optional().describe('Training data, e.g. "MNIST train (60,000)"'),
    epochs: nonNegInt().optional().describe('Training epochs'),
    seed: z.number().int().optional().describe('Random seed of the training run'),
    testAccuracy: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe('Test accuracy as a fraction in [0, 1]'),
    testSamples: posInt().optional().describe('Number of test images the accuracy was measured on'),
    sparsity: z
      .number()
      .nonnegative()
      .optional()
      .describe('Spikes per neuron per frame on the test set (paper definition)'),
    date: z.string().optional().describe('When the weights were produced (ISO 8601)'),
    hyperparameters: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
      .optional()
      .describe('Training hyperparameters (learning rate, batch size, logit scale, ...)'),
    notes: z.string().optional().describe('Anything else a reader should know'),
  })
  .describe('Where the weights come from');

export const QuantizationSchema = z
  .strictObject({
    weightBits: z.number().int().min(2).max(16).describe('Signed integer weight width'),
    scheme: z
      .literal('symmetric-per-layer')
      .default('symmetric-per-layer')
      .describe('Symmetric quantization with one scale per layer (SPEC section 4)'),
    stepsPerWindow: dim(1_000_000)
      .optional()
      .describe('Discrete time steps per window the weights were tuned for'),
  })
  .describe('Quantization the weights were prepared for (optional)');

export const WeightsRefSchema = z
  .strictObject({
    file: z.string().min(1).describe('Safetensors file, relative to the manifest'),
    trained: z
      .boolean()
      .describe(
        'True only for weights that came out of training; false for initial or random weights',
      ),
  })
  .describe('The weights file');

export const ModelManifestSchema = z
  .strictObject({
    $schema: z.string().optional().describe('Path or URL of model.schema.json (for editors)'),
    formatVersion: z.literal(1).default(1).describe('Version of this manifest format'),
    name: z.string().min(1).describe('Short model name, e.g. "vgg16"'),
    description: z.string().default('').describe('What the model is, in a sentence or two'),
    input: z
      .strictObject({
        channels: dim(MODEL_LIMITS.inputChannels).describe(
          'Input channels (1 for MNIST, 3 for CIFAR)',
        ),
        height: dim(MODEL_LIMITS.inputSide).describe('Input height in pixels'),
        width: dim(MODEL_LIMITS.inputSide).describe('Input width in pixels'),
      })
      .describe('Input image shape (CHW)'),
    encoding: EncodingSchema,
    layers: z.array(LayerSchema).min(1).describe('Layers in order, from the input to the output'),
    readout: z
      .enum(['first-spike', 'membrane'])
      .default('first-spike')
      .describe(
        'first-spike: the earliest output spike wins (paper); membrane: the largest output membrane wins',
      ),
    classes: z
      .array(z.string())
      .min(2)
      .describe('Class names, one per output neuron, in output order'),
    dataset: z.string().min(1).describe('Default data: "mnist", "cifar10" or a folder path'),
    weights: WeightsRefSchema.nullable()
      .default(null)
      .describe('The weights file, or null for an architecture without weights'),
    provenance: ProvenanceSchema.default({}),
    quantization: QuantizationSchema.optional(),
  })
  .describe('A ttfsim model manifest');

export type ModelManifestInput = z.input<typeof ModelManifestSchema>;
export type ModelManifest = z.output<typeof ModelManifestSchema>;
export type ManifestLayer = z.output<typeof LayerSchema>;

/** Renders a zod issue path the way people write it: `layers[2].type`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let s = '';
  for (const p of path) {
    if (typeof p === 'number') s += `[${p}]`;
    else s += s === '' ? String(p) : `.${String(p)}`;
  }
  return s === '' ? '(top level)' : s;
}

function issueMessage(issue: z.core.$ZodIssue, input: unknown): string {
  if (issue.code === 'invalid_union' && 'discriminator' in issue && issue.discriminator) {
    const opts = (issue as { options?: unknown[] }).options ?? [];
    const got = valueAt(input, issue.path);
    const what = issue.discriminator === 'type' ? 'layer type' : issue.discriminator;
    const expected = opts.map((o) => String(o)).join(', ');
    return got === undefined
      ? `missing (expected one of ${expected})`
      : `unknown ${what} ${JSON.stringify(got)} (expected one of ${expected})`;
  }
  if (issue.code === 'unrecognized_keys') {
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  }
  return issue.message;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const p of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

/** Turns a zod error into one readable line: `file: layers[2].type: unknown layer type "lstm" ...`. */
export function zodToUserError(file: string, error: z.ZodError, input: unknown): UserError {
  const parts = error.issues
    .slice(0, 3)
    .map((i) => `${formatPath(i.path)}: ${issueMessage(i, input)}`);
  const more = error.issues.length > 3 ? ` (and ${error.issues.length - 3} more problems)` : '';
  const first = error.issues[0];
  const path: PropertyKey[] = first === undefined ? [] : [...first.path];
  if (first?.code === 'unrecognized_keys' && first.keys.length > 0) path.push(first.keys[0]!);
  return inFile(file, parts.join('; ') + more, path.length > 0 ? formatPath(path) : undefined);
}

/**
 * Validates a parsed JSON value as a manifest and fills in defaults, including the default layer
 * names. Also checks what the schema alone cannot: unique layer names, and that every batch norm
 * directly follows a conv or dense layer.
 */
export function parseManifest(input: unknown, file = '<manifest>'): ModelManifest {
  const r = ModelManifestSchema.safeParse(input);
  if (!r.success) throw zodToUserError(file, r.error, input);
  const m = r.data;
  const counters: Record<string, number> = {};
  const prefix = {
    conv: 'conv',
    pool: 'pool',
    flatten: 'flatten',
    dense: 'fc',
    batchnorm: 'bn',
  } as const;
  m.layers = m.layers.map((l) => {
    const n = (counters[l.type] = (counters[l.type] ?? 0) + 1);
    return l.name === undefined ? { ...l, name: `${prefix[l.type]}${n}` } : l;
  });
  const seen = new Set<string>();
  m.layers.forEach((l, i) => {
    if (seen.has(l.name!))
      throw inFile(file, `layers[${i}].name: duplicate layer name "${l.name}"`);
    seen.add(l.name!);
    if (l.type === 'batchnorm') {
      const prev = m.layers[i - 1];
      if (prev?.type !== 'conv' && prev?.type !== 'dense') {
        throw inFile(
          file,
          `layers[${i}]: batch norm must directly follow a conv or dense layer (it is folded into that layer), not ${prev === undefined ? 'the input' : `a ${prev.type} layer`}`,
        );
      }
    }
  });
  return m;
}

/** A batch norm of a manifest, folded into layer `after` of the architecture at load time. */
export interface BatchNormSpec {
  /** Index in `Architecture.layers` (batch-norm layers removed) of the layer it follows. */
  after: number;
  /** Tensor prefix: `<name>.weight`, `<name>.bias`, `<name>.running_mean`, `<name>.running_var`. */
  name: string;
  eps: number;
}

/**
 * The tensors a manifest's weighted layers read beyond `<name>.weight`, by index in
 * `Architecture.layers`: whether the layer has its own `<name>.bias` (the manifest's `bias`),
 * and the batch norms folded into layers.
 */
export interface TensorLayout {
  ownBias: boolean[];
  batchNorms: BatchNormSpec[];
}

/** The {@link TensorLayout} of a parsed manifest (names filled by `parseManifest`). */
export function manifestTensorLayout(m: ModelManifest): TensorLayout {
  const ownBias: boolean[] = [];
  const batchNorms: BatchNormSpec[] = [];
  for (const l of m.layers) {
    if (l.type === 'batchnorm') {
      batchNorms.push({ after: ownBias.length - 1, name: l.name!, eps: l.eps });
    } else {
      ownBias.push((l.type === 'conv' || l.type === 'dense') && l.bias);
    }
  }
  return { ownBias, batchNorms };
}

/** `bias: true` only where there is one, so that bias-free layers are exactly as before. */
function toLayerSpec(
  l: Exclude<ManifestLayer, { type: 'batchnorm' }>,
  name: string,
  bias: boolean,
): LayerSpec {
  switch (l.type) {
    case 'conv':
      return {
        kind: 'conv',
        name,
        outChannels: l.outChannels,
        kernel: l.kernel,
        stride: l.stride,
        padding: l.padding,
        ...(bias ? { bias: true } : {}),
      };
    case 'pool':
      return { kind: 'pool', name, size: l.size, stride: l.stride ?? l.size };
    case 'flatten':
      return { kind: 'flatten', name };
    case 'dense':
      return { kind: 'dense', name, units: l.units, ...(bias ? { bias: true } : {}) };
  }
}

/**
 * The manifest's layers in the simulator's terms (names must have been filled by
 * `parseManifest`). Batch-norm layers are folded away: the layer before one gets `bias: true`
 * (its weights and bias are folded when the weights are loaded, load.ts).
 */
export function manifestToArchitecture(m: ModelManifest): Architecture {
  const layers: LayerSpec[] = [];
  m.layers.forEach((l, i) => {
    if (l.type === 'batchnorm') {
      const prev = layers[layers.length - 1];
      if (prev?.kind === 'conv' || prev?.kind === 'dense') prev.bias = true;
      return;
    }
    const own = (l.type === 'conv' || l.type === 'dense') && l.bias;
    layers.push(toLayerSpec(l, l.name ?? `layer${i}`, own));
  });
  return {
    input: { c: m.input.channels, h: m.input.height, w: m.input.width },
    encoding:
      m.encoding.kind === 'pixel'
        ? { kind: 'pixel', maxValue: m.encoding.maxValue }
        : { kind: 'direct' },
    layers,
    readout: m.readout,
  };
}
