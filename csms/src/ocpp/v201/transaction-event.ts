import { endSession, recordReadings, startSession } from '../../domain/sessions';
import { sessionIdOf } from '../../domain/transactions';
import type { Handler, HandlerContext } from '../context';
import { readings201, type Reading } from '../meter-readings';
import type { ChargerRequests201, ChargerResponses201, IdTokenInfo } from './messages';

type Action = 'TransactionEvent';

/**
 * A 2.0.1 transaction may begin before the driver is identified (cable first). The session reaches the
 * ledger with the first event that names the id token; events before that are answered and kept nowhere,
 * because the charger resends its meter data at the end.
 */
export const transactionEvent: Handler<ChargerRequests201[Action], ChargerResponses201[Action]> = async (ctx, request) => {
  const idTokenInfo = request.idToken === undefined ? undefined : await tokenInfo(ctx, request.idToken.idToken);
  const sessionId = sessionIdOf(ctx.chargerId, request.transactionInfo.transactionId);
  const readings = readings201(request.meterValue ?? []);
  let state = await ctx.transactions.get(sessionId);

  if (state === undefined && request.idToken !== undefined && idTokenInfo?.status === 'Accepted') {
    state = await startSession(ctx, {
      transactionId: request.transactionInfo.transactionId,
      protocol: '2.0.1',
      evseId: request.evse?.id ?? 0,
      connectorId: request.evse?.connectorId ?? 1,
      idToken: request.idToken.idToken,
      startedAt: request.timestamp,
      meterStartWh: firstRegister(readings) ?? 0,
      evidence: readings.flatMap((reading) => reading.evidence),
    });
  }
  if (state === undefined) {
    ctx.log.info({ sessionId, eventType: request.eventType, seqNo: request.seqNo }, 'transaction event before the driver is identified');
    return idTokenInfo === undefined ? {} : { idTokenInfo };
  }
  if (request.eventType === 'Ended') {
    if (!state.ended) {
      await endSession(ctx, state, {
        endedAt: request.timestamp,
        meterStopWh: lastRegister(readings) ?? state.lastRegisterWh,
        reason: request.transactionInfo.stoppedReason ?? 'Local',
        ...(request.idToken === undefined ? {} : { idToken: request.idToken.idToken }),
        readings,
      });
    }
  } else if (request.eventType === 'Updated' && !state.ended) {
    await recordReadings(ctx, state, readings);
  }
  return idTokenInfo === undefined ? {} : { idTokenInfo };
};

async function tokenInfo(ctx: HandlerContext, idToken: string): Promise<IdTokenInfo> {
  const status = await ctx.tokens.status(idToken);
  return { status: status === 'Invalid' ? 'Unknown' : status };
}

function firstRegister(readings: readonly Reading[]): number | undefined {
  return readings.find((reading) => reading.registerWh !== undefined)?.registerWh;
}

function lastRegister(readings: readonly Reading[]): number | undefined {
  return [...readings].reverse().find((reading) => reading.registerWh !== undefined)?.registerWh;
}

