import type { Command } from 'commander';
import { inspectModel, loadModel } from '../../api/index.js';
import { formatInspect } from '../../model/inspect.js';

/** `ttfsim inspect <model>`: layers, shapes, windows, neurons, synapses, weights. */
export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description(
      'Show a model: layers with output shapes, windows, neurons (paper count), synapses, parameters, encoding, readout and whether trained weights are present',
    )
    .argument('<model>', 'bundled model name (mnist-cnn, vgg11, vgg16) or path to a manifest .json')
    .option('--json', 'print the report as JSON (for scripts)')
    .action((model: string, opts: { json?: boolean }) => {
      const report = inspectModel(loadModel(model));
      process.stdout.write(
        opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatInspect(report),
      );
    });
}
