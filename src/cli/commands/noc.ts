import type { Command } from 'commander';
import { UserError } from '../../util/errors.js';

/** `ttfsim noc`: not implemented yet. */
export function registerNoc(program: Command): void {
  program
    .command('noc')
    .description('(not implemented yet)')
    .allowUnknownOption()
    .action(() => {
      throw new UserError('ttfsim noc is not implemented yet');
    });
}
