const { clientNodeBundle } = require('./test/support/client-node-bundle');

/** @type {import('jest').Config} */
const common = {
  testEnvironment: 'node',
  // jest 30 warns about globals @pulumi/pulumi leaves behind; they are harmless here.
  testEnvironmentOptions: { globalsCleanup: 'off' },
  // ts-jest, cached by content instead of by absolute path, so a fresh clone reuses earlier runs'
  // transforms (test/support/ts-jest-clone-cache.js says why and what the key holds).
  transform: { '^.+\\.[tj]sx?$': ['<rootDir>/test/support/ts-jest-clone-cache.js', { tsconfig: 'tsconfig.json' }] },
  // @kubernetes/client-node 1.x and its auth dependencies ship ESM only, which jest would have to
  // transform module by module in every test file: tests load them as one CommonJS bundle instead
  // (test/support/client-node-bundle.js says why).
  moduleNameMapper: { '^@kubernetes/client-node$': clientNodeBundle(__dirname) },
};

const { availableParallelism } = require('node:os');

module.exports = {
  testTimeout: 120000,
  // Every run's temporary files in one directory of its own, removed at the end (run-tmpdir.ts).
  globalSetup: '<rootDir>/test/support/run-global-setup.ts',
  globalTeardown: '<rootDir>/test/support/run-global-teardown.ts',
  // Integration files mostly wait (on the API server, sims, timers), so they run three at a time even
  // on 2 cores (jest's default there would be 1: 16 serial minutes). Each file has its own namespaces
  // and operators; a file that changes cluster-wide state starts a private control plane.
  maxWorkers: Math.max(3, availableParallelism() - 1),
  projects: [
    // Pure logic and constructs: no server. `npx jest --selectProjects unit`.
    // `id` names the project's transform cache; jest's default hashes rootDir, i.e. the clone's path.
    { ...common, id: 'quidditch-unit', displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    // The packed package installed into a scratch project (npm pack + npm install from the cache).
    { ...common, id: 'quidditch-consumer', displayName: 'consumer', testMatch: ['<rootDir>/test/consumer/**/*.test.ts'] },
    // One real kube-apiserver + etcd for the whole run, started by the global setup.
    {
      ...common,
      id: 'quidditch-integration',
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts', '<rootDir>/test/e2e/**/*.test.ts', '<rootDir>/test/faults/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
