/** The chaincode's public API for its clients: transaction names, request and result types, events, error codes. */
export * from './src/api';
