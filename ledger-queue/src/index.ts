export { endedEventId, eventIdFor, settlementOutcomeJobId, type FrozenTariff, type HoldOutcome, type SessionOpenedOutcome, type LedgerEvent, type LedgerEventKind, type LedgerOutcome, type SettlementOutcome, type SettlementRefusedOutcome, type SessionEndOutcome, type MeterEvidence, type MeterSampled, type SessionEnded, type SessionStarted } from './events';
export { type RecordedSettlement, type RefusedOnLedger, type SessionSettlement, SETTLEMENT_REFUSAL_CODES, type SettledOnLedger, settlementOf, type SettlementRefusalCode, type Verification } from './settlement';
export type { AuthorizeQuery, LedgerAuthorizationVerdict, LedgerQuery, LedgerQueryReply } from './queries';
export { BRIDGE_HEARTBEAT_MS, BRIDGE_HEARTBEAT_TTL_MS, bridgeHeartbeatKey, ledgerQueueNames, ledgerQueriesKey, type LedgerQueueNames } from './names';
export { LEDGER_EVENT_BACKOFF, LEDGER_EVENT_RETRY, ledgerEventRetryDelayMs } from './retry';
export { estimateAt, NEARING_BASIS_POINTS, type ProgressLevel, progressLevel } from './progress';
export { keepJobs, type KeptJobs, type QueueRetention } from './retention';
