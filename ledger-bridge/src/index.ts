export { applyEvent, type Outcome } from './apply-event';
export { startBridge, type BridgeOptions, type RunningBridge } from './bridge';
export { bridgeLogger, runBridgeProcess, type BridgeProcessOptions } from './process';
export { SessionBatcher, type SessionBatcherOptions } from './session-batcher';
export { decideProgress, estimateAt, NEARING_BASIS_POINTS, type ProgressDecision, type ProgressLevel, type RecordedProgress, type SessionPricing, TariffVersions } from './progress-rule';
export { fabricEventSource, SettlementListener, settlementsOf, type CommittedEvent, type CommittedEventSource, type CommittedEventStream, type SettlementListenerOptions } from './settlement-listener';
export { type DeadLetter, DeadLetterOffice, type DeadLetterOfficeOptions, type ListedFailure, type Redriven } from './dead-letters';
export { LedgerWorker, type LedgerWorkerOptions } from './worker';
export { LedgerQueryServer, type LedgerQueryServerOptions } from './query-server';
