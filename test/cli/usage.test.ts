/**
 * The command line (issue 15, item 12): a mistyped command suggests the closest one, usage
 * errors exit 2 wherever commander or ttfsim catches them, help and version exit 0.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { withDefaultCommands } from '../../src/cli/program.js';
import { tempDir } from '../run/helpers.js';
import { cli, expectOneLineError } from './helpers.js';

const tmp = tempDir('ttfsim-usage-');
afterAll(tmp.cleanup);

describe('ttfsim usage', () => {
  it('inserts the default commands only where no command was given', () => {
    const argv = (...a: string[]) => withDefaultCommands(['node', 'ttfsim', ...a]).slice(2);
    expect(argv()).toEqual(['simulate']);
    expect(argv('--hw', 'x')).toEqual(['simulate', '--hw', 'x']);
    expect(argv('--help')).toEqual(['--help']);
    expect(argv('simulte')).toEqual(['simulte']);
    expect(argv('sweep', 'spec.json', '--out', 'd')).toEqual([
      'sweep',
      'run',
      'spec.json',
      '--out',
      'd',
    ]);
    expect(argv('sweep', 'merge', 'a', '--out', 'd')).toEqual([
      'sweep',
      'merge',
      'a',
      '--out',
      'd',
    ]);
    expect(argv('sweep', 'mrege', 'a')).toEqual(['sweep', 'mrege', 'a']);
  });

  it.each([
    [['trian'], /unknown command 'trian' \(Did you mean train\?\)/],
    [['inspcet', 'mnist-cnn'], /unknown command 'inspcet' \(Did you mean inspect\?\)/],
    [['sweep', 'rnu', 'x'], /unknown command 'rnu' \(Did you mean run\?\)/],
    [['simulate', '--frame', '3'], /unknown option '--frame' \(Did you mean --frames\?\)/],
    [['noc', '--mesh'], /option '--mesh <WxH>' argument missing/],
    [['train'], /required option '--model <manifest>' not specified/],
  ])('%j exits 2 with one line', async (args, pattern) => {
    expectOneLineError(await cli(args, tmp.dir), pattern);
  });

  it('help and version exit 0', async () => {
    for (const args of [['--help'], ['--version'], ['sweep', '--help'], ['help', 'simulate']]) {
      const r = await cli(args, tmp.dir);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(r.stdout).not.toBe('');
    }
  });
});
