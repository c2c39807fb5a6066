import { common, msp } from '@hyperledger/fabric-protos';
import { hasOrganizationalUnit, membershipFailure, signatureHolds } from '../certificates';
import type { LedgerIdentity } from '../ledger-view';
import type { ChannelConfig, FabricBlock } from './decode';

/**
 * The channel's BlockValidation policy (the Orderer group's), which a block's signatures must satisfy, as
 * Fabric's peers check it (protoutil.BlockSignatureVerifier). On a BFT channel configtxgen writes it as a
 * signature policy: a quorum of ceil((n + f + 1) / 2) of the n consenters' identities (3 of 4), each named by
 * the identity of the consenter mapping. Raft channels keep the implicit-meta policy of configtx.yaml
 * ("ANY Writers"), read here as that many of the ordering organizations' members.
 */
export type BlockValidationPolicy =
  | { readonly kind: 'signature'; readonly rule: SignatureRule; readonly principals: readonly Principal[] }
  | { readonly kind: 'implicit-meta'; readonly rule: 'ANY' | 'ALL' | 'MAJORITY'; readonly subPolicy: string };

export type SignatureRule = { readonly signedBy: number } | { readonly outOf: number; readonly rules: readonly SignatureRule[] };

export type Principal =
  | { readonly kind: 'identity'; readonly mspId: string; readonly certificate: string }
  | { readonly kind: 'role'; readonly mspId: string; readonly role: 'member' | 'admin' | 'client' | 'peer' | 'orderer' }
  | { readonly kind: 'unsupported'; readonly description: string };

const ROLES = new Map<number, 'member' | 'admin' | 'client' | 'peer' | 'orderer'>([
  [msp.MSPRole.MSPRoleType.MEMBER, 'member'],
  [msp.MSPRole.MSPRoleType.ADMIN, 'admin'],
  [msp.MSPRole.MSPRoleType.CLIENT, 'client'],
  [msp.MSPRole.MSPRoleType.PEER, 'peer'],
  [msp.MSPRole.MSPRoleType.ORDERER, 'orderer'],
]);

const IMPLICIT_RULES = new Map<number, 'ANY' | 'ALL' | 'MAJORITY'>([
  [common.ImplicitMetaPolicy.Rule.ANY, 'ANY'],
  [common.ImplicitMetaPolicy.Rule.ALL, 'ALL'],
  [common.ImplicitMetaPolicy.Rule.MAJORITY, 'MAJORITY'],
]);

/** The policy of a common.Policy (type and value); throws for a type a verifier cannot evaluate. */
export function decodeBlockValidationPolicy(policy: common.Policy): BlockValidationPolicy {
  if (policy.getType() === common.Policy.PolicyType.SIGNATURE) {
    const envelope = common.SignaturePolicyEnvelope.deserializeBinary(policy.getValue_asU8());
    return { kind: 'signature', rule: ruleOf(envelope.getRule()), principals: envelope.getIdentitiesList().map(principalOf) };
  }
  if (policy.getType() === common.Policy.PolicyType.IMPLICIT_META) {
    const meta = common.ImplicitMetaPolicy.deserializeBinary(policy.getValue_asU8());
    const rule = IMPLICIT_RULES.get(meta.getRule());
    if (rule === undefined) throw new Error(`the BlockValidation policy has the unknown implicit-meta rule ${meta.getRule()}`);
    return { kind: 'implicit-meta', rule, subPolicy: meta.getSubPolicy() };
  }
  throw new Error(`the BlockValidation policy is of type ${policy.getType()}, which this verifier does not evaluate`);
}

function ruleOf(rule: common.SignaturePolicy | undefined): SignatureRule {
  if (rule === undefined) throw new Error('a signature policy without a rule');
  if (rule.hasNOutOf()) {
    const outOf = rule.getNOutOf() as common.SignaturePolicy.NOutOf;
    return { outOf: outOf.getN(), rules: outOf.getRulesList().map(ruleOf) };
  }
  return { signedBy: rule.getSignedBy() };
}

function principalOf(principal: msp.MSPPrincipal): Principal {
  const classification = principal.getPrincipalClassification();
  if (classification === msp.MSPPrincipal.Classification.IDENTITY) {
    const identity = msp.SerializedIdentity.deserializeBinary(principal.getPrincipal_asU8());
    return { kind: 'identity', mspId: identity.getMspid(), certificate: Buffer.from(identity.getIdBytes_asU8()).toString('utf8') };
  }
  if (classification === msp.MSPPrincipal.Classification.ROLE) {
    const role = msp.MSPRole.deserializeBinary(principal.getPrincipal_asU8());
    const name = ROLES.get(role.getRole());
    if (name !== undefined) return { kind: 'role', mspId: role.getMspIdentifier(), role: name };
  }
  return { kind: 'unsupported', description: `principal of classification ${classification}` };
}

/** One signature of a block, with who made it (as its header or the consenter mapping says) and why it does not count, if it does not. */
export interface CheckedBlockSignature {
  /** `consenter 3 (WalletsMSP)` or `AuthorityMSP`, for reports. */
  readonly signer: string;
  readonly identity: LedgerIdentity | undefined;
  readonly failure: string | undefined;
}

export interface BlockSignatureOutcome {
  readonly satisfied: boolean;
  readonly signatures: readonly CheckedBlockSignature[];
  /** The distinct identities whose signatures verify and which are members of their organization. */
  readonly valid: readonly LedgerIdentity[];
}

