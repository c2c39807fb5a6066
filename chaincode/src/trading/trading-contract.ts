import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { TRANSIENT_KEYS } from '../api';
import { requireOperator, requireParty, requireProsumer } from '../core/access';
import { ALL_MSPS, evaluate, submit } from '../core/submit-evaluate';
import { KEY } from '../core/keys';
import { acceptOffer, expireOffer, postOffer, settleDelivery } from './trading';
import { loadOffer, publicOffer, tradesOf, type OfferRecord } from './offers';
import { TRADING_REQUESTS } from './requests';


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
      request: TRADING_REQUESTS['Trading:postOffer'],
      run: (tx, req) => postOffer(tx, prosumerId, req),
    });
  }

  @Transaction()
  @Returns('string')
  async acceptOffer(ctx: Context, request: string): Promise<string> {
    const operatorId = await requireOperator(ctx);
    return submit(ctx, request, {
      name: 'Trading:acceptOffer',
      callers: ['OperatorsMSP'],
      request: TRADING_REQUESTS['Trading:acceptOffer'],
      run: (tx, req) => acceptOffer(tx, operatorId, req),
    });
  }

  /** Export meter records travel in the transient map under `ocmfRecords` (TRANSIENT_KEYS.ocmfRecords). */
  @Transaction()
  @Returns('string')
  async settleDelivery(ctx: Context, request: string): Promise<string> {
    const party = await requireParty(ctx);
    return submit(ctx, request, {
      name: 'Trading:settleDelivery',
      callers: ['OperatorsMSP', 'ProsumersMSP'],
      request: TRADING_REQUESTS['Trading:settleDelivery'],
      run: (tx, req) => settleDelivery(tx, party, req, tx.transient(TRANSIENT_KEYS.ocmfRecords) !== undefined),
    });
  }

  @Transaction()
  @Returns('string')
  async expireOffer(ctx: Context, request: string): Promise<string> {
    const party = await requireParty(ctx);
    return submit(ctx, request, {
      name: 'Trading:expireOffer',
      callers: ['OperatorsMSP', 'ProsumersMSP'],
      request: TRADING_REQUESTS['Trading:expireOffer'],
      run: (tx, req) => expireOffer(tx, party, req),
    });
  }

  @Transaction(false)
  @Returns('string')
  async getOffer(ctx: Context, request: string): Promise<string> {
    return evaluate(ctx, request, {
      name: 'Trading:getOffer',
      callers: ALL_MSPS,
      request: TRADING_REQUESTS['Trading:getOffer'],
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
      request: TRADING_REQUESTS['Trading:listOpenOffers'],
      run: async (tx) => {
        const offers = (await tx.list<OfferRecord>(KEY.offer)).map((listed) => listed.value);
        return { offers: offers.filter((offer) => offer.status === 'open' && offer.acceptUntilMs > tx.nowMs).map(publicOffer) };
      },
    });
  }
}
