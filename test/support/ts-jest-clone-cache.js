/**
 * ts-jest, with a cache key that does not depend on where the repository is checked out.
 *
 * Jest keeps each transformed file on disk under a key that ts-jest builds from the file's
 * absolute path and the project's rootDir, so every fresh clone (every CI run) transpiled every
 * test, every lib file and the ESM-only dependencies again. Measured in a fresh clone, the unit
 * project in one worker: 79 s with no cache (`--no-cache`), 59 s from other clones' entries. Here
 * the key is what decides the output: the file's content, its path relative to rootDir, the
 * versions of ts-jest and TypeScript, this transformer's options, the tsconfig file's text (it
 * has no `extends`), and whether jest asks for ESM or coverage. Jest's cache directory is keyed by the project's `id`, which
 * jest.config.js fixes for the same reason.
 *
 * ts-jest writes an inline source map naming the file by its absolute path; a transform cached
 * by one clone would send stack traces to that clone's files. The map names it relative to the
 * file instead, which source-map-support resolves against the file being run.
 */
const { Buffer } = require('node:buffer');
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');
const { basename, dirname, isAbsolute, join, relative } = require('node:path');
const tsJest = require('ts-jest').default;

/** Bumped when this file changes what it outputs, so older cache entries are not reused. */
const FORMAT = 1;
const INLINE_MAP = /\n\/\/# sourceMappingURL=data:application\/json;charset=utf-8;base64,([A-Za-z0-9+/=]+)\s*$/;

/** `code` with its inline source map naming files relative to `filename`'s directory. */
function relativeSourceMap(code, filename) {
  const m = INLINE_MAP.exec(code);
  if (!m) return code;
  const map = JSON.parse(Buffer.from(m[1], 'base64').toString('utf8'));
  const rel = (p) => (typeof p === 'string' && isAbsolute(p) ? relative(dirname(filename), p) || basename(p) : p);
  map.file = rel(map.file);
  map.sources = (map.sources ?? []).map(rel);
  const inline = Buffer.from(JSON.stringify(map), 'utf8').toString('base64');
  return `${code.slice(0, m.index)}\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,${inline}`;
}

module.exports = {
  createTransformer(options = {}) {
    const inner = tsJest.createTransformer(options);
    let stable;
    /** What decides the output besides the file, read once per project (rootDir comes with the first call). */
    const stableKey = (rootDir) => {
      stable ??= createHash('sha1')
        .update([FORMAT, require('ts-jest/package.json').version, require('typescript/package.json').version, JSON.stringify(options)].join('\0'))
        .update(readFileSync(join(rootDir, options.tsconfig ?? 'tsconfig.json')))
        .digest('hex');
      return stable;
    };
    const getCacheKey = (source, filename, transformOptions) =>
      createHash('sha1')
        .update([
          stableKey(transformOptions.config.rootDir), relative(transformOptions.config.rootDir, filename),
          transformOptions.instrument ? 'instrument' : '', transformOptions.supportsStaticESM ? 'esm' : '', source,
        ].join('\0'))
        .digest('hex');
    return {
      canInstrument: inner.canInstrument,
      getCacheKey,
      getCacheKeyAsync: async (...args) => getCacheKey(...args),
      /** @returns {{ code: string, map?: unknown }} */
      process(source, filename, transformOptions) {
        const out = inner.process(source, filename, transformOptions);
        return { ...out, code: relativeSourceMap(out.code, filename) };
      },
      /** @returns {Promise<{ code: string, map?: unknown }>} */
      async processAsync(source, filename, transformOptions) {
        const out = await inner.processAsync(source, filename, transformOptions);
        return { ...out, code: relativeSourceMap(out.code, filename) };
      },
    };
  },
};
