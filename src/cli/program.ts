import { existsSync } from 'node:fs';
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
    .configureOutput({
      writeErr: (s) => process.stderr.write(s),
      // Usage errors as one line, like every other error: `ttfsim: error: ... (Did you mean ...?)`.
      outputError: (s, write) => write(`ttfsim: ${s.trim().replace(/\s*\n\s*/g, ' ')}\n`),
    });
  registerCommands(program);
  try {
    await program.parseAsync(withDefaultCommands(argv));
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    return reportError(err);
  }
}

const ROOT_FLAGS = new Set(['-h', '--help', '-V', '--version', 'help']);

/**
 * `ttfsim [options]` runs `simulate` and `ttfsim sweep SPEC` runs `sweep run`: the default
 * subcommand is inserted here rather than declared to commander, because commander hands any
 * unknown word to a default command ("too many arguments for 'simulate'") where it should say
 * "unknown command 'simulte' (Did you mean simulate?)".
 */
export function withDefaultCommands(argv: readonly string[]): string[] {
  const [node = 'node', script = 'ttfsim', ...args] = argv;
  const first = args[0];
  if (first === undefined || (first.startsWith('-') && !ROOT_FLAGS.has(first))) {
    return [node, script, 'simulate', ...args];
  }
  const second = args[1];
  if (first === 'sweep' && second !== undefined && second !== 'run' && second !== 'merge') {
    // A spec file (an option, an existing path or a file-like name), not a mistyped subcommand.
    const specLike =
      (second.startsWith('-') && !ROOT_FLAGS.has(second)) ||
      existsSync(second) ||
      /[./\\]/.test(second);
    if (specLike) return [node, script, 'sweep', 'run', ...args.slice(1)];
  }
  return [node, script, ...args];
}

/**
 * Prints an error as one readable line (a stack trace only with TTFSIM_DEBUG=1). Exit codes:
 * 0 help and version, 2 usage errors and bad input, 1 internal errors.
 */
export function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    return err.exitCode === 0 ? 0 : 2;
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
