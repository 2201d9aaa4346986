/**
 * Import rules of src/, checked by `npm run depcheck` (in .ci/run): no circular imports, and
 * each layer imports only the layers below it (docs/DEVELOPING.md, "Layout"). Type-only imports
 * count too (`tsPreCompilationDeps`): a cycle through types is still a cycle to a reader.
 *
 * LAYERS is the import order, lowest first: a file in LAYERS[i] may import LAYERS[j] only for
 * j < i (and its own folder). `kernel` and `util` import nothing else of src/.
 */
const LAYERS = [
  'util',
  'kernel',
  'snn',
  'data',
  'model',
  'hardware',
  'noc',
  'mapping',
  'sim',
  'train',
  'report',
  'run',
  'sweep',
  'api',
  'testing',
  'cli',
];

/** One rule per layer: nothing above it (nor, for kernel and util, anything else of src/). */
const layerRules = LAYERS.map((layer, i) => {
  const forbidden =
    layer === 'kernel' || layer === 'util'
      ? LAYERS.filter((l) => l !== layer)
      : LAYERS.slice(i + 1);
  return {
    name: `layer-${layer}`,
    comment: `src/${layer}/ may import only ${
      layer === 'kernel' || layer === 'util'
        ? 'itself'
        : LAYERS.slice(0, i).join(', ') || 'nothing'
    } of src/ (docs/DEVELOPING.md)`,
    severity: 'error',
    from: { path: `^src/${layer}/` },
    to: { path: `^src/(${forbidden.join('|')})/` },
  };
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Circular imports: move what both files need to where it belongs.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'known-layer',
      comment: 'Every folder of src/ is a layer listed in .dependency-cruiser.cjs.',
      severity: 'error',
      from: { path: `^src/(?!(${LAYERS.join('|')})/)` },
      to: {},
    },
    {
      name: 'fast-check-only-in-testing',
      comment:
        'fast-check is an optional peer dependency of ttfsim/testing: the main entry (and the CLI) must load without it.',
      severity: 'error',
      from: { path: '^src/(?!testing/)' },
      to: { path: 'node_modules/fast-check/' },
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.as\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
