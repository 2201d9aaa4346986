import type { InputBuffers } from './inputUnit.js';
import type { WormTable } from './worms.js';

/**
 * What the report reads of the fabric (`Fabric` of fabric.ts has all of it): its buffers and
 * worms, each input VC's outputs still to visit and the output VC it holds, the credits.
 */
export interface BlockedBuffersView {
  readonly meshWidth: number;
  readonly vcs: number;
  readonly depthFlits: number;
  readonly buf: InputBuffers;
  readonly worms: WormTable;
  readonly remaining: Int32Array;
  readonly outVc: Int32Array;
  readonly credits: Int32Array;
  readonly flitsInside: number;
  readonly lastMove: number;
}

/**
 * The deadlock/livelock watchdog's report: the non-empty input buffers with what their front
 * flit waits for (an output VC, credits), so that a stuck network stops with a diagnosis
 * instead of hanging. The timing engines decide when to raise it (see `clocked.ts`, `async.ts`).
 */
export function blockedBuffersReport(f: BlockedBuffersView, now: number, limit = 20): string {
  const PORTS = 5;
  const lines: string[] = [];
  const names = ['N', 'E', 'S', 'W', 'local'];
  const V = f.vcs;
  for (let q = 0; q < f.buf.queues && lines.length < limit; q++) {
    if (f.buf.count(q) === 0) continue;
    const r = Math.floor(q / (PORTS * V));
    const p = Math.floor(q / V) % PORTS;
    const slot = f.buf.front(q);
    const pk = f.worms.packet[f.buf.worm(slot)];
    const want: string[] = [];
    const rem = f.remaining[q];
    for (let o = 0; o < PORTS; o++) {
      if (rem > 0 && (rem >> o) & 1) {
        const held = f.outVc[q * PORTS + o];
        want.push(
          `${names[o]}(${held >= 0 ? `vc ${held % V} credits ${f.credits[held]}` : 'no VC'})`,
        );
      }
    }
    lines.push(
      `router ${r} (${r % f.meshWidth},${Math.floor(r / f.meshWidth)}) in ${names[p]} vc ${q % V}: ` +
        `${f.buf.count(q)}/${f.depthFlits} flits, front packet ${pk?.id} flit ${f.buf.seq(slot)}` +
        (want.length > 0 ? `, waiting for ${want.join(' ')}` : ''),
    );
  }
  return `${f.flitsInside} flits in flight, none moved since ${f.lastMove} (now ${now}); blocked buffers:\n  ${lines.join('\n  ')}`;
}

/** Thrown by the watchdog when flits stop moving while some are in flight. */
export class NocDeadlockError extends Error {
  constructor(readonly report: string) {
    super(`network-on-chip deadlock or livelock: ${report}`);
    this.name = 'NocDeadlockError';
  }
}
