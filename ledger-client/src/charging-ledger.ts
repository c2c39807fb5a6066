import type { RequestOf, ResultOf, TransactionName } from '@chargeledger/chaincode/api';

export interface CallOptions {
  /** Values for the transient map; never written to a block. */
  readonly transient?: Readonly<Record<string, string>>;
  /** Organizations whose peers must endorse (or answer an evaluate), e.g. the private collection's members. */
  readonly endorsingOrganizations?: readonly string[];
}

/**
 * The chaincode's transactions, typed by their `Contract:function` name: what the bridge, the participants'
 * services and the verifier call, on a Fabric network (FabricLedger) or on the embedded ledger alike.
 */
export interface ChargingLedger {
  submit<T extends TransactionName>(name: T, request: RequestOf<T>, options?: CallOptions): Promise<ResultOf<T>>;
  evaluate<T extends TransactionName>(name: T, request: RequestOf<T>, options?: CallOptions): Promise<ResultOf<T>>;
}
