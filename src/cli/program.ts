import { Command, CommanderError } from 'commander';
import { UserError } from '../util/errors.js';
import { VERSION } from '../util/version.js';
import { registerCommands } from './commands/index.js';

/** Entry point of the `ttfsim` command. Argument parsing only; the work lives in the modules. */
export async function main(argv: string[]): Promise<number> {
  const program = new Command();
  program
    .name('ttfsim')
    .description(
      'Simulate, train and explore time-to-first-spike SNNs with dynamic firing thresholds on mesh neuromorphic chips',
    )
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerCommands(program);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    return reportError(err);
  }
}

/** Prints an error as one readable line (a stack trace only with TTFSIM_DEBUG=1). */
export function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    return err.exitCode;
  }
  if (err instanceof UserError) {
    process.stderr.write(`ttfsim: error: ${err.message}\n`);
    return 2;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`ttfsim: internal error: ${message}\n`);
  if (process.env.TTFSIM_DEBUG === '1' && err instanceof Error)
    process.stderr.write(`${err.stack}\n`);
  else process.stderr.write('(set TTFSIM_DEBUG=1 for a stack trace)\n');
  return 1;
}
