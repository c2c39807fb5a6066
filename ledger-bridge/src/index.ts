export { applyEvent, type Outcome } from './apply-event';
export { classifyLedgerError, LedgerRefusal, LedgerUnavailable } from './errors';
export { type CallOptions, type ChargingLedger, FabricLedger, type FabricLedgerOptions } from './ledger';
export { type DeadLetter, LedgerWorker, type LedgerWorkerOptions } from './worker';
export { LedgerQueryServer, type LedgerQueryServerOptions } from './query-server';
