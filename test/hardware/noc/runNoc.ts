import { Command } from 'commander';
import { vi } from 'vitest';
import { registerNoc } from '../../../src/cli/commands/noc.js';

/** Runs `ttfsim noc ARGS` in this process and returns what it wrote to stdout (stderr muted). */
export async function runNoc(args: string[]): Promise<string> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out += String(s);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const program = new Command().exitOverride();
    registerNoc(program);
    await program.parseAsync(['node', 'ttfsim', 'noc', ...args]);
  } finally {
    spy.mockRestore();
    err.mockRestore();
  }
  return out;
}
