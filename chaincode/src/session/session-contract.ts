import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import type { Receipt, SessionEvidence } from '../api';
import { requireMsp, requireOperator } from '../core/access';
import { refuse } from '../core/errors';
import { Fields } from '../core/fields';
import { canonicalJson } from '../core/json';
import { KEY } from '../core/keys';
import { Tx } from '../core/transaction-view';
import { ALL_MSPS, evaluate, submit } from '../core/submit-evaluate';
import { abandonSession } from './abandon';
import { authorizeIdToken } from './authorize';
import { closeSession } from './close';
import { closeSessions, MAX_SETTLEMENTS_PER_TRANSACTION } from './close-batch';
import { transientRecords } from './evidence';
import { openSession } from './open';
import { recordProgress } from './progress';
import { loadSession, viewOf } from './records';

const MAX_AMOUNT = 100_000_000_00;
const MAX_REGISTER_WH = Number.MAX_SAFE_INTEGER;

@Info({ title: 'Session', description: 'Charging sessions: hold, frozen tariff, settlement from signed meter data' })
export class SessionContract extends Contract {
  constructor() {
    super('Session');
  }

  @Transaction()
  @Returns('string')
  async openSession(ctx: Context, request: string): Promise<string> {
    const operatorId = requireOperator(ctx);
    return submit(ctx, request, {
      name: 'Session:openSession',
      callers: ['OperatorsMSP'],
      members: ['sessionId', 'stationId', 'evseId', 'connectorId', 'driverAccountId', 'tokenRef', 'maxHold', 'startedAtMs'],
      read: (f) => ({
        sessionId: f.id('sessionId'),
        stationId: f.id('stationId'),
        evseId: f.id('evseId'),
        connectorId: f.id('connectorId'),
        driverAccountId: f.id('driverAccountId'),
        tokenRef: f.id('tokenRef'),
        maxHold: f.optionalInt('maxHold', 1, MAX_AMOUNT),
        startedAtMs: f.optionalInt('startedAtMs', 0),
      }),
      run: (tx, req) => openSession(tx, operatorId, req),
    });
  }

  @Transaction()
  @Returns('string')
  async recordProgress(ctx: Context, request: string): Promise<string> {
    const operatorId = requireOperator(ctx);
    return submit(ctx, request, {
      name: 'Session:recordProgress',
      callers: ['OperatorsMSP'],
      members: ['sessionId', 'energyWh'],
      read: (f) => ({ sessionId: f.id('sessionId'), energyWh: f.int('energyWh', 0, MAX_REGISTER_WH) }),
      run: (tx, req) => recordProgress(tx, operatorId, req),
    });
  }

  @Transaction()
  @Returns('string')
  async closeSession(ctx: Context, request: string): Promise<string> {
    const operatorId = requireOperator(ctx);
    // Exactly once by its event id, kept on the session it settles rather than in an event-id record (ADR 0022).
    const fields = Fields.parse(request, ['eventId', 'sessionId', 'evidence']);
    const tx = new Tx(ctx, fields.id('eventId'));
    const req = { eventId: tx.eventId, sessionId: fields.id('sessionId'), evidence: readEvidence(fields) };
    // A settlement refused for good is recorded, not thrown (ADR 0025): the answer is then the refusal.
    const { result, replayed } = await closeSession(tx, operatorId, req, { ocmfRecords: () => transientRecords(tx), entry: 0 });
    if (!replayed) tx.flushEvent();
    return canonicalJson(result);
  }

  /** Several settlements in one transaction, each exactly once by its own event id (ADR 0022). */
  @Transaction()
  @Returns('string')
  async closeSessions(ctx: Context, request: string): Promise<string> {
    const operatorId = requireOperator(ctx);
    const fields = Fields.parse(request, ['settlements']);
    const settlements = fields.array('settlements', 1, MAX_SETTLEMENTS_PER_TRANSACTION, (element, path) => {
      const item = new Fields(element, path, ['eventId', 'sessionId', 'evidence']);
      return { eventId: item.id('eventId'), sessionId: item.id('sessionId'), evidence: readEvidence(item) };
    });
    return canonicalJson(await closeSessions(ctx, operatorId, settlements));
  }

  @Transaction()
  @Returns('string')
  async abandonSession(ctx: Context, request: string): Promise<string> {
    const { mspId } = requireMsp(ctx, ['OperatorsMSP', 'WalletsMSP']);
    const caller = mspId === 'OperatorsMSP' ? { mspId: 'OperatorsMSP' as const, operatorId: requireOperator(ctx) } : { mspId: 'WalletsMSP' as const };
    return submit(ctx, request, {
      name: 'Session:abandonSession',
      callers: ['OperatorsMSP', 'WalletsMSP'],
      members: ['sessionId'],
      read: (f) => ({ sessionId: f.id('sessionId') }),
      run: (tx, req) => abandonSession(tx, caller, req),
    });
  }

  /** Evaluate on a WalletsMSP peer: the token's owner is known only there. */
  @Transaction(false)
  @Returns('string')
  async authorizeIdToken(ctx: Context, request: string): Promise<string> {
    const operatorId = requireOperator(ctx);
    return evaluate(ctx, request, {
      name: 'Session:authorizeIdToken',
      callers: ['OperatorsMSP'],
      members: ['stationId'],
      read: (f) => ({ stationId: f.id('stationId') }),
      run: (tx, req) => authorizeIdToken(tx, operatorId, req),
    });
  }

  @Transaction(false)
  @Returns('string')
  async getSession(ctx: Context, request: string): Promise<string> {
    return evaluate(ctx, request, {
      name: 'Session:getSession',
      callers: ALL_MSPS,
      members: ['sessionId'],
      read: (f) => ({ sessionId: f.id('sessionId') }),
      run: async (tx, req) => viewOf(await loadSession(tx, req.sessionId), await tx.get<Receipt>(tx.key(KEY.receipt, req.sessionId))),
    });
  }

  @Transaction(false)
  @Returns('string')
  async getReceipt(ctx: Context, request: string): Promise<string> {
    return evaluate(ctx, request, {
      name: 'Session:getReceipt',
      callers: ALL_MSPS,
      members: ['sessionId'],
      read: (f) => ({ sessionId: f.id('sessionId') }),
      run: async (tx, req) => (await tx.get<Receipt>(tx.key(KEY.receipt, req.sessionId))) ?? refuse('NOT_FOUND', `session ${req.sessionId} has no receipt`),
    });
  }
}

function readEvidence(fields: Fields): SessionEvidence {
  const kind = fields.object('evidence', ['kind', 'startTimeMs', 'endTimeMs', 'startRegisterWh', 'endRegisterWh']).oneOf('kind', ['ocmf', 'unsigned'] as const);
  if (kind === 'ocmf') {
    fields.object('evidence', ['kind']);
    return { kind };
  }
  const evidence = fields.object('evidence', ['kind', 'startTimeMs', 'endTimeMs', 'startRegisterWh', 'endRegisterWh']);
  return {
    kind,
    startTimeMs: evidence.int('startTimeMs', 0),
    endTimeMs: evidence.int('endTimeMs', 0),
    startRegisterWh: evidence.int('startRegisterWh', 0, MAX_REGISTER_WH),
    endRegisterWh: evidence.int('endRegisterWh', 0, MAX_REGISTER_WH),
  };
}
