/**
 * docs/model-format.md tells the truth about the bundled models (issue 15, item 13): every
 * bundled model with trained weights is named as shipping them, and the ones without weights
 * as architectures only.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledModelNames, loadManifest, resolveModelPath } from '../../src/model/load.js';
import { PROJECT_ROOT } from '../../src/util/version.js';

const doc = readFileSync(join(PROJECT_ROOT, 'docs', 'model-format.md'), 'utf8');
/** The paragraph about the bundled models. */
const paragraph = doc.split('\n\n').find((p) => p.startsWith('The bundled models'))!;

describe('docs/model-format.md on the bundled models', () => {
  const models = bundledModelNames().map((name) => ({
    name,
    manifest: loadManifest(resolveModelPath(name)).manifest,
  }));

  it('names every bundled model that ships trained weights as such', () => {
    const trained = models.filter((m) => m.manifest.weights?.trained === true);
    expect(trained.map((m) => m.name)).toContain('mnist-cnn');
    for (const m of trained) {
      expect(paragraph).toMatch(new RegExp(`\`${m.name}\` ships trained weights`));
      const acc = m.manifest.provenance.testAccuracy!;
      expect(paragraph).toContain(`${(100 * acc).toFixed(2)}%`);
    }
    expect(doc).not.toMatch(/They are architectures\s+only/);
  });

  it('calls only the models without weights architectures only', () => {
    const untrained = models.filter((m) => m.manifest.weights === null).map((m) => m.name);
    const listed = /`([\w-]+)`(?:, `([\w-]+)`)*(?: and `([\w-]+)`)? are\s+architectures only/.exec(
      paragraph,
    );
    expect(listed, paragraph).not.toBeNull();
    const names = [...listed![0].matchAll(/`([\w-]+)`/g)].map((m) => m[1]);
    expect(names.sort()).toEqual(untrained.sort());
  });
});
