/**
 * The published library is lib/{api,model,cdk8s,pulumi} (tsconfig.build.json). It may import only
 * itself, the generated imports, its peer dependencies and Node built-ins: the operator and the
 * reference data node (and their runtime packages) are bundled into the image, not installed.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import pkg from '../../../package.json';

const root = resolve(__dirname, '../../..');
const LIBRARY_DIRS = ['lib/api', 'lib/model', 'lib/cdk8s', 'lib/pulumi'];

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function specifiers(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  // `from '…'`, `import '…'`, `import('…')`, `require('…')`: a module specifier is one quoted word on one line.
  return [...src.matchAll(/(?:\bfrom\s+|^import\s+|\bimport\s*\(\s*|\brequire\s*\(\s*)'([^'\n]+)'/gm)].map((m) => m[1]);
}

const libraryFiles = [join(root, 'lib/index.ts'), ...LIBRARY_DIRS.flatMap((d) => tsFiles(join(root, d)))];

describe('the library boundary', () => {
  it.each(libraryFiles.map((f) => [relative(root, f), f]))('%s imports only the library, its peers and Node', (_, file) => {
    const peers = Object.keys(pkg.peerDependencies);
    for (const spec of specifiers(file)) {
      if (spec.startsWith('.')) {
        const target = relative(root, resolve(dirname(file), spec));
        expect([target, /^(lib\/(index|api|model|cdk8s|pulumi)|imports\/|package\.json$)/.test(target)]).toEqual([target, true]);
      } else {
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
        expect([spec, peers.includes(name) || builtinModules.includes(name.replace(/^node:/, ''))]).toEqual([spec, true]);
      }
    }
  });

  it('declares no runtime dependencies: the peers are the users\', the rest is build-time', () => {
    expect((pkg as { dependencies?: unknown }).dependencies).toBeUndefined();
    for (const peer of Object.keys(pkg.peerDependencies)) {
      expect([peer, (pkg.devDependencies as Record<string, string>)[peer]]).toEqual([peer, expect.stringMatching(/^\d+\.\d+\.\d+$/)]);
    }
    expect(pkg.peerDependenciesMeta).toEqual({ '@pulumi/kubernetes': { optional: true }, '@pulumi/pulumi': { optional: true } });
  });

  it('builds only the library (no operator, no data node, no apps)', () => {
    const build = JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8').replace(/^\s*\/\/.*$/gm, '')) as { include: string[] };
    expect(build.include.every((p) => p === 'imports' || p === 'lib/index.ts' || LIBRARY_DIRS.includes(p))).toBe(true);
  });
});
