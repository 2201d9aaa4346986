/**
 * Generates `schemas/sweep.schema.json` (JSON Schema 2020-12) from the zod sweep spec schema.
 * Run `npx tsx src/sweep/exportSchema.ts` after changing src/sweep/spec.ts; a test checks that
 * the committed file equals what this produces.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../util/atomicWrite.js';
import { PROJECT_ROOT } from '../util/version.js';
import { sweepJsonSchemaText } from './spec.js';

/** Where the generated schema lives. */
export const SWEEP_SCHEMA_PATH = join(PROJECT_ROOT, 'schemas', 'sweep.schema.json');

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileAtomic(SWEEP_SCHEMA_PATH, sweepJsonSchemaText());
  process.stdout.write(`wrote ${SWEEP_SCHEMA_PATH}\n`);
}
