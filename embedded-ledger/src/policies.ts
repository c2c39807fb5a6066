import { KeyEndorsementPolicy } from 'fabric-shim';
import type { CollectionConfig } from './blocks';
import type { StateView } from './store';
import type { Simulation } from './stub';

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

/** The fewest organizations that satisfy the chaincode policy: its named ones, or the first majority. */
export function chaincodePolicyOrgs(policy: string, organizations: readonly string[]): readonly string[] {
  return policy === 'MAJORITY' ? organizations.slice(0, Math.floor(organizations.length / 2) + 1) : policyOrgs(policy);
}

/**
 * The organizations whose peers a simulated transaction needs, as Fabric's gateway plans them from the first
 * endorsement's chaincode interest: the owners of every key-level policy it writes under, one member of each
 * collection it writes, and the chaincode policy's organizations where a write has no policy of its own (or
 * nothing is written). The committer checks the same rules (commit.ts).
 */
export async function plannedEndorsers(simulation: Simulation, state: StateView, collections: readonly CollectionConfig[], chaincodePolicy: string, organizations: readonly string[]): Promise<string[]> {
  const needed = new Set<string>();
  let needsChaincodePolicy = simulation.writes.size === 0 && simulation.policies.size === 0 && simulation.privateWrites.size === 0;
  for (const collection of simulation.privateWrites.keys()) {
    const policy = collections.find((config) => config.name === collection)?.endorsementPolicy;
    const [member] = policy === undefined ? [] : policyOrgs(policy.signaturePolicy);
    if (member === undefined) needsChaincodePolicy = true;
    else needed.add(member);
  }
  for (const name of new Set([...simulation.writes.keys(), ...simulation.policies.keys()])) {
    const parameter = await state.policy(name);
    if (parameter === undefined || parameter === null) needsChaincodePolicy = true;
    else for (const org of keyPolicyOrgs(parameter)) needed.add(org);
  }
  if (needsChaincodePolicy) for (const org of chaincodePolicyOrgs(chaincodePolicy, organizations)) needed.add(org);
  return organizations.filter((org) => needed.has(org));
}

/** Whether `endorsers` satisfy the chaincode policy block 0 names: MAJORITY on channels made before ADR 0039. */
export function satisfiesChaincodePolicy(policy: string, endorsers: readonly string[], organizations: readonly string[]): boolean {
  if (policy === 'MAJORITY') return endorsers.filter((org) => organizations.includes(org)).length * 2 > organizations.length;
  return policyOrgs(policy).every((org) => endorsers.includes(org));
}
