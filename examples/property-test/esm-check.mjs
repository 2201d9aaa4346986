// Plain Node ESM, no build step: the two entry points import and work.
import { loadHardwareConfig, mapNetwork, simulate, VERSION } from 'ttfsim';
import { hardwareConfigArb, networkAndInputArb } from 'ttfsim/testing';

const hw = loadHardwareConfig(new URL('./my-chip.json', import.meta.url).pathname);
const r = await simulate({ frames: 1, write: false, noc: 'ideal' });
console.log(
  JSON.stringify({
    version: VERSION,
    chip: hw.name,
    mapNetwork: typeof mapNetwork,
    arbitraries:
      typeof hardwareConfigArb === 'function' && typeof networkAndInputArb === 'function',
    frames: r.frames.length,
    sops: r.summary.sops,
  }),
);
