import type { MspId } from './common';

/** A string that holds JSON of `contentSchema`: a transaction's argument and result on the wire. */
export interface JsonString {
  readonly type: 'string';
  readonly contentMediaType: 'application/json';
  readonly contentSchema: { readonly [keyword: string]: unknown };
}

/** One transaction as `org.hyperledger.fabric:GetMetadata` describes it (ADR 0028). */
export interface TransactionMetadata {
  readonly name: string;
  /** `SUBMIT` (ordered and committed) or `EVALUATE` (answered by one peer). */
  readonly tag: readonly string[];
  /** The MSPs that may call it, each with the certificate attribute naming the party it acts for, where one is read. */
  readonly callers: readonly { readonly mspId: MspId; readonly attribute?: string }[];
  readonly parameters: readonly [{ readonly name: 'request'; readonly description: string; readonly schema: JsonString }];
  readonly returns: JsonString;
}

/** What `org.hyperledger.fabric:GetMetadata` answers: Fabric's contract metadata, completed by ChargeLedger. */
export interface ContractMetadata {
  readonly info: { readonly title: string; readonly version: string };
  readonly contracts: { readonly [contract: string]: { readonly name: string; readonly transactions: readonly TransactionMetadata[] } };
}

/** The system transaction that answers ContractMetadata, on every chaincode built with fabric-contract-api. */
export const GET_METADATA = 'org.hyperledger.fabric:GetMetadata';
