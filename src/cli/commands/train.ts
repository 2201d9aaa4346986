import type { Command } from 'commander';
import { UserError } from '../../util/errors.js';

/** `ttfsim train`: not implemented yet. */
export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('(not implemented yet)')
    .allowUnknownOption()
    .action(() => {
      throw new UserError('ttfsim train is not implemented yet');
    });
}
