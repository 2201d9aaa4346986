import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeTinySet } from './tinyData.js';

const ROOT = join(import.meta.dirname, '..', '..');
const EPOCHS = 4;

function cli(args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'train', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function finished(child: ChildProcess): Promise<{ code: number | null; signal: string | null }> {
  let err = '';
  child.stderr?.on('data', (d) => {
    err += String(d);
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code !== null && code !== 0) reject(new Error(`ttfsim train exited ${code}: ${err}`));
      else resolve({ code, signal });
    });
  });
}

function checkpointEpoch(out: string): number {
  const p = join(out, 'checkpoint.json');
  if (!existsSync(p)) return 0;
  try {
    return (JSON.parse(readFileSync(p, 'utf8')) as { epoch: number }).epoch;
  } catch {
    return 0;
  }
}

describe('ttfsim train, killed and resumed', () => {
  it('a SIGKILLed run resumed with --resume ends bit-identical to an uninterrupted one', async () => {
    const tiny = writeTinySet(256, 32);
    const args = (out: string) => [
      '--model',
      tiny.manifest,
      '--data',
      tiny.dataDir,
      '--epochs',
      String(EPOCHS),
      '--batch',
      '16',
      '--seed',
      '3',
      '--milestones',
      '3',
      '--augment-shift',
      '1',
      '--workers',
      '2',
      '--out',
      out,
    ];
    const whole = join(tiny.dir, 'whole');
    const killed = join(tiny.dir, 'killed');
    await finished(cli(args(whole)));

    const child = cli(args(killed));
    const exit = finished(child);
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (checkpointEpoch(killed) >= 1 || child.exitCode !== null) {
          clearInterval(timer);
          child.kill('SIGKILL');
          resolve();
        }
      }, 5);
    });
    const { signal } = await exit;
    expect(signal).toBe('SIGKILL');
    const at = checkpointEpoch(killed);
    expect(at).toBeGreaterThanOrEqual(1);
    expect(at).toBeLessThan(EPOCHS);
    expect(existsSync(join(killed, 'tiny.safetensors'))).toBe(false);

    await finished(cli([...args(killed), '--resume']));
    const a = readFileSync(join(whole, 'tiny.safetensors'));
    const b = readFileSync(join(killed, 'tiny.safetensors'));
    expect(b.equals(a)).toBe(true);
    const m = JSON.parse(readFileSync(join(killed, 'tiny.json'), 'utf8'));
    expect(m.provenance.epochs).toBe(EPOCHS);
  });
});
