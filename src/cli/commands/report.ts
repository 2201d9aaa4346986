import type { Command } from 'commander';
import { UserError } from '../../util/errors.js';

/** `ttfsim report`: not implemented yet. */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description('(not implemented yet)')
    .allowUnknownOption()
    .action(() => {
      throw new UserError('ttfsim report is not implemented yet');
    });
}
