import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { isOperatorMsp, TRANSIENT_KEYS, type Receipt } from '../api';
import { transientText } from '../wallet/tokens';
import { requireMsp, requireOperator } from '../core/access';
import { refuse } from '../core/errors';
import { canonicalJson } from '../core/json';
import { KEY } from '../core/keys';
import { Tx } from '../core/transaction-view';
import { ALL_MSPS, evaluate, submit } from '../core/submit-evaluate';
import { abandonSession } from './abandon';
import { authorizeIdToken } from './authorize';
import { closeSession } from './close';
import { closeSessions } from './close-batch';
import { transientRecords } from './evidence';
import { openSession } from './open';
import { openSessions } from './open-batch';
import { recordProgress } from './progress';
import { loadSession, viewOf } from './records';
import { SESSION_REQUESTS } from './requests';


@Info({ title: 'Session', description: 'Charging sessions: hold, frozen tariff, settlement from signed meter data' })
export class SessionContract extends Contract {
  constructor() {
    super('Session');
  }

  @Transaction()
  @Returns('string')
  async openSession(ctx: Context, request: string): Promise<string> {
    const operatorId = await requireOperator(ctx);
    return submit(ctx, request, {
      name: 'Session:openSession',
      callers: ['OperatorsMSP'],
      request: SESSION_REQUESTS['Session:openSession'],
      run: (tx, req) => openSession(tx, operatorId, req, () => transientText(tx, TRANSIENT_KEYS.tokenProof)),
    });
  }

  /** Several sessions' opens in one transaction, each exactly once by its own event id (ADR 0032). */
  @Transaction()
  @Returns('string')
  async openSessions(ctx: Context, request: string): Promise<string> {
    const operatorId = await requireOperator(ctx);
    const { opens } = SESSION_REQUESTS['Session:openSessions'].parse(request);
    return canonicalJson(await openSessions(ctx, operatorId, opens));
  }

  @Transaction()
  @Returns('string')
  async recordProgress(ctx: Context, request: string): Promise<string> {
    const operatorId = await requireOperator(ctx);
    return submit(ctx, request, {
      name: 'Session:recordProgress',
      callers: ['OperatorsMSP'],
      request: SESSION_REQUESTS['Session:recordProgress'],
      run: (tx, req) => recordProgress(tx, operatorId, req),
    });
  }

  @Transaction()
  @Returns('string')
  async closeSession(ctx: Context, request: string): Promise<string> {
    const operatorId = await requireOperator(ctx);
    // Exactly once by its event id, kept on the session it settles rather than in an event-id record (ADR 0022).
    const req = SESSION_REQUESTS['Session:closeSession'].parse(request);
    const tx = new Tx(ctx, req.eventId);
    // A settlement refused for good is recorded, not thrown (ADR 0025): the answer is then the refusal.
    const { result, replayed } = await closeSession(tx, operatorId, req, { ocmfRecords: () => transientRecords(tx), entry: 0 });
    if (!replayed) tx.flushEvent();
    return canonicalJson(result);
  }

  /** Several settlements in one transaction, each exactly once by its own event id (ADR 0022). */
  @Transaction()
  @Returns('string')
  async closeSessions(ctx: Context, request: string): Promise<string> {
    const operatorId = await requireOperator(ctx);
    const { settlements } = SESSION_REQUESTS['Session:closeSessions'].parse(request);
    return canonicalJson(await closeSessions(ctx, operatorId, settlements));
  }

  @Transaction()
  @Returns('string')
  async abandonSession(ctx: Context, request: string): Promise<string> {
    const { mspId } = requireMsp(ctx, ['OperatorsMSP', 'WalletsMSP']);
    const caller = isOperatorMsp(mspId) ? { mspId: 'OperatorsMSP' as const, operatorId: await requireOperator(ctx) } : { mspId: 'WalletsMSP' as const };
    return submit(ctx, request, {
      name: 'Session:abandonSession',
      callers: ['OperatorsMSP', 'WalletsMSP'],
      request: SESSION_REQUESTS['Session:abandonSession'],
      run: (tx, req) => abandonSession(tx, caller, req),
    });
  }

  /** Evaluate on a WalletsMSP peer: the token's owner is known only there. */
  @Transaction(false)
  @Returns('string')
  async authorizeIdToken(ctx: Context, request: string): Promise<string> {
    const operatorId = await requireOperator(ctx);
    return evaluate(ctx, request, {
      name: 'Session:authorizeIdToken',
      callers: ['OperatorsMSP'],
      request: SESSION_REQUESTS['Session:authorizeIdToken'],
      run: (tx, req) => authorizeIdToken(tx, operatorId, req),
    });
  }

  @Transaction(false)
  @Returns('string')
  async getSession(ctx: Context, request: string): Promise<string> {
    return evaluate(ctx, request, {
      name: 'Session:getSession',
      callers: ALL_MSPS,
      request: SESSION_REQUESTS['Session:getSession'],
      run: async (tx, req) => viewOf(await loadSession(tx, req.sessionId), await tx.get<Receipt>(tx.key(KEY.receipt, req.sessionId))),
    });
  }

  @Transaction(false)
  @Returns('string')
  async getReceipt(ctx: Context, request: string): Promise<string> {
    return evaluate(ctx, request, {
      name: 'Session:getReceipt',
      callers: ALL_MSPS,
      request: SESSION_REQUESTS['Session:getReceipt'],
      run: async (tx, req) => (await tx.get<Receipt>(tx.key(KEY.receipt, req.sessionId))) ?? refuse('NOT_FOUND', `session ${req.sessionId} has no receipt`),
    });
  }
}
