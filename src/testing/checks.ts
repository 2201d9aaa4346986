import type { HardwareConfig } from '../hardware/config.js';
import { DetailedNoc } from '../hardware/noc/detailed.js';
import type { RefPacket } from '../hardware/noc/reference.js';
import type { RunResult } from '../report/runResult.js';
import type { SimFrameResult, SimRunSummary } from '../sim/frameResult.js';
import { simulateFrames } from '../sim/run.js';
import { idealNocFactory, prepareSimulation } from '../sim/setup.js';
import type { Network } from '../snn/network.js';
import { quantizeNetwork } from '../snn/quantize.js';
import { prepareNetwork, referenceForward } from '../snn/reference.js';
import { bruteTraffic } from './bruteTraffic.js';
import type { DetailedRun } from './noc.js';

/**
 * The invariants ttfsim checks on itself, as functions a property calls: each returns quietly
 * when the invariant holds and throws an {@link InvariantError} saying what differs when it
 * does not (fast-check then shrinks the case and prints its seed).
 */
export class InvariantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvariantError';
  }
}

function fail(message: string): never {
  throw new InvariantError(message);
}

function sameArray(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  if (a.length !== b.length) fail(`${what}: length ${a.length} vs ${b.length}`);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) fail(`${what}[${i}]: ${a[i]} vs ${b[i]} (reference)`);
  }
}

/** Options of {@link checkMatchesReference}. */
export interface MatchOptions {
  /** The network between cores (default `ideal`); spike times must not depend on it. */
  noc?: 'ideal' | 'detailed';
  /** `quantized` (default: `timing.stepsPerWindow` steps) or `exact` continuous time. */
  timeMode?: 'exact' | 'quantized';
  /** Weight bits, null for float (default: the config's `chip.weightBits`). */
  weightBits?: number | null;
  /** Frames on the chip at once (default: one per window). */
  maxFramesInFlight?: number;
}

/**
 * Spike for spike: simulates `inputs` event by event on the chip `hw` and checks every frame
 * against the dense reference forward pass of the same (quantized) network: every spike time of
 * every stage bit for bit, the spike counts, the output membrane and the decision; and the SOPs
 * (and, with unicast, the packets and hops) against a brute-force count from the definition of
 * the layers. Returns the simulated frames and the run summary.
 */
export function checkMatchesReference(
  net: Network,
  hw: HardwareConfig,
  inputs: readonly ArrayLike<number>[],
  opts: MatchOptions = {},
): { frames: SimFrameResult[]; summary: SimRunSummary } {
  const weightBits = opts.weightBits === undefined ? hw.chip.weightBits : opts.weightBits;
  const setup = prepareSimulation(net, hw, {
    timeMode: opts.timeMode ?? 'quantized',
    weightBits,
    noc: opts.noc === 'detailed' ? (w, h, p) => new DetailedNoc(w, h, p) : idealNocFactory,
  });
  const simulated = quantizeNetwork(net, weightBits);
  const prep = prepareNetwork(simulated);
  const frames: SimFrameResult[] = [];
  const run =
    opts.maxFramesInFlight === undefined ? {} : { maxFramesInFlight: opts.maxFramesInFlight };
  const summary = simulateFrames(setup, inputs, run, (r) => frames.push(r));
  if (frames.length !== inputs.length) fail(`${frames.length} frames of ${inputs.length} finished`);
  frames.forEach((r, f) => {
    if (r.frame !== f) fail(`frame ${f} came out as ${r.frame}`);
    const ref = referenceForward(prep, inputs[f]!, { stepsPerWindow: setup.stepsPerWindow });
    if (r.tau.length !== ref.tau.length) fail(`frame ${f}: ${r.tau.length} stages`);
    for (let s = 0; s < r.tau.length; s++)
      sameArray(r.tau[s]!, ref.tau[s]!, `frame ${f} stage ${s} tau`);
    sameArray(r.spikes, ref.spikes, `frame ${f} spikes`);
    sameArray(r.outputMembrane, ref.outputMembrane, `frame ${f} output membrane`);
    if (r.decision !== ref.decision) fail(`frame ${f}: decision ${r.decision} vs ${ref.decision}`);
    const brute = bruteTraffic(simulated, setup.mapping, ref.tau);
    if (r.sops !== brute.sops) fail(`frame ${f}: ${r.sops} SOPs vs ${brute.sops} by definition`);
    if (hw.noc.multicast === 'unicast') {
      if (r.spikePackets !== brute.packets)
        fail(`frame ${f}: ${r.spikePackets} packets vs ${brute.packets} by definition`);
      if (r.spikeHops !== brute.hops)
        fail(`frame ${f}: ${r.spikeHops} hops vs ${brute.hops} by definition`);
    }
  });
  checkNocConservation(summary, frames, hw.noc.multicast);
  return { frames, summary };
}

/**
 * Every packet the cores of a simulation sent (spike and control, as its frames count them)
 * entered the network and was delivered: once (unicast), or at least once (a multicast tree
 * delivers at each destination).
 */
