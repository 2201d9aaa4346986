import type { Command } from 'commander';
import { registerInspect } from './inspect.js';
import { registerNoc } from './noc.js';
import { registerReport } from './report.js';
import { registerSimulate } from './simulate.js';
import { registerSweep } from './sweep.js';
import { registerTrain } from './train.js';

/** Adds every subcommand. Each lives in its own file and only parses arguments. */
export function registerCommands(program: Command): void {
  registerSimulate(program);
  registerTrain(program);
  registerInspect(program);
  registerNoc(program);
  registerSweep(program);
  registerReport(program);
}
