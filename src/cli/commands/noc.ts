import { type Command, Option } from 'commander';
import { runNocExperiment, sweepNocRates } from '../../api/noc.js';
import { pastSaturation, sweepCsv } from '../../hardware/noc/synthetic.js';
import { TRAFFIC_PATTERNS, type TrafficPattern } from '../../hardware/noc/traffic.js';
import { NocDeadlockError } from '../../hardware/noc/watchdog.js';
import { UserError } from '../../util/errors.js';

export { resolveNocParams } from '../../api/noc.js';

interface NocOptions {
  mesh: string;
  traffic: TrafficPattern;
  rate: string;
  packetFlits: string;
  timing?: 'clocked' | 'async';
  hw?: string;
  set: string[];
  warmup: string;
  measure: string;
  seed: string;
  json?: boolean;
  sweepRates?: string;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function number(name: string, text: string, check: (v: number) => boolean, what: string): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || !check(v))
    throw new UserError(`${name}: expected ${what}, got "${text}"`);
  return v;
}

/** `8x8` -> [8, 8]. */
export function parseMesh(text: string): [number, number] {
  const m = /^(\d+)x(\d+)$/.exec(text.trim());
  if (m === null || Number(m[1]) < 1 || Number(m[2]) < 1)
    throw new UserError(`--mesh: expected WIDTHxHEIGHT such as 8x8, got "${text}"`);
  return [Number(m[1]), Number(m[2])];
}

/** `0.02:0.5:0.02` -> [0.02, 0.04, ..., 0.5]. */
export function parseRateRange(text: string): number[] {
  const parts = text.split(':').map((s) => Number(s));
  if (
    parts.length !== 3 ||
    parts.some((x) => !Number.isFinite(x)) ||
    parts[2] <= 0 ||
    parts[0] <= 0 ||
    parts[1] < parts[0]
  )
    throw new UserError(
      `--sweep-rates: expected FROM:TO:STEP such as 0.02:0.5:0.02, got "${text}"`,
    );
  const [from, to, step] = parts;
  const out: number[] = [];
  for (let i = 0; ; i++) {
    const r = Math.round((from + i * step) * 1e9) / 1e9;
    if (r > to + 1e-9) break;
    out.push(r);
  }
  return out;
}

/** `ttfsim noc`: synthetic traffic through the detailed network-on-chip. */
export function registerNoc(program: Command): void {
  program
    .command('noc')
    .description(
      'Run synthetic traffic through the detailed network-on-chip (BookSim-style warmup/measure): average packet latency, accepted throughput, hops; or a latency-vs-load sweep as CSV',
    )
    .option('--mesh <WxH>', 'mesh size', '8x8')
    .addOption(
      new Option('--traffic <pattern>', 'traffic pattern')
        .choices([...TRAFFIC_PATTERNS])
        .default('uniform'),
    )
    .option('--rate <flits>', 'offered load: flits per node per cycle (Bernoulli)', '0.1')
    .option('--packet-flits <n>', 'flits per packet', '1')
    .addOption(
      new Option('--timing <style>', "router timing (default: the config's noc.timing)").choices([
        'clocked',
        'async',
      ]),
    )
    .option('--hw <file>', 'hardware config (shipped name or path); its noc section is used')
    .option(
      '--set <field=value>',
      'override a noc field, e.g. noc.bufferDepthFlits=8 or router.virtualChannels=2 (repeatable)',
      collect,
      [],
    )
    .option('--warmup <cycles>', 'warmup cycles (not measured)', '1000')
    .option('--measure <cycles>', 'measurement cycles', '10000')
    .option('--seed <n>', 'random seed', '1')
    .option('--json', 'print one JSON object')
    .option('--sweep-rates <from:to:step>', 'sweep the offered load up to saturation; prints CSV')
    .action((opts: NocOptions) => {
      try {
        runNocCommand(opts);
      } catch (err) {
        // A stuck network is a finding about the configuration, not a crash: report it plainly.
        if (err instanceof NocDeadlockError) throw new UserError(err.message);
        throw err;
      }
    });
}