export function checkNocConservation(
  summary: SimRunSummary,
  frames: readonly SimFrameResult[],
  multicast: 'unicast' | 'xy-tree',
): void {
  const s = summary.noc;
  let sent = 0;
  for (const f of frames) sent += f.spikePackets + f.controlPackets;
  if (s.packetsInjected !== sent)
    fail(`${s.packetsInjected} packets entered the network, the cores sent ${sent}`);
  if (multicast === 'unicast' ? s.packetsDelivered !== sent : s.packetsDelivered < sent)
    fail(`${sent} packets sent, ${s.packetsDelivered} deliveries (${multicast})`);
}

/**
 * Every packet offered to a detailed network ({@link runDetailed}) is delivered exactly once at
 * each of its destinations and nowhere else, and the network's own counters agree.
 */
export function checkDeliveredOnce(run: DetailedRun, packets: readonly RefPacket[]): void {
  const want = new Map<string, number>();
  for (const p of packets) for (const d of p.dsts) want.set(`${p.id}@${d}`, 0);
  for (const d of run.deliveries) {
    const key = `${d.packetId}@${d.node}`;
    const n = want.get(key);
    if (n === undefined)
      fail(`packet ${d.packetId} delivered at node ${d.node}, not a destination`);
    if (n > 0) fail(`packet ${d.packetId} delivered twice at node ${d.node}`);
    want.set(key, 1);
  }
  for (const [key, n] of want) if (n === 0) fail(`packet ${key.replace('@', ' never reached ')}`);
  if (run.stats.packetsDelivered !== run.deliveries.length)
    fail(`stats say ${run.stats.packetsDelivered} deliveries, ${run.deliveries.length} seen`);
}

const SCALE: Record<string, number> = {
  'pJ/SOP': 1e-12,
  'pJ/hop': 1e-12,
  'uJ/frame': 1e-6,
  mW: 1e-12,
};

function close(a: number, b: number, what: string): void {
  if (Math.abs(a - b) > 1e-9 * Math.max(Math.abs(a), Math.abs(b), 1e-30))
    fail(`${what}: ${a} vs ${b}`);
}

/**
 * Energy is count x coefficient (Eq. 12): in a run's ledger (`run.json`'s `energy.perFrame`)
 * every term's joules are its count times its coefficient in its unit, the coefficients are the
 * hardware config's, the SOP and hop counts are the frames' means, and the total is the sum of
 * the terms and the summary's figure.
 */
export function checkEnergyLedger(result: RunResult): void {
  const ledger = result.energy ?? fail('the result has no energy ledger');
  const e = (result.hardware as { energy: Record<string, unknown> }).energy;
  const p = ledger.perFrame;
  const terms = { sop: p.sop, hop: p.hop, controlHop: p.controlHop, static: p.static };
  for (const [name, t] of Object.entries(terms)) {
    const scale = SCALE[t.coefficientUnit] ?? fail(`${name}: unknown unit ${t.coefficientUnit}`);
    close(t.joules, t.count * t.coefficient * scale, `energy.perFrame.${name}.joules`);
  }
  close(p.sop.coefficient, e.sopEnergyPj as number, 'sop coefficient vs energy.sopEnergyPj');
  close(p.hop.coefficient, e.hopEnergyPj as number, 'hop coefficient vs energy.hopEnergyPj');
  const n = result.frames.length;
  const mean = (k: 'sops' | 'hops') => result.frames.reduce((s, f) => s + f[k], 0) / n;
  close(p.sop.count, mean('sops'), 'SOPs per frame vs the frames');
  close(p.hop.count, mean('hops'), 'hops per frame vs the frames');
  const sum = p.sop.joules + p.hop.joules + p.controlHop.joules + p.static.joules;
  close(p.totalJ, sum, 'energy.perFrame.totalJ vs the sum of its terms');
  close(result.summary.energyJ.total, p.totalJ, 'summary.energyJ.total vs the ledger');
}

/** JSON of a value with typed arrays as arrays and `-0`, NaN and infinities spelled out. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => {
    if (ArrayBuffer.isView(x) && !(x instanceof DataView))
      return Array.from(x as unknown as ArrayLike<number>, (y) => canonical(y));
    if (typeof x === 'number' && (!Number.isFinite(x) || Object.is(x, -0))) return `#${x}`;
    return x;
  });
}

/**
 * Bit-identical reruns: calls `run` twice and checks that the results are the same value
 * (typed arrays element by element, `-0` apart from `0`), leaving out the top-level keys in
 * `ignore` (default `wall`, the one wall-clock figure of a `RunResult`). Returns the first.
 */
export async function checkReruns<T>(
  run: () => T | Promise<T>,
  ignore: readonly string[] = ['wall'],
): Promise<T> {
  const strip = (x: T) =>
    x !== null && typeof x === 'object'
      ? Object.fromEntries(Object.entries(x).filter(([k]) => !ignore.includes(k)))
      : x;
  const a = await run();
  const b = await run();
  const sa = canonical(strip(a));
  const sb = canonical(strip(b));
  if (sa !== sb) {
    let i = 0;
    while (sa[i] === sb[i]) i++;
    fail(
      `reruns differ at ...${sa.slice(Math.max(0, i - 60), i + 40)}... vs ...${sb.slice(Math.max(0, i - 60), i + 40)}...`,
    );
  }
  return a;
}
