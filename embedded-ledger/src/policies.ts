import { KeyEndorsementPolicy } from 'fabric-shim';
import type { CollectionConfig } from './blocks';

/** The MSP IDs a signature policy such as `OR('WalletsMSP.member')` names (the collections use OR policies only). */
export function policyOrgs(policy: string): readonly string[] {
  return [...policy.matchAll(/'([A-Za-z0-9.-]+)\.(?:member|peer|admin|client)'/g)].map((match) => match[1] ?? '');
}

export function collectionMembers(config: CollectionConfig): readonly string[] {
  return policyOrgs(config.policy);
}

/** The organizations a key-level policy set by the chaincode requires, every one of them. */
export function keyPolicyOrgs(parameter: Buffer): readonly string[] {
  return new KeyEndorsementPolicy(parameter).listOrgs();
}

/** The chaincode's endorsement policy (ADR 0039): the same two organizations however many operators join. */
export const CHAINCODE_POLICY = "AND('WalletsMSP.peer','AuthorityMSP.peer')";

/** Whether `endorsers` satisfy the chaincode policy block 0 names: MAJORITY on channels made before ADR 0039. */
export function satisfiesChaincodePolicy(policy: string, endorsers: readonly string[], organizations: readonly string[]): boolean {
  if (policy === 'MAJORITY') return endorsers.filter((org) => organizations.includes(org)).length * 2 > organizations.length;
  return policyOrgs(policy).every((org) => endorsers.includes(org));
}
