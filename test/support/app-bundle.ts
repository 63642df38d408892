/**
 * How the tests and benches run the operator and the reference data node: from the esbuild bundle on
 * plain node, as the image runs them, not through tsx. Each tsx start compiled and loaded every module
 * again (2.7 s of CPU per process against 0.5 s for the bundle, measured with `--help`), and a full
 * integration run starts about 180 of them on 2 cores. The bundle is built once per run (about 3 s):
 * by the integration project's global setup, or on first use here (benches, a single file run by hand).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundle } from '../../scripts/bundle';

/** Directory holding operator.js and datanode-sim.js (+ maps, protos) of this run; set by the global setup. */
export const BUNDLE_DIR_ENV = 'QUIDDITCH_TEST_BUNDLE_DIR';

export type App = 'operator' | 'datanode-sim';

let building: Promise<string> | undefined;

/** Bundles the apps from the working tree into a new temporary directory. */
export async function buildAppBundle(): Promise<string> {
  const { outDir } = await bundle({ outDir: mkdtempSync(join(tmpdir(), 'quidditch-test-bundle-')) });
  return outDir;
}

/** The bundle directory of this run, building it on first use when no global setup did. */
export function appBundleDir(): Promise<string> {
  const dir = process.env[BUNDLE_DIR_ENV];
  if (dir) return Promise.resolve(dir);
  building ??= buildAppBundle().then((built) => (process.env[BUNDLE_DIR_ENV] = built));
  return building;
}

/**
 * Set to 1 to run the apps from source through tsx instead: CPU profiles (bench --profile) then name
 * lib/ files and packages, where the bundle's would show one minified file.
 */
export const FROM_SOURCE_ENV = 'QUIDDITCH_RUN_FROM_SOURCE';

/** node arguments that run `app` (stack traces mapped back to lib/…), before the app's own flags. */
export async function appEntry(app: App): Promise<string[]> {
  if (process.env[FROM_SOURCE_ENV] === '1') return ['--enable-source-maps', '--import', 'tsx', join(__dirname, '..', '..', 'apps', `${app}.ts`)];
  return ['--enable-source-maps', join(await appBundleDir(), `${app}.js`)];
}
