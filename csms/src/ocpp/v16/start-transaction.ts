import { toStatus16 } from '../../domain/authorization';
import { locateConnector16 } from '../../domain/connector-layout';
import { startSession } from '../../domain/sessions';
import { type Handler, sessionContext } from '../context';
import type { ChargerRequests16, ChargerResponses16 } from './messages';

type Action = 'StartTransaction';

/**
 * A card refused by the registry, or by the ledger's verdict an Authorize just cached, gets no session: the
 * charger is told the status and stops (StopTransactionOnInvalidId). The transaction id is allocated (or, for a retried message, found again) before the event is published,
 * and the charger gets it only after the event is stored.
 */
export const startTransaction: Handler<ChargerRequests16[Action], ChargerResponses16[Action], 'authorization' | 'chargerId' | 'chargers' | 'log' | 'policy' | 'priceDisplay' | 'publisher' | 'sessionFlagged' | 'sessions' | 'tokens'> = async (ctx, request) => {
  // The registry, and a refusal the ledger gave this card here moments ago (1.6 says Blocked for lack of funds).
  const status = toStatus16((await ctx.authorization.decideStart(ctx.chargerId, request.idTag, ctx.log)).status);
  const transactionId = await ctx.sessions.allocate16(ctx.chargerId, request.connectorId, request.timestamp);
  if (status !== 'Accepted') {
    ctx.log.warn({ ocppTransactionId: transactionId, status }, 'transaction started with a token that is not accepted; the charger is told to stop');
    return { transactionId, idTagInfo: { status } };
  }
  const { evseId, connectorId } = locateConnector16(request.connectorId, (await ctx.chargers.get(ctx.chargerId))?.evseLayout);
  await startSession(sessionContext(ctx), {
    ocppTransactionId: String(transactionId),
    protocol: '1.6',
    evseId,
    connectorId,
    idToken: request.idTag,
    startedAt: request.timestamp,
    meterStartWh: request.meterStart,
    evidence: [],
  });
  return { transactionId, idTagInfo: { status } };
};
