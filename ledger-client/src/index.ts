export { type CallOptions, type ChargingLedger } from './charging-ledger';
export {
  chaincodeRefusal,
  classifyLedgerError,
  invalidatedAtCommit,
  LedgerRefusal,
  LedgerUnavailable,
  readChaincodeRefusal,
  validationCodeName,
  type InvalidationCode,
  type LedgerRefusalCode,
  type LedgerRefusalOptions,
  type LedgerStage,
  type LedgerUnavailableOptions,
} from './errors';
export { blockNumberOf, connectAs, NetworkDescriptionError, readNetworkDescription, type FabricIdentityConnection, type NetworkDescription, type OrganizationDescription } from './fabric-network';
export { connectGateway, type GatewayConnection, type GatewayIdentity } from './gateway';
export { FabricLedger, type FabricLedgerOptions } from './ledger';
export { ensureTokenPepper, linkCard, type CardLink } from './wallet-cards';
export { CONFIRM_REFUSAL_MS, confirmDelayMs, decideRetry, isFinal, resendDelayMs, STATE_DEPENDENT_REFUSALS, type RetryContext, type RetryDecision } from './retry';
