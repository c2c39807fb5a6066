/**
 * fabric-contract-api logs every decorator at info level when the contract classes load. The peer sets this
 * variable for its chaincode containers; the test network sets it the same way before any contract loads.
 * Must stay the first import of the fixtures.
 */
process.env.CORE_CHAINCODE_LOGGING_LEVEL = 'CRITICAL';
export {};
