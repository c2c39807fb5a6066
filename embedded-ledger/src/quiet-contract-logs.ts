/**
 * fabric-contract-api logs every decorator at info level when the contract classes load, and logs each
 * chaincode refusal. A peer sets this variable for its chaincode process; the embedded ledger sets it the
 * same way before the contracts load (the refusals reach the caller as LedgerRefusal). Must stay the first
 * import of chaincode.ts.
 */
process.env.CORE_CHAINCODE_LOGGING_LEVEL = 'CRITICAL';
export {};
