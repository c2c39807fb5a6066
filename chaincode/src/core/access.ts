import type { Context } from 'fabric-contract-api';
import { IDENTITY_ATTRIBUTES, type MspId } from '../api';
import { refuse } from './errors';

/** The caller as the peer authenticated it: its MSP and, where the org hosts several parties, which one. */
export interface Caller {
  readonly mspId: string;
  readonly id: string;
}

/** Refuses unless the creator of the proposal belongs to one of `allowed`. */
export function requireMsp(ctx: Context, allowed: readonly MspId[]): Caller {
  const mspId = ctx.clientIdentity.getMSPID();
  if (!(allowed as readonly string[]).includes(mspId)) {
    refuse('ACCESS_DENIED', `${mspId} may not call this transaction`);
  }
  return { mspId, id: ctx.clientIdentity.getID() };
}

/** The operator an OperatorsMSP identity acts for (certificate attribute chargeledger.operatorId). */
export function requireOperator(ctx: Context): string {
  requireMsp(ctx, ['OperatorsMSP']);
  return requireAttribute(ctx, IDENTITY_ATTRIBUTES.operatorId);
}

/** The prosumer a ProsumersMSP identity acts for (certificate attribute chargeledger.prosumerId). */
export function requireProsumer(ctx: Context): string {
  requireMsp(ctx, ['ProsumersMSP']);
  return requireAttribute(ctx, IDENTITY_ATTRIBUTES.prosumerId);
}

/** The party id of an operator or prosumer caller, whichever MSP it belongs to. */
export function requireParty(ctx: Context): { readonly mspId: 'OperatorsMSP' | 'ProsumersMSP'; readonly partyId: string } {
  const { mspId } = requireMsp(ctx, ['OperatorsMSP', 'ProsumersMSP']);
  return mspId === 'OperatorsMSP'
    ? { mspId, partyId: requireAttribute(ctx, IDENTITY_ATTRIBUTES.operatorId) }
    : { mspId: 'ProsumersMSP', partyId: requireAttribute(ctx, IDENTITY_ATTRIBUTES.prosumerId) };
}

function requireAttribute(ctx: Context, name: string): string {
  const value = ctx.clientIdentity.getAttributeValue(name);
  if (value === null || value === '') refuse('ACCESS_DENIED', `the caller's certificate has no ${name} attribute`);
  return value;
}
