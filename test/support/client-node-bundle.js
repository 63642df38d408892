/**
 * @kubernetes/client-node as one CommonJS file, for jest (jest.config.js maps the package to it).
 *
 * client-node 1.x ships as ~970 ES modules. Under jest every test file that imports it loaded each
 * of them through jest's module system (resolve, transform-cache lookup, compile in the file's own
 * context): measured here, 1.8–2.5 CPU s for the first such file in a jest worker (later files in
 * the same worker reuse the transforms jest keeps in memory, and cost less), and nearly every
 * integration file imports it. One esbuild bundle of the same code (the way the operator's image
 * bundles it) loads in about 0.3 CPU s. Bundled: client-node and its ESM-only dependencies (openid-client and what it
 * imports); its CommonJS dependencies stay ordinary requires, resolved from node_modules. Not
 * minified, so a stack trace through it still reads.
 *
 * Built once per client-node and esbuild version into node_modules/.cache (a fresh `npm ci` starts
 * without it), written to a temporary file and renamed into place: .ci/run starts three jest runs
 * at once, and each evaluates jest.config.js.
 */
const { createHash } = require('node:crypto');
const { existsSync, mkdirSync, renameSync } = require('node:fs');
const { join } = require('node:path');

/**
 * Path of the bundle under `rootDir`, built first when missing. Throws with the reason when esbuild
 * cannot build it (jest then stops before running anything, with that message).
 */
function clientNodeBundle(rootDir) {
  const pkgDir = join(rootDir, 'node_modules', '@kubernetes', 'client-node');
  const pkg = require(join(pkgDir, 'package.json'));
  const esbuild = require('esbuild');
  // The ESM-only packages stay inside the bundle; every other dependency is left to require().
  const esmOnly = new Set(['openid-client', 'oauth4webapi', 'jose']);
  const options = {
    entryPoints: [join(pkgDir, pkg.main)],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: Object.keys(pkg.dependencies ?? {}).filter((d) => !esmOnly.has(d)),
    logLevel: 'silent',
  };
  const key = createHash('sha256').update(JSON.stringify({ client: pkg.version, esbuild: esbuild.version, options: { ...options, entryPoints: [pkg.main] } })).digest('hex').slice(0, 12);
  const dir = join(rootDir, 'node_modules', '.cache', 'quidditch-jest');
  const file = join(dir, `client-node-${pkg.version}-${key}.cjs`);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    esbuild.buildSync({ ...options, outfile: tmp });
  } catch (err) {
    throw new Error(`Unable to bundle @kubernetes/client-node ${pkg.version} for jest (test/support/client-node-bundle.js): ${err.message}. Run npm ci, then npm test again.`, { cause: err });
  }
  renameSync(tmp, file);
  return file;
}

module.exports = { clientNodeBundle };
