/** For other packages' tests: a test PKI for chargers' TLS and client certificates (security profiles 2 and 3). */
export { issueTestPki } from './src/chargepoint/testing/certificates';
