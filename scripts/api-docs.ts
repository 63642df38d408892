/**
 * `npm run api-docs`: writes API.md, the reference of the public API, from the TSDoc of what
 * `@quidditch/k8s` and `@quidditch/k8s/pulumi` export (as cdk8s construct libraries ship one).
 * test/unit/package/api-docs.test.ts fails when API.md is stale or a prop lacks `@default`.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';

const repoRoot = resolve(__dirname, '..');
export const ENTRY_POINTS = [
  { module: '@quidditch/k8s', file: 'lib/index.ts' },
  { module: '@quidditch/k8s/pulumi', file: 'lib/pulumi/index.ts' },
] as const;

export interface PropDoc {
  readonly owner: string;
  readonly name: string;
  readonly optional: boolean;
  readonly type: string;
  readonly description: string;
  readonly default?: string;
}

interface ApiDocs {
  readonly markdown: string;
  /** Every prop of every exported props interface (…Props, …Args, …Settings, …Options). */
  readonly props: readonly PropDoc[];
}

const PROPS_INTERFACE = /(Props|Args|Settings|Options)$/;

function docOf(checker: ts.TypeChecker, symbol: ts.Symbol): { description: string; default?: string } {
  const description = ts.displayPartsToString(symbol.getDocumentationComment(checker)).replace(/\s+/g, ' ').trim();
  const tag = symbol.getJsDocTags(checker).find((t) => t.name === 'default');
  const dflt = tag ? ts.displayPartsToString(tag.text).replace(/\s+/g, ' ').trim() : undefined;
  return { description, ...(dflt !== undefined ? { default: dflt } : {}) };
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function generateApiDocs(): ApiDocs {
  const program = ts.createProgram(ENTRY_POINTS.map((e) => join(repoRoot, e.file)), {
    strict: true, module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, resolveJsonModule: true, skipLibCheck: true, noEmit: true,
  });
  const checker = program.getTypeChecker();
  const props: PropDoc[] = [];
  const out: string[] = [
    '# API reference',
    '',
    'Generated from the TSDoc in `lib/` by `npm run api-docs`; a test fails when it is stale.',
    '',
  ];
  for (const entry of ENTRY_POINTS) {
    const source = program.getSourceFile(join(repoRoot, entry.file))!;
    const moduleSymbol = checker.getSymbolAtLocation(source)!;
    out.push(`## \`${entry.module}\``, '');
    const exports = checker.getExportsOfModule(moduleSymbol).sort((a, b) => a.name.localeCompare(b.name));
    for (const exported of exports) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const { description } = docOf(checker, symbol);
      if (symbol.flags & ts.SymbolFlags.Class) {
        out.push(`### class \`${exported.name}\``, '', description || '(no description)', '');
        const type = checker.getDeclaredTypeOfSymbol(symbol);
        const members = type.getProperties().filter((p) => {
          const decl = p.valueDeclaration;
          return decl && !(ts.getCombinedModifierFlags(decl) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) && !p.name.startsWith('_') && decl.getSourceFile().fileName.startsWith(join(repoRoot, 'lib'));
        });
        if (members.length > 0) {
          out.push('| member | type | description |', '| --- | --- | --- |');
          for (const m of members) {
            out.push(`| \`${m.name}\` | \`${cell(checker.typeToString(checker.getTypeOfSymbol(m)))}\` | ${cell(docOf(checker, m).description)} |`);
          }
          out.push('');
        }
      } else if (symbol.flags & ts.SymbolFlags.Interface) {
        out.push(`### interface \`${exported.name}\``, '', description || '(no description)', '');
        const type = checker.getDeclaredTypeOfSymbol(symbol);
        const members = type.getProperties();
        if (members.length > 0) {
          out.push('| prop | type | default | description |', '| --- | --- | --- | --- |');
          for (const m of members) {
            const doc = docOf(checker, m);
            const optional = (m.flags & ts.SymbolFlags.Optional) !== 0;
            const typeText = checker.typeToString(checker.getNonNullableType(checker.getTypeOfSymbol(m)));
            if (PROPS_INTERFACE.test(exported.name)) props.push({ owner: exported.name, name: m.name, optional, type: typeText, ...doc });
            out.push(`| \`${m.name}${optional ? '?' : ''}\` | \`${cell(typeText)}\` | ${cell(doc.default ?? (optional ? '' : '(required)'))} | ${cell(doc.description)} |`);
          }
          out.push('');
        }
      } else if (symbol.flags & ts.SymbolFlags.Function) {
        const signature = checker.getSignaturesOfType(checker.getTypeOfSymbol(symbol), ts.SignatureKind.Call)[0];
        out.push(`### function \`${exported.name}\``, '', '```ts', `${exported.name}${cell(checker.signatureToString(signature))}`, '```', '', description || '(no description)', '');
      } else if (symbol.flags & ts.SymbolFlags.TypeAlias) {
        out.push(`### type \`${exported.name}\``, '', `\`${cell(checker.typeToString(checker.getDeclaredTypeOfSymbol(symbol)))}\``, '', description, '');
      } else if (symbol.flags & ts.SymbolFlags.Variable) {
        out.push(`### const \`${exported.name}\``, '', description || '(no description)', '');
      } else if (symbol.flags & ts.SymbolFlags.Module) {
        out.push(`### namespace \`${exported.name}\``, '', description || 'The v1 API types (see lib/api/v1).', '');
      }
    }
  }
  return { markdown: `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`, props };
}

if (require.main === module) {
  writeFileSync(join(repoRoot, 'API.md'), generateApiDocs().markdown);
  console.log('wrote API.md');
}
