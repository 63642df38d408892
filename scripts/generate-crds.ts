/**
 * Regenerates crds/*.yaml from lib/api/v1 and the typed constructs in imports/ via `cdk8s import`.
 * Usage: tsx scripts/generate-crds.ts [OUT_ROOT]   (default: the repository; the staleness test passes a temp dir)
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { RESOURCE_DEFINITIONS, renderCrd, crdFileName } from '../lib/api/v1/crds';

export const GENERATED_HEADER = '# Generated from lib/api/v1 by `npm run crds`. Do not edit.\n';

export function writeCrds(crdDir: string): string[] {
  fs.mkdirSync(crdDir, { recursive: true });
  return RESOURCE_DEFINITIONS.map((def) => {
    const file = path.join(crdDir, crdFileName(def));
    fs.writeFileSync(file, GENERATED_HEADER + stringify(renderCrd(def), { lineWidth: 0 }));
    return file;
  });
}

/** Module name in imports/ for a CRD file: one module per kind, since cdk8s names modules by API group otherwise. */
export function importModuleName(file: string): string {
  const plural = path.basename(file, '.yaml').split('_')[1];
  return { quidditchindices: 'quidditch-index', quidditchnodes: 'quidditch-node', shardallocations: 'shard-allocation' }[plural] ?? plural;
}

export function importCrds(files: string[], importsDir: string, cwd: string): void {
  const cli = path.join(path.dirname(require.resolve('cdk8s-cli/package.json')), 'bin', 'cdk8s');
  // One call per spec: the CLI takes a single positional spec on the command line.
  for (const f of files) {
    const spec = `${importModuleName(f)}:=${path.relative(cwd, f)}`;
    execFileSync(process.execPath, [cli, 'import', spec, '--language', 'typescript', '--output', importsDir, '--no-save', '--no-check-upgrade'], {
      cwd,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  }
}

if (require.main === module) {
  const root = path.resolve(process.argv[2] ?? path.join(__dirname, '..'));
  const files = writeCrds(path.join(root, 'crds'));
  importCrds(files, path.join(root, 'imports'), root);
  console.log(`wrote ${files.length} CRDs to ${path.join(root, 'crds')} and their constructs to ${path.join(root, 'imports')}`);
}