/**
 * Checks every signature of the block's SIGNATURES metadata over the bytes Fabric signs (the metadata value, the
 * signature's header, the block header's DER) and evaluates the channel's BlockValidation policy over the valid
 * ones, each identity counted once. A BFT signature names its signer by consenter id (its identifier header); the
 * identity is the one the channel configuration maps to that id, never one the block itself carries.
 */
export function checkBlockSignatures(block: FabricBlock, config: ChannelConfig, atMs: number): BlockSignatureOutcome {
  const signatures = block.signatures.map((signature): CheckedBlockSignature => {
    let identity: LedgerIdentity | undefined;
    let signer: string;
    if (signature.signatureHeader.length === 0 && signature.consenterId !== undefined) {
      const consenter = config.consenters.find((candidate) => candidate.id === signature.consenterId);
      signer = `consenter ${signature.consenterId}${consenter === undefined ? '' : ` (${consenter.mspId})`}`;
      if (consenter === undefined) return { signer, identity, failure: 'the channel configuration maps no consenter to that id' };
      identity = { mspId: consenter.mspId, certificate: consenter.identity };
    } else {
      identity = signature.signer;
      signer = identity?.mspId ?? 'an unnamed signer';
      if (identity === undefined) return { signer, identity, failure: 'the signature names no signer' };
    }
    const membership = config.orderer.find((org) => org.mspId === identity.mspId) ?? config.application.find((org) => org.mspId === identity.mspId);
    const notMember = membershipFailure(identity.certificate, membership, atMs);
    if (notMember !== undefined) return { signer, identity, failure: notMember };
    if (!signatureHolds(identity.certificate, Buffer.concat([block.signedMetadata, signature.signedHeader, block.headerBytes]), signature.signature)) return { signer, identity, failure: 'the signature does not verify' };
    return { signer, identity, failure: undefined };
  });
  const valid: LedgerIdentity[] = [];
  for (const { identity, failure } of signatures) {
    if (failure === undefined && identity !== undefined && !valid.some((known) => sameIdentity(known, identity))) valid.push(identity);
  }
  return { satisfied: satisfies(config, valid), signatures, valid };
}

function satisfies(config: ChannelConfig, valid: readonly LedgerIdentity[]): boolean {
  const policy = config.blockValidation;
  if (policy.kind === 'signature') return evaluate(policy.rule, policy.principals, valid, valid.map(() => false));
  // Each ordering organization's sub-policy (its Writers) is read as: one of its members signed.
  const organizations = config.orderer.map((org) => org.mspId);
  const signed = organizations.filter((mspId) => valid.some((identity) => identity.mspId === mspId)).length;
  if (policy.rule === 'ANY') return signed >= 1;
  if (policy.rule === 'ALL') return organizations.length > 0 && signed === organizations.length;
  return signed > organizations.length / 2;
}

/** Fabric's cauthdsl evaluation: each identity satisfies at most one SignedBy, an n-out-of keeps what its satisfied rules used. */
function evaluate(rule: SignatureRule, principals: readonly Principal[], identities: readonly LedgerIdentity[], used: boolean[]): boolean {
  if ('signedBy' in rule) {
    const principal = principals[rule.signedBy];
    if (principal === undefined) return false;
    const index = identities.findIndex((identity, at) => used[at] !== true && satisfiesPrincipal(identity, principal));
    if (index < 0) return false;
    used[index] = true;
    return true;
  }
  let verified = 0;
  for (const child of rule.rules) {
    const trial = [...used];
    if (evaluate(child, principals, identities, trial)) {
      verified += 1;
      trial.forEach((value, at) => (used[at] = value));
    }
  }
  return verified >= rule.outOf;
}

function satisfiesPrincipal(identity: LedgerIdentity, principal: Principal): boolean {
  if (principal.kind === 'identity') return sameIdentity(identity, principal);
  if (principal.kind === 'unsupported' || identity.mspId !== principal.mspId) return false;
  return principal.role === 'member' || hasOrganizationalUnit(identity.certificate, principal.role);
}

function sameIdentity(a: LedgerIdentity, b: LedgerIdentity): boolean {
  return a.mspId === b.mspId && a.certificate.trim() === b.certificate.trim();
}

/** The policy in words: `3 of the 4 consenters (OperatorsMSP, ProsumersMSP, WalletsMSP, AuthorityMSP)` or `ANY Writers of AuthorityMSP`. */
export function describeBlockValidation(config: ChannelConfig): string {
  const policy = config.blockValidation;
  if (policy.kind === 'implicit-meta') return `${policy.rule} ${policy.subPolicy} of ${config.orderer.map((org) => org.mspId).join(', ')}`;
  const { rule, principals } = policy;
  const names = principals.map((principal) => (principal.kind === 'unsupported' ? principal.description : principal.mspId));
  if ('outOf' in rule && rule.rules.every((child) => 'signedBy' in child)) {
    const consenters = principals.every((principal) => principal.kind === 'identity' && config.consenters.some((c) => c.mspId === principal.mspId && c.identity.trim() === principal.certificate.trim()));
    return `${rule.outOf} of the ${rule.rules.length} ${consenters ? 'consenters' : 'identities'} (${names.join(', ')})`;
  }
  return `a signature policy over ${names.join(', ')}`;
}
