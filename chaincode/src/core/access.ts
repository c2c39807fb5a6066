import type { Context } from 'fabric-contract-api';
import { KeyEndorsementPolicy } from 'fabric-shim';
import { IDENTITY_ATTRIBUTES, isOperatorMsp, type MspId, type OperatorMspId } from '../api';
import { refuse } from './errors';
import { KEY } from './keys';

/** The caller as the peer authenticated it: its MSP and, where the org hosts several parties, which one. */
export interface Caller {
  readonly mspId: string;
  readonly id: string;
}

/**
 * Refuses unless the creator of the proposal belongs to one of `allowed`. `OperatorsMSP` in `allowed` admits
 * every operator organization (ADR 0038): which operator such a caller acts for is `requireOperator`'s to check.
 */
export function requireMsp(ctx: Context, allowed: readonly MspId[]): Caller {
  const mspId = ctx.clientIdentity.getMSPID();
  const admitted = (allowed as readonly string[]).includes(mspId) || (isOperatorMsp(mspId) && allowed.includes('OperatorsMSP'));
  if (!admitted) refuse('ACCESS_DENIED', `${mspId} may not call this transaction`);
  return { mspId, id: ctx.clientIdentity.getID() };
}

/**
 * The operator the caller acts for: the `chargeledger.operatorId` of its certificate, which must be the
 * operator the ledger binds to the caller's MSP (ADR 0038). So an operator organization's CA can issue
 * identities for its own operator only: one naming another operator is refused, whatever it carries.
 */
export async function requireOperator(ctx: Context): Promise<string> {
  const mspId = ctx.clientIdentity.getMSPID();
  if (!isOperatorMsp(mspId)) refuse('ACCESS_DENIED', `${mspId} is not an operator organization`);
  const operatorId = requireAttribute(ctx, IDENTITY_ATTRIBUTES.operatorId);
  const bound = await boundOperatorOf(ctx, mspId);
  if (bound === undefined) refuse('ACCESS_DENIED', `${mspId} acts for no admitted operator`);
  if (bound !== operatorId) refuse('ACCESS_DENIED', `${mspId} acts for operator ${bound}, not ${operatorId}`);
  return operatorId;
}

/** The prosumer a ProsumersMSP identity acts for (certificate attribute chargeledger.prosumerId). */
export function requireProsumer(ctx: Context): string {
  requireMsp(ctx, ['ProsumersMSP']);
  return requireAttribute(ctx, IDENTITY_ATTRIBUTES.prosumerId);
}

export type Party = { readonly mspId: 'OperatorsMSP'; readonly partyId: string } | { readonly mspId: 'ProsumersMSP'; readonly partyId: string };

/** The party id of an operator or prosumer caller; `mspId` is the role, `OperatorsMSP` for every operator organization. */
export async function requireParty(ctx: Context): Promise<Party> {
  const { mspId } = requireMsp(ctx, ['OperatorsMSP', 'ProsumersMSP']);
  return mspId === 'ProsumersMSP' ? { mspId, partyId: requireAttribute(ctx, IDENTITY_ATTRIBUTES.prosumerId) } : { mspId: 'OperatorsMSP', partyId: await requireOperator(ctx) };
}

/** The operator the ledger binds to an operator organization, if it admitted one. */
export async function boundOperatorOf(ctx: Context, mspId: string): Promise<string | undefined> {
  const bytes = await ctx.stub.getState(ctx.stub.createCompositeKey(KEY.operatorMsp, [mspId]));
  return bytes.length === 0 ? undefined : (JSON.parse(Buffer.from(bytes).toString('utf8')) as string);
}

/** The organization an admitted operator acts through. */
export async function operatorMspOf(ctx: Context, operatorId: string): Promise<OperatorMspId | undefined> {
  const bytes = await ctx.stub.getState(ctx.stub.createCompositeKey(KEY.operator, [operatorId]));
  return bytes.length === 0 ? undefined : (JSON.parse(Buffer.from(bytes).toString('utf8')) as { mspId: OperatorMspId }).mspId;
}

/** A key-level policy: every one of `organizations` must endorse a change to the key (their peers). */
export function peersOf(...organizations: readonly string[]): Uint8Array {
  const policy = new KeyEndorsementPolicy();
  policy.addOrgs('PEER', ...organizations);
  return policy.getPolicy();
}

function requireAttribute(ctx: Context, name: string): string {
  const value = ctx.clientIdentity.getAttributeValue(name);
  if (value === null || value === '') refuse('ACCESS_DENIED', `the caller's certificate has no ${name} attribute`);
  return value;
}
