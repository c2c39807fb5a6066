export { eventIdFor, type LedgerEvent, type LedgerEventKind, type LedgerOutcome, type MeterEvidence, type MeterSampled, type SessionEnded, type SessionStarted } from './events';
export type { AuthorizeQuery, LedgerAuthorizationStatus, LedgerAuthorizationVerdict, LedgerQuery, LedgerQueryReply } from './queries';
export { ledgerQueueNames, ledgerQueriesKey, type LedgerQueueNames } from './names';