/** Parses the options and runs the experiment (or the sweep) through the API, printing the results. */
function runNocCommand(opts: NocOptions): void {
  const [w, h] = parseMesh(opts.mesh);
  const packetFlits = number(
    '--packet-flits',
    opts.packetFlits,
    (v) => Number.isInteger(v) && v >= 1 && v < 65536,
    'a positive integer',
  );
  const base = {
    meshWidth: w,
    meshHeight: h,
    pattern: opts.traffic,
    packetFlits,
    timing: opts.timing,
    hw: opts.hw,
    set: opts.set,
    warmupCycles: number(
      '--warmup',
      opts.warmup,
      (v) => Number.isInteger(v) && v >= 0,
      'a whole number of cycles',
    ),
    measureCycles: number(
      '--measure',
      opts.measure,
      (v) => Number.isInteger(v) && v >= 1,
      'a positive whole number of cycles',
    ),
    seed: opts.seed,
  };
  if (opts.sweepRates !== undefined) {
    const rates = parseRateRange(opts.sweepRates);
    const started = performance.now();
    const { points, saturationThroughput, params } = sweepNocRates(base, rates);
    process.stdout.write(sweepCsv(points));
    process.stderr.write(
      `saturation throughput ${saturationThroughput.toFixed(4)} flits/node/cycle (${opts.mesh}, ${opts.traffic}, ${params.routing}, ${params.timing}); ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
    );
    return;
  }
  const rate = number(
    '--rate',
    opts.rate,
    (v) => v >= 0 && v / packetFlits <= 1,
    'a load in [0, packet-flits] flits per node per cycle',
  );
  const started = performance.now();
  const { params, ...r } = runNocExperiment({ ...base, rate });
  const wallS = (performance.now() - started) / 1000;
  if (opts.json) {
    process.stdout.write(
      `${JSON.stringify({ mesh: opts.mesh, traffic: opts.traffic, routing: params.routing, ...r, wallSeconds: wallS })}\n`,
    );
    return;
  }
  const u = r.latencyUnit;
  const latency =
    r.avgPacketLatency === null
      ? `n/a (${r.latencyNote})`
      : `${r.avgPacketLatency.toFixed(2)} ${u} (zero-load ${r.avgZeroLoadLatency!.toFixed(2)}, congestion ${(r.avgPacketLatency - r.avgZeroLoadLatency!).toFixed(2)}; p50 ${r.p50PacketLatency!.toFixed(1)}, p99 ${r.p99PacketLatency!.toFixed(1)}, max ${r.maxPacketLatency!.toFixed(1)})`;
  const past = pastSaturation(r) ? ` -- past saturation (${r.saturationReasons.join(', ')})` : '';
  process.stdout.write(
    `${[
      `mesh ${opts.mesh}, ${opts.traffic} traffic, ${params.routing} routing, ${params.timing} timing, ${packetFlits}-flit packets`,
      `offered load          ${r.offeredFlitRate} flits/node/cycle${r.timing === 'async' ? ` (cycle = ${r.cycleNs} ns)` : ''}`,
      `accepted throughput   ${r.acceptedFlitRate.toFixed(4)} flits/node/cycle`,
      `avg packet latency    ${latency}`,
      `avg hops              ${r.avgHops === null ? 'n/a' : `${r.avgHops.toFixed(3)} links`}`,
      `packets measured      ${r.packets} (${r.packetsDelivered} delivered${r.undrained ? `, the rest still in flight when the drain gave up after ${r.drainedCycles} cycles` : ''})${past}`,
      `wall time             ${wallS.toFixed(2)} s (${(r.flitHops / wallS / 1e6).toFixed(2)} M flit-hops/s)`,
    ].join('\n')}\n`,
  );
}
