import { idempotent, member, request } from '../core/request-shape';
import type { RequestShapes } from '../core/request-shapes';

const MAX_WH = 100_000_000;
const { id, int } = member;

/** What each Trading transaction accepts: read by the contract, published by GetMetadata. */
export const TRADING_REQUESTS = {
  'Trading:postOffer': idempotent({
    offerId: id(),
    prosumerAccountId: id(),
    exportPointId: id(),
    energyWh: int(1, MAX_WH),
    priceMicroPerKWh: int(1, 100_000_000),
    currency: member.currency(),
    windowStartMs: int(0),
    windowEndMs: int(0),
    acceptUntilMs: int(0),
  }),
  'Trading:acceptOffer': idempotent({ offerId: id(), operatorAccountId: id(), energyWh: int(1, MAX_WH) }),
  'Trading:settleDelivery': idempotent({ offerId: id() }),
  'Trading:expireOffer': idempotent({ offerId: id() }),
  'Trading:getOffer': request({ offerId: id() }),
  'Trading:listOpenOffers': request({}),
} as const satisfies Partial<RequestShapes>;
