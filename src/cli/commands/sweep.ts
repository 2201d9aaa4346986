import type { Command } from 'commander';
import { UserError } from '../../util/errors.js';

/** `ttfsim sweep`: not implemented yet. */
export function registerSweep(program: Command): void {
  program
    .command('sweep')
    .description('(not implemented yet)')
    .allowUnknownOption()
    .action(() => {
      throw new UserError('ttfsim sweep is not implemented yet');
    });
}
