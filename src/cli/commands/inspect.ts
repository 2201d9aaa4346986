import type { Command } from 'commander';
import { UserError } from '../../util/errors.js';

/** `ttfsim inspect`: not implemented yet. */
export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('(not implemented yet)')
    .allowUnknownOption()
    .action(() => {
      throw new UserError('ttfsim inspect is not implemented yet');
    });
}
