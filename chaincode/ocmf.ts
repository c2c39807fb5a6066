/** The OCMF reader and signature verifier the chaincode settles with, for clients that check evidence. */
export * from './src/ocmf';
