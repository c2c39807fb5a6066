import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { TRANSIENT_KEYS } from '../api';
import { requireOperator, requireParty, requireProsumer } from '../core/access';
import { ALL_MSPS, evaluate, submit } from '../core/submit-evaluate';
import { KEY } from '../core/keys';
import { acceptOffer, expireOffer, postOffer, settleDelivery } from './trading';
import { loadOffer, publicOffer, tradesOf, type OfferRecord } from './offers';

const MAX_WH = 100_000_000;

@Info({ title: 'Trading', description: 'Prosumer energy offers, operator escrow, settlement from export meter data' })
export class TradingContract extends Contract {
  constructor() {
    super('Trading');
  }

  @Transaction()
  @Returns('string')
  async postOffer(ctx: Context, request: string): Promise<string> {
    const prosumerId = requireProsumer(ctx);
    return submit(ctx, request, {
      name: 'Trading:postOffer',
      callers: ['ProsumersMSP'],
      members: ['offerId', 'prosumerAccountId', 'exportPointId', 'energyWh', 'priceMicroPerKWh', 'currency', 'windowStartMs', 'windowEndMs', 'acceptUntilMs'],
      read: (f) => ({
        offerId: f.id('offerId'),
        prosumerAccountId: f.id('prosumerAccountId'),
        exportPointId: f.id('exportPointId'),
        energyWh: f.int('energyWh', 1, MAX_WH),
        priceMicroPerKWh: f.int('priceMicroPerKWh', 1, 100_000_000),
        currency: f.currency('currency'),
        windowStartMs: f.int('windowStartMs', 0),
        windowEndMs: f.int('windowEndMs', 0),
        acceptUntilMs: f.int('acceptUntilMs', 0),
      }),
      run: (tx, req) => postOffer(tx, prosumerId, req),
    });
  }

  @Transaction()
  @Returns('string')
  async acceptOffer(ctx: Context, request: string): Promise<string> {
    const operatorId = requireOperator(ctx);
    return submit(ctx, request, {
      name: 'Trading:acceptOffer',
      callers: ['OperatorsMSP'],
      members: ['offerId', 'operatorAccountId', 'energyWh'],
      read: (f) => ({ offerId: f.id('offerId'), operatorAccountId: f.id('operatorAccountId'), energyWh: f.int('energyWh', 1, MAX_WH) }),
      run: (tx, req) => acceptOffer(tx, operatorId, req),
    });
  }

  /** Export meter records travel in the transient map under `ocmfRecords` (TRANSIENT_KEYS.ocmfRecords). */
  @Transaction()
  @Returns('string')
  async settleDelivery(ctx: Context, request: string): Promise<string> {
    const party = requireParty(ctx);
    return submit(ctx, request, {
      name: 'Trading:settleDelivery',
      callers: ['OperatorsMSP', 'ProsumersMSP'],
      members: ['offerId'],
      read: (f) => ({ offerId: f.id('offerId') }),
      run: (tx, req) => settleDelivery(tx, party, req, tx.transient(TRANSIENT_KEYS.ocmfRecords) !== undefined),
    });
  }

  @Transaction()
  @Returns('string')
  async expireOffer(ctx: Context, request: string): Promise<string> {
    const party = requireParty(ctx);
    return submit(ctx, request, {
      name: 'Trading:expireOffer',
      callers: ['OperatorsMSP', 'ProsumersMSP'],
      members: ['offerId'],
      read: (f) => ({ offerId: f.id('offerId') }),
      run: (tx, req) => expireOffer(tx, party, req),
    });
  }

  @Transaction(false)
  @Returns('string')
  async getOffer(ctx: Context, request: string): Promise<string> {
    return evaluate(ctx, request, {
      name: 'Trading:getOffer',
      callers: ALL_MSPS,
      members: ['offerId'],
      read: (f) => ({ offerId: f.id('offerId') }),
      run: async (tx, req) => ({ ...publicOffer(await loadOffer(tx, req.offerId)), trades: await tradesOf(tx, req.offerId) }),
    });
  }

  /** Offers still open for acceptance at the proposal's timestamp. */
  @Transaction(false)
  @Returns('string')
  async listOpenOffers(ctx: Context, request: string): Promise<string> {
    return evaluate(ctx, request, {
      name: 'Trading:listOpenOffers',
      callers: ALL_MSPS,
      members: [],
      read: () => ({}),
      run: async (tx) => {
        const offers = (await tx.list<OfferRecord>(KEY.offer)).map((listed) => listed.value);
        return { offers: offers.filter((offer) => offer.status === 'open' && offer.acceptUntilMs > tx.nowMs).map(publicOffer) };
      },
    });
  }
}
