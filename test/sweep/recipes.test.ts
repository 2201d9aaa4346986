/**
 * The cluster recipes of examples/ run as they are: the Slurm array script with the variables
 * Slurm sets, and the Kubernetes Indexed Job's command with JOB_COMPLETION_INDEX; their shards
 * merge to the CSV of a single uninterrupted run.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeSweeps } from '../../src/sweep/merge.js';
import { runSweep } from '../../src/sweep/runner.js';
import { runPointByName } from '../../src/sweep/runners.js';
import { PROJECT_ROOT } from '../../src/util/version.js';
import {
  CLI,
  type CliResult,
  read,
  TSX_IMPORT,
  tempDir,
  writeSpec,
  writeTinyModel,
} from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
let spec: string;
let single: string;
let bin: string;

/** Runs a shell command with `ttfsim` on the PATH (the CLI from sources). */
function sh(shell: string, args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(shell, args, {
      cwd: tmp.dir,
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  tmp = tempDir();
  const { model, data } = writeTinyModel(tmp.dir);
  spec = writeSpec(tmp.dir, 'spec.json', {
    name: 'recipes-test',
    model,
    data,
    frames: 2,
    noc: 'detailed',
    set: ['chip.neuronsPerCore=32'],
    axes: [
      { field: 'chip.placement', values: ['row-major', 'snake', 'layer-affinity'] },
      { field: 'noc.multicast', values: ['unicast', 'xy-tree'] },
      { field: 'noc.bufferDepthFlits', values: [1, 4] },
    ],
  });
  bin = join(tmp.dir, 'bin');
  mkdirSync(bin);
  writeFileSync(
    join(bin, 'ttfsim'),
    `#!/bin/sh\nexec "${process.execPath}" --import "${TSX_IMPORT}" "${CLI}" "$@"\n`,
  );
  chmodSync(join(bin, 'ttfsim'), 0o755);
  single = join(tmp.dir, 'single');
  const r = await runSweep({ specPath: spec, outDir: single, runPoint: runPointByName });
  expect(r.rows).toBe(12);
});
afterAll(() => tmp.cleanup());

describe('cluster recipes in examples/', () => {
  it('the Slurm array script, run as tasks 0..2 of 3, merges to the single-process CSV', async () => {
    const script = join(PROJECT_ROOT, 'examples', 'slurm-sweep.sh');
    const out = join(tmp.dir, 'slurm');
    const tasks = await Promise.all(
      [0, 1, 2].map((i) =>
        sh('bash', [script, spec, out], {
          SLURM_ARRAY_TASK_ID: String(i),
          SLURM_ARRAY_TASK_COUNT: '3',
          SLURM_CPUS_PER_TASK: '1',
        }),
      ),
    );
    for (const t of tasks) expect(t.code, t.stderr).toBe(0);
    const r = mergeSweeps(
      [0, 1, 2].map((i) => join(out, `shard-${i}`)),
      join(out, 'merged'),
    );
    expect(r.missing).toEqual([]);
    expect(read(join(out, 'merged', 'sweep.csv'))).toBe(read(join(single, 'sweep.csv')));
  });

  it('the Indexed Job command, run for every completion index, merges to the same CSV', async () => {
    const yaml = readFileSync(join(PROJECT_ROOT, 'examples', 'k8s-sweep-job.yaml'), 'utf8');
    // Minimal parse: completions, the container's env name/value pairs, the args command.
    const completions = Number(/^\s*completions:\s*(\d+)/m.exec(yaml)![1]);
    const env: Record<string, string> = {};
    for (const m of yaml.matchAll(/- name: (\w+)\s*\n\s*value: "?([^"\n]*)"?/g)) env[m[1]!] = m[2]!;
    expect(/completionMode:\s*Indexed/.test(yaml)).toBe(true);
    expect(env.SHARDS).toBe(String(completions));
    const lines = yaml.split('\n');
    const argsAt = lines.findIndex((l) => /^\s*args:\s*$/.test(l));
    const command = lines[argsAt + 1]!.replace(/^\s*-\s*/, '');
    expect(command).toMatch(/^ttfsim sweep /);
    const out = join(tmp.dir, 'k8s');
    const pods = await Promise.all(
      Array.from({ length: completions }, (_, k) =>
        sh('/bin/sh', ['-c', command], {
          ...env,
          SPEC: spec,
          OUT: out,
          WORKERS: '1',
          JOB_COMPLETION_INDEX: String(k),
        }),
      ),
    );
    for (const p of pods) expect(p.code, p.stderr).toBe(0);
    const dirs = Array.from({ length: completions }, (_, k) => join(out, `shard-${k}`));
    const r = mergeSweeps(dirs, join(out, 'merged'));
    expect(r.missing).toEqual([]);
    expect(read(join(out, 'merged', 'sweep.csv'))).toBe(read(join(single, 'sweep.csv')));
  });
});
