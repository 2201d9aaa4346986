/**
 * Generates `schemas/model.schema.json` (JSON Schema 2020-12) from the zod manifest schema.
 * Run `npx tsx src/model/exportSchema.ts` after changing src/model/manifest.ts; a test checks
 * that the committed file equals what this produces.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { writeFileAtomic } from '../util/atomicWrite.js';
import { PROJECT_ROOT } from '../util/version.js';
import { ModelManifestSchema } from './manifest.js';

/** Where the generated schema lives. */
export const MODEL_SCHEMA_PATH = join(PROJECT_ROOT, 'schemas', 'model.schema.json');

/** The JSON Schema text (input side: fields with defaults are optional), ending in a newline. */
export function modelJsonSchemaText(): string {
  const schema = z.toJSONSchema(ModelManifestSchema, { io: 'input' }) as Record<string, unknown>;
  const out = {
    $schema: schema.$schema,
    title: 'ttfsim model manifest',
    ...schema,
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileAtomic(MODEL_SCHEMA_PATH, modelJsonSchemaText());
  process.stdout.write(`wrote ${MODEL_SCHEMA_PATH}\n`);
}
