/** Unit tests live beside the code they test; integration and e2e tests under test/ use real Redis and sockets. */
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json' }];
// The contracts from their source, never chaincode/dist (built by scripts/setup.sh for the chaincode service
// and production): the embedded ledger under test runs the contracts as they are in the tree.
const moduleNameMapper = { '^@chargeledger/chaincode$': '<rootDir>/chaincode/src/index.ts' };
const common = { testEnvironment: 'node', transform: { '^.+\\.ts$': tsJest }, moduleNameMapper };

module.exports = {
  testTimeout: 60000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      roots: ['<rootDir>/config', '<rootDir>/chaincode', '<rootDir>/csms', '<rootDir>/ledger-client', '<rootDir>/ledger-bridge', '<rootDir>/ledger-queue', '<rootDir>/embedded-ledger', '<rootDir>/simulators', '<rootDir>/participants', '<rootDir>/verifier', '<rootDir>/test/docs'],
      // test/docs: the documents checked against the tree (every path they name exists).
      testMatch: ['**/src/**/*.test.ts', '**/test/docs/*.test.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      roots: ['<rootDir>/test'],
      testMatch: ['**/integration/**/*.test.ts', '**/e2e/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
    },
    // The dashboard in a real browser (Debian's chromium, driven by playwright-core), with a real CSMS (the stack's
    // Redis), ledger bridge and simulated charger; screenshots go to docs/screenshots.
    {
      ...common,
      displayName: 'browser',
      roots: ['<rootDir>/test/browser'],
      testMatch: ['**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
    },
    // One scenario suite, two ledgers: the same files run on the embedded ledger and on the Fabric network.
    {
      ...common,
      displayName: 'ledger:embedded',
      roots: ['<rootDir>/test/ledger'],
      testMatch: ['**/*.test.ts'],
      setupFiles: ['<rootDir>/test/ledger/support/use-embedded.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
    },
    {
      ...common,
      displayName: 'ledger:fabric',
      roots: ['<rootDir>/test/ledger'],
      testMatch: ['**/*.test.ts'],
      setupFiles: ['<rootDir>/test/ledger/support/use-fabric.ts'],
      globalSetup: '<rootDir>/test/ledger/support/fabric-setup.ts',
      globalTeardown: '<rootDir>/test/ledger/support/fabric-teardown.ts',
    },
    // The payment system on a Fabric network of its own (.data-faults, its own ports) while its parts are killed.
    {
      ...common,
      displayName: 'faults:fabric',
      roots: ['<rootDir>/test/faults'],
      testMatch: ['<rootDir>/test/faults/**/*.test.ts'],
    },
    // Each organization on a host of its own: network namespaces the suite creates (root and the Fabric binaries needed).
    {
      ...common,
      displayName: 'multihost',
      roots: ['<rootDir>/test/multihost'],
      testMatch: ['<rootDir>/test/multihost/**/*.test.ts'],
    },
  ],
};
