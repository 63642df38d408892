/**
 * `npm run bundle`: the operator and the reference data node as single CommonJS files for Node 20,
 * so the image needs no node_modules (and no npm) at run time.
 *
 * Output (dist/bundle/): operator.js, datanode-sim.js (+ .map), the data-node .proto files the
 * gRPC code loads at run time (next to the bundle, where it looks for them), and
 * THIRD-PARTY-LICENSES.txt for every package the bundle contains.
 *
 * CommonJS because @kubernetes/client-node 1.x is ESM-only but bundles cleanly to cjs, while ESM
 * output would need a createRequire banner for the cjs dependencies (grpc-js, pino).
 * Source maps carry mappings but not the sources: stack traces (node --enable-source-maps) point
 * at lib/… lines while the image stays small.
 */
import { build, Metafile } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const repoRoot = resolve(__dirname, '..');

export interface BundleOptions {
  /** Directory holding operator.ts and datanode-sim.ts. @default "<repo>/apps" */
  readonly appsDir?: string;
  /** Directory whose *.proto files are copied next to the bundles. @default "<repo>/lib/operator/datanode" */
  readonly protoDir?: string;
  /** Output directory (emptied first). @default "<repo>/dist/bundle" */
  readonly outDir?: string;
}

export interface BundleResult {
  readonly outDir: string;
  /** File name → size in bytes, for every file written. */
  readonly sizes: Readonly<Record<string, number>>;
  readonly warnings: readonly string[];
}

export const BUNDLE_ENTRIES = ['operator', 'datanode-sim'] as const;

export async function bundle(options: BundleOptions = {}): Promise<BundleResult> {
  const appsDir = resolve(options.appsDir ?? join(repoRoot, 'apps'));
  const protoDir = resolve(options.protoDir ?? join(repoRoot, 'lib', 'operator', 'datanode'));
  const outDir = resolve(options.outDir ?? join(repoRoot, 'dist', 'bundle'));

  const entryPoints = BUNDLE_ENTRIES.map((name) => ({ in: join(appsDir, `${name}.ts`), out: name }));
  const missing = entryPoints.filter((e) => !existsSync(e.in)).map((e) => e.in);
  if (missing.length > 0) {
    throw new Error(`Unable to bundle the operator: entry ${missing.join(', ')} does not exist. Write the entry, or pass --apps-dir to a directory holding ${BUNDLE_ENTRIES.map((n) => `${n}.ts`).join(' and ')}.`);
  }
  const protos = existsSync(protoDir) ? readdirSync(protoDir).filter((f) => f.endsWith('.proto')) : [];
  if (protos.length === 0) {
    throw new Error(`Unable to bundle the operator: no .proto file in ${protoDir}. The data-node gRPC code loads it at run time from next to the bundle; pass --proto-dir to where it lives.`);
  }

  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const result = await build({
    entryPoints,
    outdir: outDir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'linked',
    sourcesContent: false,
    // Minified to about half the size; keepNames keeps class names in logs and errors, and the
    // source map restores file:line in stack traces.
    minify: true,
    keepNames: true,
    absWorkingDir: repoRoot,
    metafile: true,
    logLevel: 'silent',
  });
  for (const proto of protos) copyFileSync(join(protoDir, proto), join(outDir, proto));
  writeFileSync(join(outDir, 'THIRD-PARTY-LICENSES.txt'), thirdPartyLicenses(result.metafile));

  const sizes: Record<string, number> = {};
  for (const file of readdirSync(outDir).sort()) sizes[file] = statSync(join(outDir, file)).size;
  const warnings = result.warnings.map((w) => `${w.location ? `${w.location.file}:${w.location.line}: ` : ''}${w.text}`);
  return { outDir, sizes, warnings };
}

/** One section per bundled npm package: name, version, declared licence and its licence file. */
export function thirdPartyLicenses(metafile: Metafile): string {
  const packageDirs = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match) packageDirs.add(resolve(repoRoot, match[1]));
  }
  const sections: string[] = [];
  for (const dir of [...packageDirs].sort()) {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string; version: string; license?: unknown };
    const licenseFile = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
    const text = licenseFile ? readFileSync(join(dir, licenseFile), 'utf8').trim() : '(no licence file in the package)';
    sections.push(`${pkg.name}@${pkg.version} — ${typeof pkg.license === 'string' ? pkg.license : 'see below'}\n\n${text}`);
  }
  return `Third-party software bundled into operator.js and datanode-sim.js (${sections.length} packages)\n\n${sections.join(`\n\n${'='.repeat(72)}\n\n`)}\n`;
}

function formatSize(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(2)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { 'apps-dir': { type: 'string' }, 'proto-dir': { type: 'string' }, out: { type: 'string' } },
  });
  const result = await bundle({ appsDir: values['apps-dir'], protoDir: values['proto-dir'], outDir: values.out });
  for (const warning of result.warnings) console.warn(`warning: ${warning}`);
  const where = relative(process.cwd(), result.outDir) || '.';
  for (const [file, size] of Object.entries(result.sizes)) console.log(`${join(where, file).padEnd(48)} ${formatSize(size)}`);
  console.log(`bundled ${BUNDLE_ENTRIES.join(' and ')} into ${where}/`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
