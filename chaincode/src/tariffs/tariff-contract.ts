import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { peersOf, requireOperator } from '../core/access';
import { refuse } from '../core/errors';
import { KEY, padSeq } from '../core/keys';
import { ALL_MSPS, evaluate, submit } from '../core/submit-evaluate';
import { ocpiPricedTariff, type PricedTariff, type Tariff } from '../pricing';
import { refusedAsInvalid, TARIFF_REQUESTS } from './requests';
import { latestTariff, tariffVersion, type StoredTariff } from './tariffs';

@Info({ title: 'Tariff', description: 'Versioned OCPI-style tariffs, owned by one operator each' })
export class TariffContract extends Contract {
  constructor() {
    super('Tariff');
  }

  @Transaction()
  @Returns('string')
  async publishTariff(ctx: Context, request: string): Promise<string> {
    const operatorId = await requireOperator(ctx);
    return submit(ctx, request, {
      name: 'Tariff:publishTariff',
      callers: ['OperatorsMSP'],
      request: TARIFF_REQUESTS['Tariff:publishTariff'],
      run: async (tx, req) => {
        const checked = req.tariff as { readonly id: string; readonly currency: string };
        const tariffId = checked.id;
        const latest = await latestTariff(tx, tariffId);
        if (latest !== undefined && latest.operatorId !== operatorId) refuse('ACCESS_DENIED', `tariff ${tariffId} belongs to another operator`);
        const expected = (latest?.version ?? 0) + 1;
        // Versions are never edited: a session freezes the version in force, and receipts name it.
        const version = req.timeZone === undefined ? (req.tariff as Tariff).version : expected;
        if (version !== expected) refuse('INVALID_STATE', `tariff ${tariffId} must be published as version ${expected}`);
        const tariff: PricedTariff = req.timeZone === undefined ? (req.tariff as Tariff) : frozenOcpi(checked, req.timeZone, version, tx.nowMs);
        const record: StoredTariff = {
          tariffId,
          version,
          operatorId,
          currency: checked.currency,
          tariff,
          publishedAtMs: tx.nowMs,
          txId: tx.txId,
        };
        const key = tx.key(KEY.tariff, tariffId, padSeq(version));
        await tx.put(key, record);
        await tx.ctx.stub.setStateValidationParameter(key, peersOf(ctx.clientIdentity.getMSPID()));
        tx.emit('TariffPublished', { tariffId, version });
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

/** How long before the publication the zone's rules are frozen from: no session under this version starts earlier. */
const ZONE_MARGIN_MS = 86_400_000;

function frozenOcpi(tariff: unknown, timeZone: string, version: number, nowMs: number): PricedTariff {
  // The ledger's evidence is signed energy readings: no current, so a current restriction could never be decided.
  return refusedAsInvalid(() => ocpiPricedTariff({ tariff, timeZone, version, rulesFromMs: nowMs - ZONE_MARGIN_MS, currentMeasured: false }));
}
