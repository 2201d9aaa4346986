import type { Dataset } from '../data/dataset.js';
import { inputValues } from '../data/values.js';
import type { LoadedModel } from '../model/load.js';
import type { Network } from '../snn/network.js';
import { cachedUntrainedNetwork } from './calibrationCache.js';

/** Test images the weights of an untrained model are calibrated on (the first ones of the set). */
export const CALIBRATION_FRAMES = 4;

/**
 * The network a run simulates: the model's trained weights, or for a model without weights
 * seeded random ones calibrated on the first {@link CALIBRATION_FRAMES} test images
 * (`untrainedNetwork`, src/sim/untrained.ts; through the content-addressed cache in `cacheDir`,
 * calibrationCache.ts), with the note that says so.
 */
export function runNetwork(
  model: LoadedModel,
  dataset: Dataset,
  seed: number,
  stepsPerWindow: number | null,
  cacheDir: string | null = null,
): { network: Network; note: string | null } {
  const name = model.manifest.name;
  if (model.network !== null) {
    const note = model.trained
      ? null
      : `model ${name}: its weights are marked untrained; accuracy is not reported`;
    return { network: model.network, note };
  }
  const { c, h, w } = model.arch.input;
  const size = c * h * w;
  const cal = Math.min(CALIBRATION_FRAMES, dataset.count);
  const calibrationInputs = Array.from({ length: cal }, (_, i) =>
    inputValues(dataset, i * size, (i + 1) * size),
  );
  const u = cachedUntrainedNetwork(cacheDir, model.arch, {
    seed,
    calibrationInputs,
    stepsPerWindow,
  });
  return {
    network: u.network,
    note: `model ${name} has no trained weights: ran with seeded random weights (seed ${seed}) scaled so that each layer fires about ${Math.round(100 * u.targetFiringFraction)}% of its neurons on the first ${cal} test images; accuracy is meaningless and not reported, spikes, traffic and energy are indicative`,
  };
}
