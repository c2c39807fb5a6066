import type { AuthorizeQuery } from '@chargeledger/ledger-queue';
import type { RequestOf, ResultOf, TransactionName } from '@chargeledger/chaincode/api';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { type CallOptions, type ChargingLedger, LedgerRefusal, LedgerUnavailable } from '@chargeledger/ledger-client';
import { LedgerQueryServer } from './query-server';

/** How the server turns one question into one evaluation and its reply; the Redis loop is tested in test/ledger/authorize.test.ts. */
class AnsweringLedger implements ChargingLedger {
  readonly calls: { name: string; request: unknown; options: CallOptions | undefined }[] = [];
  constructor(private readonly outcome: () => unknown) {}

  async submit<T extends TransactionName>(): Promise<ResultOf<T>> {
    throw new Error('a question is never submitted');
  }

  async evaluate<T extends TransactionName>(name: T, request: RequestOf<T>, options?: CallOptions): Promise<ResultOf<T>> {
    this.calls.push({ name, request, options });
    return this.outcome() as ResultOf<T>;
  }
}

const NOW = 1_800_000_000_000;
const question: AuthorizeQuery = { kind: 'authorize', queryId: 'q-1', chargerId: 'CP-1', idToken: 'RFID-1', replyTo: 'replies', deadlineMs: NOW + 2000 };
const serverOver = (ledger: ChargingLedger): LedgerQueryServer =>
  new LedgerQueryServer({ connection: {} as Redis, queriesKey: 'queries', ledger, concurrency: 1, log: pino({ level: 'silent' }) });

describe('LedgerQueryServer.answer', () => {
  it('evaluates Session:authorizeIdToken on a Wallets peer with the token in the transient map only, and tells an accepted token the station tariff', async () => {
    const answers: Record<string, unknown> = {
      'Session:authorizeIdToken': { stationId: 'CP-1', status: 'accepted', holdAmount: 2000, minimumHold: 500, currency: 'EUR' },
      'Registry:getStation': { stationId: 'CP-1', tariffId: 'AC-1' },
      'Tariff:getTariff': { tariffId: 'AC-1', version: 3, currency: 'EUR', tariff: { id: 'AC-1', version: 3 } },
    };
    const ledger = new AnsweringLedger(() => undefined);
    const asked = new (class extends AnsweringLedger {
      override async evaluate<T extends TransactionName>(name: T, request: RequestOf<T>, options?: CallOptions): Promise<ResultOf<T>> {
        await super.evaluate(name, request, options);
        return answers[name] as ResultOf<T>;
      }
    })(() => undefined);
    expect(await serverOver(asked).answer(question, NOW)).toEqual({
      queryId: 'q-1',
      ok: true,
      verdict: { status: 'accepted', holdAmount: 2000, minimumHold: 500, currency: 'EUR', tariff: { tariffId: 'AC-1', version: 3, currency: 'EUR', priced: { id: 'AC-1', version: 3 } } },
    });
    expect(asked.calls[0]).toEqual({ name: 'Session:authorizeIdToken', request: { stationId: 'CP-1' }, options: { transient: { idToken: 'RFID-1' }, endorsingOrganizations: ['WalletsMSP'] } });
    expect(asked.calls.slice(1).map((call) => call.options?.transient)).toEqual([undefined, undefined]);
    expect(ledger.calls).toEqual([]);
  });

  it('tells a refused token no tariff', async () => {
    const ledger = new AnsweringLedger(() => ({ stationId: 'CP-1', status: 'insufficient-funds', holdAmount: 0, minimumHold: 500, currency: 'EUR' }));
    expect(await serverOver(ledger).answer(question, NOW)).toEqual({ queryId: 'q-1', ok: true, verdict: { status: 'insufficient-funds', holdAmount: 0, minimumHold: 500, currency: 'EUR' } });
    expect(ledger.calls.map((call) => call.name)).toEqual(['Session:authorizeIdToken']);
  });

  it('drops a question past its deadline without asking the ledger', async () => {
    const ledger = new AnsweringLedger(() => ({}));
    expect(await serverOver(ledger).answer(question, question.deadlineMs + 1)).toBeUndefined();
    expect(ledger.calls).toEqual([]);
  });

  it('tells a refusal from an outage', async () => {
    const refused = new AnsweringLedger(() => {
      throw new LedgerRefusal({ code: 'NOT_FOUND', reason: 'station CP-1 not found' });
    });
    expect(await serverOver(refused).answer(question, NOW)).toEqual({ queryId: 'q-1', ok: false, failure: 'refused', code: 'NOT_FOUND', message: 'station CP-1 not found' });
    const away = new AnsweringLedger(() => {
      throw new LedgerUnavailable({ stage: 'evaluate', code: 14, cause: new Error('peer down') });
    });
    expect(await serverOver(away).answer(question, NOW)).toMatchObject({ queryId: 'q-1', ok: false, failure: 'unavailable', code: 'LedgerUnavailable' });
  });
});
