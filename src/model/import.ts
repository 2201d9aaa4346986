/**
 * A network for a given architecture from a file of someone else's making: a ttfsim model
 * manifest, or a safetensors file such as a PyTorch `state_dict` export (the trainer's initial
 * weights, `ttfsim train --init <file>`; docs/model-format.md).
 *
 * Safetensors tensors are matched by name first (`<layer>.weight`, `<layer>.bias`). Failing
 * that, **by order**: the tensors are grouped by module (the name without its last component:
 * `3.weight` and `3.bias` are module `3`), a module with `running_mean`/`running_var` is a batch
 * norm, one with a 4D or 2D `weight` a conv or dense layer; the modules, in order, must be the
 * architecture's weighted layers, each optionally followed by its batch norm, every shape agreeing.
 * A PyTorch `nn.Sequential` export (`0.weight, 0.bias, 1.weight, 1.bias, 1.running_mean, ...,
 * 4.weight, ...`) matches so. The order tried first is the natural order of the module names
 * (`features.2` before `features.10`), with the top-level blocks (`features`, `classifier`) in
 * every order when there are a few; the first order that fits wins. Batch norm is folded in
 * double precision with `eps` = 1e-5 (PyTorch's default; the file does not record it).
 *
 * Biases: a layer whose file has a bias or a batch norm must have `bias: true` in the
 * architecture (else the file does not fit, and the error says so); a layer with `bias: true`
 * whose file has neither starts with zero biases (a zero bias is exactly no bias).
 */
import { existsSync } from 'node:fs';
import { DEFAULT_BATCHNORM_EPS } from '../snn/batchnorm.js';
import {
  type Architecture,
  type LayerSpec,
  layerBias,
  type Network,
  stages,
  weightShape,
} from '../snn/network.js';
import { inFile, UserError } from '../util/errors.js';
import { loadModel } from './load.js';
import type { BatchNormSpec } from './manifest.js';
import { readSafetensors, type SafetensorsFile, type SafetensorsTensor } from './safetensors.js';
import { biasTensorName, networkFromSafetensors, weightTensorName } from './tensors.js';

const hasBias = (l: LayerSpec) => (l.kind === 'conv' || l.kind === 'dense') && !!l.bias;

/** Layers without their bias flags, to compare architectures. */
function withoutBias(layers: LayerSpec[]): string {
  return JSON.stringify(
    layers.map((l) => {
      if (l.kind !== 'conv' && l.kind !== 'dense') return l;
      const { bias: _, ...rest } = l;
      return rest;
    }),
  );
}

/** From a model manifest: same layers and input; biases where the target has them. */
function fromManifest(arch: Architecture, path: string): Network {
  const m = loadModel(path);
  if (m.network === null) throw inFile(path, 'weights: the manifest has no weights to start from');
  const same =
    withoutBias(m.arch.layers) === withoutBias(arch.layers) &&
    JSON.stringify(m.arch.input) === JSON.stringify(arch.input);
  if (!same) throw inFile(path, 'layers: architecture differs from the model being trained');
  const biases = arch.layers.map((l, i) => {
    const b = layerBias(m.network!, i);
    if (b !== null && !hasBias(l)) {
      throw inFile(
        path,
        `layer ${l.name} has a bias (or a folded batch norm) here but not in the model being trained; give it "bias": true`,
      );
    }
    if (!hasBias(l)) return null;
    return b ?? new Float32Array(stages(arch)[i + 1]!.shape.c);
  });
  const net: Network = { arch, weights: m.network.weights };
  if (biases.some((b) => b !== null)) net.biases = biases;
  return net;
}

interface Module {
  name: string;
  tensors: Map<string, SafetensorsTensor>;
}

/** Natural order of dotted names: numeric components compare as numbers. */
function naturalCompare(a: string, b: string): number {
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (x === y) continue;
    const nx = /^\d+$/.test(x) ? Number(x) : Number.NaN;
    const ny = /^\d+$/.test(y) ? Number(y) : Number.NaN;
    if (!Number.isNaN(nx) && !Number.isNaN(ny)) return nx - ny;
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) =>
    permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]),
  );
}

