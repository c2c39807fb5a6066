import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { requireOperator } from '../core/access';
import { refuse } from '../core/errors';
import { KEY, padSeq } from '../core/keys';
import { ALL_MSPS, evaluate, submit } from '../core/submit-evaluate';
import type { Tariff } from '../pricing';
import { TARIFF_REQUESTS } from './requests';
import { latestTariff, tariffVersion, type StoredTariff } from './tariffs';

@Info({ title: 'Tariff', description: 'Versioned OCPI-style tariffs, owned by one operator each' })
export class TariffContract extends Contract {
  constructor() {
    super('Tariff');
  }

  @Transaction()
  @Returns('string')
  async publishTariff(ctx: Context, request: string): Promise<string> {
    const operatorId = requireOperator(ctx);
    return submit(ctx, request, {
      name: 'Tariff:publishTariff',
      callers: ['OperatorsMSP'],
      request: TARIFF_REQUESTS['Tariff:publishTariff'],
      run: async (tx, req) => {
        const tariff = req.tariff as Tariff;
        const latest = await latestTariff(tx, tariff.id);
        if (latest !== undefined && latest.operatorId !== operatorId) refuse('ACCESS_DENIED', `tariff ${tariff.id} belongs to another operator`);
        const expected = (latest?.version ?? 0) + 1;
        // Versions are never edited: a session freezes the version in force, and receipts name it.
        if (tariff.version !== expected) refuse('INVALID_STATE', `tariff ${tariff.id} must be published as version ${expected}`);
        const record: StoredTariff = {
          tariffId: tariff.id,
          version: tariff.version,
          operatorId,
          currency: tariff.currency,
          tariff,
          publishedAtMs: tx.nowMs,
          txId: tx.txId,
        };
        await tx.put(tx.key(KEY.tariff, tariff.id, padSeq(tariff.version)), record);
        tx.emit('TariffPublished', { tariffId: tariff.id, version: tariff.version });
        return record;
      },
    });
  }

  @Transaction(false)
  @Returns('string')
  async getTariff(ctx: Context, request: string): Promise<string> {
    return evaluate(ctx, request, {
      name: 'Tariff:getTariff',
      callers: ALL_MSPS,
      request: TARIFF_REQUESTS['Tariff:getTariff'],
      run: async (tx, req) => {
        const found = req.version === undefined ? await latestTariff(tx, req.tariffId) : await tariffVersion(tx, req.tariffId, req.version);
        return found ?? refuse('NOT_FOUND', `tariff ${req.tariffId} does not exist`);
      },
    });
  }
}
