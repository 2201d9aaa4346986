// Writes docs/api-reference.md from the built declarations (dist/api/index.d.ts and
// dist/testing/index.d.ts): every export of `ttfsim` and `ttfsim/testing`, its kind, its
// signature and the first paragraph of its TSDoc. `--check` fails when the file is out of date
// (run by `npm run api:check`; `npm run api:report` rewrites it).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'docs', 'api-reference.md');
const entries = [
  ['ttfsim', 'dist/api/index.d.ts'],
  ['ttfsim/testing', 'dist/testing/index.d.ts'],
];
const program = ts.createProgram(
  entries.map(([, f]) => join(root, f)),
  {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    skipLibCheck: true,
  },
);
const checker = program.getTypeChecker();

function kindOf(s) {
  const d = s.declarations?.[0];
  if (d === undefined) return 'value';
  if (ts.isFunctionDeclaration(d)) return 'function';
  if (ts.isClassDeclaration(d)) return 'class';
  if (ts.isInterfaceDeclaration(d)) return 'interface';
  if (ts.isTypeAliasDeclaration(d)) return 'type';
  if (ts.isVariableDeclaration(d)) return 'const';
  return ts.SyntaxKind[d.kind];
}

function signature(s, kind) {
  const flags = ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseAliasDefinedOutsideCurrentScope;
  if (kind === 'function') {
    const t = checker.getTypeOfSymbol(s);
    return t
      .getCallSignatures()
      .map((sig) => `${s.name}${checker.signatureToString(sig, undefined, flags)}`)
      .join('\n');
  }
  if (kind === 'const') return `const ${s.name}: ${checker.typeToString(checker.getTypeOfSymbol(s), undefined, flags)}`;
  if (kind === 'interface' || kind === 'class') {
    const t = checker.getDeclaredTypeOfSymbol(s);
    const members = checker.getPropertiesOfType(t).map((m) => {
      const mt = checker.getTypeOfSymbol(m);
      const opt = m.flags & ts.SymbolFlags.Optional ? '?' : '';
      const doc = summary(m);
      const line = `  ${m.name}${opt}: ${checker.typeToString(mt, undefined, flags)};`;
      return doc === '' ? line : `  /** ${doc} */\n${line}`;
    });
    return `${kind} ${s.name} {\n${members.join('\n')}\n}`;
  }
  if (kind === 'type') {
    const d = s.declarations[0];
    return `type ${s.name} = ${d.type.getText().replace(/\s+/g, ' ')}`;
  }
  return s.name;
}

function summary(s) {
  const text = ts.displayPartsToString(s.getDocumentationComment(checker)).trim();
  const para = text.split(/\n\s*\n/)[0] ?? '';
  return para.replace(/\s*\n\s*/g, ' ');
}

const lines = [
  '# API reference',
  '',
  'Generated from the built declarations by `etc/api-reference.mjs` (`npm run api:report`); do not',
  'edit. The overview and worked examples are in [api.md](api.md); the reviewed API surface is',
  '[etc/ttfsim.api.md](../etc/ttfsim.api.md) and [etc/ttfsim-testing.api.md](../etc/ttfsim-testing.api.md).',
  '',
];
for (const [name, file] of entries) {
  const sf = program.getSourceFile(join(root, file));
  if (sf === undefined) throw new Error(`${file}: not built (npm run build)`);
  const mod = checker.getSymbolAtLocation(sf);
  const exports = checker
    .getExportsOfModule(mod)
    .map((s) => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s))
    .sort((a, b) => a.name.localeCompare(b.name));
  lines.push(`## \`${name}\``, '');
  for (const s of exports) {
    const kind = kindOf(s);
    lines.push(`### ${s.name}`, '', `*${kind}*${summary(s) ? `: ${summary(s)}` : ''}`, '');
    lines.push('```ts', signature(s, kind), '```', '');
  }
}
const text = `${lines.join('\n').trimEnd()}\n`;
if (process.argv.includes('--check')) {
  let old = '';
  try {
    old = readFileSync(out, 'utf8');
  } catch {}
  if (old !== text) {
    console.error('docs/api-reference.md is out of date: run npm run api:report');
    process.exit(1);
  }
} else writeFileSync(out, text);
