/** Unit tests live beside the code they test; integration and e2e tests under test/ use real Redis and sockets. */
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json' }];
const common = { testEnvironment: 'node', transform: { '^.+\\.ts$': tsJest } };

module.exports = {
  testTimeout: 60000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      roots: ['<rootDir>/config', '<rootDir>/chaincode', '<rootDir>/csms', '<rootDir>/ledger-bridge', '<rootDir>/embedded-ledger', '<rootDir>/simulators'],
      testMatch: ['**/src/**/*.test.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      roots: ['<rootDir>/test'],
      testMatch: ['**/integration/**/*.test.ts', '**/e2e/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
    },
    {
      ...common,
      displayName: 'pipeline',
      roots: ['<rootDir>/test'],
      testMatch: ['**/pipeline/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
    },
  ],
};
