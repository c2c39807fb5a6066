import { isOperatorMsp, type AdmitOperatorRequest, type OperatorOrganization } from '../api';
import { boundOperatorOf, peersOf } from '../core/access';
import { refuse } from '../core/errors';
import { KEY } from '../core/keys';
import type { Tx } from '../core/transaction-view';

/**
 * Binds an operator to the operator organization it acts through (ADR 0038): one operator per organization,
 * one organization per operator, never moved. Both records carry a key-level policy of the Authority and
 * Wallets, the organizations whose endorsements the chaincode policy asks for, so no later transaction can
 * rebind them without the same two. Admitting an admitted operator again is refused; a replay of the same
 * admission (its event id) is answered with the record, as every submit is.
 */
export async function admitOperator(tx: Tx, req: AdmitOperatorRequest): Promise<OperatorOrganization> {
  if (!isOperatorMsp(req.mspId)) refuse('BAD_REQUEST', `${req.mspId} is not an operator organization (OperatorsMSP or Operators<name>MSP)`);
  const operatorKey = tx.key(KEY.operator, req.operatorId);
  const existing = await tx.get<OperatorOrganization>(operatorKey);
  const bound = await boundOperatorOf(tx.ctx, req.mspId);
  if (existing !== undefined) refuse('ALREADY_EXISTS', `operator ${req.operatorId} acts through ${existing.mspId}`);
  if (bound !== undefined) refuse('ALREADY_EXISTS', `${req.mspId} acts for operator ${bound}`);
  const record: OperatorOrganization = { operatorId: req.operatorId, mspId: req.mspId, admittedAtMs: tx.nowMs, admittedTxId: tx.txId };
  const mspKey = tx.key(KEY.operatorMsp, req.mspId);
  await tx.put(operatorKey, record);
  await tx.put(mspKey, req.operatorId);
  const consortium = peersOf('AuthorityMSP', 'WalletsMSP');
  await tx.ctx.stub.setStateValidationParameter(operatorKey, consortium);
  await tx.ctx.stub.setStateValidationParameter(mspKey, consortium);
  tx.emit('OperatorAdmitted', { operatorId: req.operatorId, mspId: req.mspId });
  return record;
}

export async function loadOperator(tx: Tx, operatorId: string): Promise<OperatorOrganization> {
  return tx.must<OperatorOrganization>(tx.key(KEY.operator, operatorId), `operator ${operatorId}`);
}
