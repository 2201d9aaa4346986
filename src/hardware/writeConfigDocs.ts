/**
 * Regenerates `schemas/hardware-config.schema.json` and `docs/hardware-config.md` from the
 * schema and the shipped configs: `npx tsx src/hardware/writeConfigDocs.ts`.
 */
import { writeHardwareConfigArtifacts } from './configDocs.js';

for (const path of writeHardwareConfigArtifacts()) console.log(`wrote ${path}`);
