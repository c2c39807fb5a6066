export {
  DEFAULT_OPERATORS,
  EMBEDDED_LEDGER_DESCRIPTION,
  openEmbeddedLedger,
  type OperatorBinding,
  type Clock,
  type EmbeddedLedger,
  type EmbeddedLedgerOptions,
  type LedgerIdentity,
  type TransactionRecord,
} from './ledger';
export { LedgerCorrupted, LedgerInUse, TransactionInvalidated } from './errors';
export type { ChaincodeEvent, CloseableAsyncIterable } from './events';
export { commitHash, dataHash, endorsedBytes, envelopeBytes, headerHash, transactionId } from './blocks';
export type { Block, BlockHeader, BlockMetadata, ConfigEnvelope, EndorsementRecord, ProposalRecord, ReadWriteSetRecord, ResponseRecord, TransactionEnvelope, ValidationCodeName } from './blocks';
export type { ChainVerification } from './verify';
export { CHANNEL_ORGANIZATIONS } from './msp';
export { startEmbeddedGateway, type EmbeddedGatewayOptions, type GatewayCall, type GatewayFailure } from './gateway-server';
export { EmbeddedGatewayClient, type EmbeddedGatewayClientOptions } from './gateway-client';
export { gatewayEvents } from './gateway-events';
