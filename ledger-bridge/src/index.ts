export { applyEvent, type Outcome } from './apply-event';
export { BRIDGE_HEARTBEAT_MS, BRIDGE_HEARTBEAT_TTL_MS, bridgeHeartbeatKey, startBridge, type BridgeOptions, type RunningBridge } from './bridge';
export { classifyLedgerError, LedgerRefusal, LedgerUnavailable } from './errors';
export { connectAs, NetworkDescriptionError, readNetworkDescription, type FabricIdentityConnection, type NetworkDescription, type OrganizationDescription } from './fabric-network';
export { connectGateway, type GatewayConnection, type GatewayIdentity } from './gateway';
export { type CallOptions, type ChargingLedger, FabricLedger, type FabricLedgerOptions } from './ledger';
export { type DeadLetter, LedgerWorker, type LedgerWorkerOptions } from './worker';
export { LedgerQueryServer, type LedgerQueryServerOptions } from './query-server';
