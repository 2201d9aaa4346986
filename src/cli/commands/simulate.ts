import type { Command } from 'commander';
import { UserError } from '../../util/errors.js';

/** `ttfsim simulate`: not implemented yet. */
export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('(not implemented yet)')
    .allowUnknownOption()
    .action(() => {
      throw new UserError('ttfsim simulate is not implemented yet');
    });
}
