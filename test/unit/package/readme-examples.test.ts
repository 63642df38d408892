/**
 * Every ```ts block in README.md compiles against the library, imported the way users import it
 * (`@quidditch/k8s`, `@quidditch/k8s/pulumi`), under `strict`. README cannot drift from the API.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(__dirname, '../../..');

/** The ```ts fenced blocks of a Markdown text, with the line each starts on. */
export function typeScriptBlocks(markdown: string): { line: number; code: string }[] {
  const blocks: { line: number; code: string }[] = [];
  const re = /^```ts\n([\s\S]*?)^```$/gm;
  for (let m = re.exec(markdown); m; m = re.exec(markdown)) {
    blocks.push({ line: markdown.slice(0, m.index).split('\n').length, code: m[1] });
  }
  return blocks;
}

describe('README examples', () => {
  const blocks = typeScriptBlocks(readFileSync(join(root, 'README.md'), 'utf8'));

  it('has TypeScript examples for cdk8s and Pulumi', () => {
    expect(blocks.some((b) => b.code.includes("from '@quidditch/k8s'"))).toBe(true);
    expect(blocks.some((b) => b.code.includes("from '@quidditch/k8s/pulumi'"))).toBe(true);
  });

  it('every ```ts block type-checks under strict', () => {
    // Inside the repository, so the blocks resolve cdk8s, Pulumi etc. from its node_modules.
    mkdirSync(join(root, 'node_modules/.cache'), { recursive: true });
    const dir = mkdtempSync(join(root, 'node_modules/.cache/readme-'));
    try {
      // Each block is its own module (`export {}` keeps top-level names apart).
      const files = blocks.map((b) => {
        const file = join(dir, `readme-line-${b.line}.ts`);
        writeFileSync(file, `${b.code}\nexport {};\n`);
        return file;
      });
      const program = ts.createProgram(files, {
        strict: true,
        noEmit: true,
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.CommonJS,
        moduleResolution: ts.ModuleResolutionKind.Node10,
        esModuleInterop: true,
        resolveJsonModule: true,
        skipLibCheck: true,
        types: ['node'],
        typeRoots: [join(root, 'node_modules/@types')],
        baseUrl: root,
        paths: { '@quidditch/k8s': ['lib/index.ts'], '@quidditch/k8s/pulumi': ['lib/pulumi/index.ts'] },
      });
      const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => {
        const where = d.file ? `${d.file.fileName.replace(dir, 'README')}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : '';
        return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      });
      expect(diagnostics).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
