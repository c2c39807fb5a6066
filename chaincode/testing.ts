/** For other packages' tests: the in-memory channel, its fixtures, and a signing test meter. Never for production code. */
export * from './src/testing/fixtures';
export * from './src/testing/network';
export * from './src/testing/ocmf-meter';
export * from './src/testing/x509';
