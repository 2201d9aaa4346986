/**
 * Drives a headless Chromium (Debian's `chromium` package) without npm packages: screenshots
 * and DOM dumps of local files, with the browser's log captured to find page errors.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The browser to use: /usr/bin/chromium, else chromium / chromium-browser / google-chrome on PATH. */
export function findChromium(): string | null {
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    const p = r.stdout.trim();
    if (r.status === 0 && p) return p;
  }
  return null;
}

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-extensions',
  '--hide-scrollbars',
  '--force-device-scale-factor=1',
  // Nothing may be fetched from the network: every host name fails to resolve.
  '--host-resolver-rules=MAP * ~NOTFOUND',
  '--enable-logging=stderr',
  '--v=0',
];

export interface BrowserRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Console messages and uncaught errors the page produced (from the browser log). */
  pageErrors: string[];
}

function run(browser: string, args: string[]): BrowserRun {
  const profile = mkdtempSync(join(tmpdir(), 'ttfsim-chromium-'));
  try {
    const r = spawnSync(browser, [...FLAGS, `--user-data-dir=${profile}`, ...args], {
      encoding: 'utf8',
      timeout: 60_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    const stderr = r.stderr ?? '';
    const pageErrors = stderr.split('\n').filter((l) => /:CONSOLE|Uncaught|net::ERR_/.test(l));
    return { status: r.status, stdout: r.stdout ?? '', stderr, pageErrors };
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** Serialized DOM of a local file after load. */
export function dumpDom(browser: string, file: string): BrowserRun {
  return run(browser, ['--dump-dom', pathToFileURL(file).href]);
}

/** Screenshot of a local file at `width` x `height` CSS pixels (device scale 1) as PNG bytes. */
export function screenshot(
  browser: string,
  file: string,
  width: number,
  height: number,
  png: string,
): { run: BrowserRun; png: Buffer } {
  rmSync(png, { force: true });
  const r = run(browser, [
    `--screenshot=${png}`,
    `--window-size=${width},${height}`,
    pathToFileURL(file).href,
  ]);
  if (!existsSync(png))
    throw new Error(`no screenshot written (status ${r.status}): ${r.stderr.slice(-2000)}`);
  return { run: r, png: readFileSync(png) };
}