/** Module orders to try (see the file comment). */
function moduleOrders(file: SafetensorsFile): Module[][] {
  const byName = new Map<string, Module>();
  for (const [name, t] of file.tensors) {
    const dot = name.lastIndexOf('.');
    const mod = dot < 0 ? '' : name.slice(0, dot);
    if (!byName.has(mod)) byName.set(mod, { name: mod, tensors: new Map() });
    byName.get(mod)!.tensors.set(dot < 0 ? name : name.slice(dot + 1), t);
  }
  const natural = [...byName.values()].sort((a, b) => naturalCompare(a.name, b.name));
  const orders = [natural];
  const blocks = [...new Set(natural.map((m) => m.name.split('.')[0]!))];
  if (blocks.length > 1 && blocks.length <= 4) {
    for (const p of permutations(blocks).slice(1)) {
      orders.push(p.flatMap((b) => natural.filter((m) => m.name.split('.')[0] === b)));
    }
  }
  orders.push([...byName.values()]); // the file's own (offset) order
  return orders;
}

const BN_KEYS = new Set(['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
const isBatchNorm = (m: Module) => m.tensors.has('running_mean') || m.tensors.has('running_var');

/**
 * Matches modules to the weighted layers in order; returns the renamed tensors and the batch
 * norms, or null when the order does not fit. Throws when it fits except for a missing
 * `bias: true`.
 */
function matchInOrder(arch: Architecture, modules: Module[], path: string) {
  const st = stages(arch);
  const tensors = new Map<string, SafetensorsTensor>();
  const batchNorms: BatchNormSpec[] = [];
  const ownBias: boolean[] = arch.layers.map(() => false);
  const realName = new Map<string, string>();
  let k = 0;
  let biasProblem: string | null = null;
  for (let i = 0; i < arch.layers.length; i++) {
    const layer = arch.layers[i]!;
    const shape = weightShape(layer, st[i]!.shape);
    if (shape === null) continue;
    const mod = modules[k++];
    if (mod === undefined || isBatchNorm(mod)) return null;
    const w = mod.tensors.get('weight');
    if (w === undefined || JSON.stringify(w.shape) !== JSON.stringify(shape)) return null;
    if ([...mod.tensors.keys()].some((key) => key !== 'weight' && key !== 'bias')) return null;
    tensors.set(weightTensorName(layer.name), { ...w, name: weightTensorName(layer.name) });
    const b = mod.tensors.get('bias');
    if (b !== undefined)
      tensors.set(biasTensorName(layer.name), { ...b, name: biasTensorName(layer.name) });
    const bnMod = modules[k] !== undefined && isBatchNorm(modules[k]!) ? modules[k++]! : null;
    if ((b !== undefined || bnMod !== null) && !hasBias(layer)) {
      biasProblem ??= `module "${mod.name}"${bnMod ? ` and its batch norm "${bnMod.name}"` : ''} of layer ${layer.name} give it a bias, but the model being trained has none there; give layer ${layer.name} "bias": true`;
    }
    ownBias[i] = b !== undefined || (bnMod === null && hasBias(layer));
    if (bnMod !== null) {
      if ([...bnMod.tensors.keys()].some((key) => !BN_KEYS.has(key))) return null;
      const bnName = `#bn${batchNorms.length + 1}`;
      realName.set(bnName, bnMod.name);
      for (const [key, t] of bnMod.tensors)
        tensors.set(`${bnName}.${key}`, { ...t, name: `${bnName}.${key}` });
      batchNorms.push({ after: i, name: bnName, eps: DEFAULT_BATCHNORM_EPS });
    }
  }
  if (k !== modules.length) return null;
  if (biasProblem !== null) throw inFile(path, biasProblem);
  return { tensors, layout: { ownBias, batchNorms }, realName };
}

/** The network for `arch` from a manifest or a safetensors file (see the file comment). */
export function importNetwork(arch: Architecture, path: string): Network {
  if (!existsSync(path)) throw inFile(path, 'initial weights not found');
  if (path.endsWith('.json')) return fromManifest(arch, path);
  const file = readSafetensors(path);
  try {
    return networkFromSafetensors(arch, file, path, { zeroMissingBias: true });
  } catch (byName) {
    if (!(byName instanceof UserError)) throw byName;
    for (const order of moduleOrders(file)) {
      const m = matchInOrder(arch, order, path);
      if (m === null) continue;
      try {
        return networkFromSafetensors(arch, { tensors: m.tensors, metadata: file.metadata }, path, {
          layout: m.layout,
          zeroMissingBias: true,
        });
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        let msg = err.message;
        for (const [tmp, real] of m.realName) msg = msg.split(tmp).join(real);
        throw new UserError(msg);
      }
    }
    throw byName;
  }
}
