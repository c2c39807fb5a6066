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

/** The channel's chaincode policy: a majority of the channel's organizations. */
export function satisfiesMajority(endorsers: readonly string[], organizations: readonly string[]): boolean {
  return endorsers.filter((org) => organizations.includes(org)).length * 2 > organizations.length;
}
