/**
 * The contract API of the ChargeLedger chaincode: every transaction, its request and result, the chaincode
 * events, the transient-map keys and the error format. This file has no runtime imports so that clients
 * (the ledger bridge) can `import type` it without pulling in fabric-contract-api.
 *
 * Conventions every transaction keeps:
 * - It takes exactly one argument, a JSON object (the request), and returns a JSON object (the result).
 * - Money is an integer number of minor units of the account's currency (cents for EUR). Energy is integer
 *   Wh. Times are integer epoch milliseconds. Latitude/longitude are integer micro-degrees.
 * - Every state-changing request carries `eventId`. The first successful transaction with an eventId
 *   records its result; a later transaction with the same eventId and the same request returns that
 *   result and writes nothing; the same eventId with a different request is refused (EVENT_ID_REUSED).
 * - "Now" is the transaction timestamp chosen by the client, never the peer's clock.
 * - A state-changing transaction emits exactly one chaincode event (Fabric keeps one per transaction);
 *   a replay emits none.
 * - Refusals are thrown; the client sees the message `[CODE] text` (see ChaincodeErrorCode).
 */

export * from './common';
export * from './events';
export * from './registry';
export * from './session';
export * from './trading';
export * from './contract-api';
export * from './metadata';
export * from './wallet';
