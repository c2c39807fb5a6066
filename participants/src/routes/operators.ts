import type { FastifyInstance, FastifyRequest } from 'fastify';
import { registerOwnPayoutRoutes } from './own-payouts';
import type { Evse, StationPolicy, TariffRecord, Trade } from '@chargeledger/chaincode/api';
import { isOcpiPriced } from '@chargeledger/chaincode/pricing';
import type { ChargingLedger } from '@chargeledger/ledger-client';
import { type CsmsSession, liveOf, type StationLive } from '../csms/csms-reader';
import type { RouteContext } from '../http/app';
import { forbidUnless } from '../http/guard';
import { rememberedOnLedger } from '../ledger/remembered';
import { bearer, closed, ledgerId, positiveInteger } from '../http/schemas';
import { statementOf } from './wallets';
import { escrowAmount, leastAcceptableWh } from '../trading/escrow';
import { success } from '../http/responses';

const microDegrees = (limit: number) => ({ type: 'integer', minimum: -limit, maximum: limit }) as const;
const evses = {
  type: 'array',
  minItems: 1,
  maxItems: 64,
  items: closed(
    {
      evseId: ledgerId,
      connectors: {
        type: 'array',
        minItems: 1,
        maxItems: 8,
        items: closed(
          {
            connectorId: ledgerId,
            type: { type: 'string', enum: ['IEC_62196_T1', 'IEC_62196_T2', 'IEC_62196_T2_COMBO', 'IEC_62196_T1_COMBO', 'CHADEMO', 'DOMESTIC_F', 'TESLA_S'], description: 'the charger type' },
            maxPowerW: { ...positiveInteger, description: 'the charging power' },
          },
          ['connectorId', 'type', 'maxPowerW'],
        ),
      },
    },
    ['evseId', 'connectors'],
  ),
} as const;
const stationParams = closed({ stationId: ledgerId }, ['stationId']);
const minimumHold = { type: 'integer', minimum: 1, maximum: 1_000_000 } as const;

interface StationBody {
  stationId: string;
  payeeAccountId: string;
  latMicroDeg: number;
  lonMicroDeg: number;
  evses: Evse[];
  minimumHold: number;
  tariffId?: string;
}

/**
 * A tariff version as the operator reads it: an OCPI tariff (pricing rules 2) as the OCPI Tariff object it was
 * published as, with its time zone and the tz database release its zone's rules were frozen from; a tariff of
 * the first rules as the ledger stores it.
 */
export function tariffView(record: TariffRecord): Record<string, unknown> {
  const { tariff, ...rest } = record;
  if (!isOcpiPriced(tariff)) return { ...rest, pricingRules: 1, tariff };
  return { ...rest, pricingRules: 2, timeZone: tariff.timeZone, tzdb: tariff.zone.tzdb, tariff: tariff.ocpi };
}

/** The latest sessions of each charger the operator's view shows. */
const SESSIONS_SHOWN = 10;

/** One of the operator's chargers as the CSMS sees it now. */
export interface ChargerNow {
  readonly stationId: string;
  readonly live: StationLive;
  /** The charger's latest sessions at the CSMS, newest first (empty when the CSMS does not answer). */
  readonly sessions: readonly CsmsSession[];
}

/** Energy an operator bought from prosumers: its own trades of one offer. */
export interface Purchase {
  readonly offerId: string;
  readonly prosumerId: string;
  readonly priceMicroPerKWh: number;
  readonly currency: string;
  readonly windowStartMs: number;
  readonly windowEndMs: number;
  readonly trades: readonly Trade[];
}

/**
 * The operator's staff: stations (the station id is the charger's OCPP identity at the CSMS), tariff
 * versions, the operator's accounts and settlements, and energy bought from prosumers. Each member of staff
 * acts for the operator their user belongs to, with that operator's identity.
 */
export function registerOperatorRoutes(app: FastifyInstance, context: RouteContext): void {
  const { guard, store, ids } = context;
  const staff = guard.allow('operator-staff');
  const operatorOf = (request: FastifyRequest): string => guard.principal(request).party ?? '';
  const ledgerOf = (request: FastifyRequest): Promise<ChargingLedger> => context.ledger.forParty(operatorOf(request));
  registerOwnPayoutRoutes(app, context, 'operator-staff', ledgerOf);

  app.post<{ Body: StationBody }>(
    '/api/stations',
    {
      onRequest: staff,
      schema: {
        summary: 'Register a station: its location, charging terminals (EVSEs), charging power, charger types and tariff',
        tags: ['stations'],
        response: { 201: success('The station as registered') },
        security: bearer,
        body: closed(
          { stationId: { ...ledgerId, description: 'the charger’s OCPP identity at the CSMS' }, payeeAccountId: ledgerId, latMicroDeg: microDegrees(90_000_000), lonMicroDeg: microDegrees(180_000_000), evses, minimumHold, tariffId: ledgerId },
          ['stationId', 'payeeAccountId', 'latMicroDeg', 'lonMicroDeg', 'evses', 'minimumHold'],
        ),
      },
    },
    async (request, reply) => {
      const { minimumHold: hold, ...station } = request.body;
      const registered = await (await ledgerOf(request)).submit('Registry:registerStation', { eventId: ids(request)('evt'), ...station, policy: { minimumHold: hold } });
      await store.remember(`stations:${operatorOf(request)}`, registered.stationId);
      return reply.code(201).send(registered);
    },
  );

  app.get('/api/stations', { onRequest: staff, schema: { summary: 'The operator’s stations', tags: ['stations'], security: bearer } }, async (request) => {
    const ledger = await ledgerOf(request);
    const ids = store.list(`stations:${operatorOf(request)}`);
    return { stations: await rememberedOnLedger(ids, (stationId) => ledger.evaluate('Registry:getStation', { stationId })) };
  });

  app.get<{ Params: { stationId: string } }>(
    '/api/stations/:stationId',
    { onRequest: staff, schema: { summary: 'One of the operator’s stations', tags: ['stations'], security: bearer, params: stationParams } },
    async (request, reply) => {
      const station = await (await ledgerOf(request)).evaluate('Registry:getStation', request.params);
      if (!forbidUnless(station.operatorId === operatorOf(request), reply, `station ${station.stationId} is another operator’s`)) return reply;
      return station;
    },
  );

  app.patch<{ Params: { stationId: string }; Body: { evses?: Evse[]; minimumHold?: number; tariffId?: string; payeeAccountId?: string } }>(
    '/api/stations/:stationId',
    {
      onRequest: staff,
      schema: { summary: 'Change a station’s terminals, minimum hold, tariff or payee account', tags: ['stations'], security: bearer, params: stationParams, body: { ...closed({ evses, minimumHold, tariffId: ledgerId, payeeAccountId: ledgerId }, []), minProperties: 1 } },
    },
    async (request) => {
      const { minimumHold: hold, ...change } = request.body;
      const policy: StationPolicy | undefined = hold === undefined ? undefined : { minimumHold: hold };
      return (await ledgerOf(request)).submit('Registry:updateStation', { eventId: ids(request)('evt'), stationId: request.params.stationId, ...change, ...(policy === undefined ? {} : { policy }) });
    },
  );

  app.get(
    '/api/chargers',
    {
      onRequest: staff,
      config: { ledger: false },
      schema: { summary: 'The operator’s chargers live from the CSMS: connected or not, each connector’s status, and the latest sessions', tags: ['stations'], security: bearer },
    },
    async (request) => {
      const stationIds = store.list(`stations:${operatorOf(request)}`);
      const all = await context.csms.chargers();
      if (all.status === 'unreachable') request.log.warn({ reason: all.reason }, 'no live charger state from the CSMS');
      const chargers: ChargerNow[] = await Promise.all(
        stationIds.map(async (stationId) => {
          const live = liveOf(all, stationId);
          if (!live.known) return { stationId, live, sessions: [] };
          const sessions = await context.csms.sessions(stationId, SESSIONS_SHOWN);
          return { stationId, live, sessions: sessions.status === 'ok' ? sessions.value : [] };
        }),
      );
      return { chargers };
    },
  );

  app.get(
    '/api/ledger-queue',
    {
      onRequest: staff,
      config: { ledger: false },
      schema: { summary: 'How far the ledger bridge is behind the chargers: events waiting, the oldest one’s age, Redis memory, and whether new sessions are accepted', tags: ['stations'], security: bearer },
    },
    async (request) => {
      const answer = await context.csms.ledgerQueue();
      if (answer.status === 'ok') return { known: true, ...answer.value };
      if (answer.status === 'unreachable') request.log.warn({ reason: answer.reason }, 'no queue state from the CSMS');
      return { known: false, why: answer.status };
    },
  );

  app.post<{ Body: { tariff: Record<string, unknown>; timeZone?: string } }>(
    '/api/tariffs',
    {
      onRequest: staff,
      schema: {
        summary: 'Publish a tariff version: an OCPI 2.2.1 Tariff object with its location\'s IANA time zone (docs/tariffs.md)',
        description:
          'The body is `{ "tariff": <OCPI 2.2.1 Tariff object, unchanged>, "timeZone": "Europe/Berlin" }`. The ledger ' +
          'publishes it as the next version of its `id`, validates every field as OCPI defines it, and refuses (422, ' +
          'TARIFF_INVALID) what it cannot price deterministically, naming the field and the reason. The format, the ' +
          'pricing rules and worked examples: docs/tariffs.md. Without `timeZone`, `tariff` is a tariff of the first ' +
          'pricing rules (chaincode/src/pricing/README.md), which carries its own `version`.',
        tags: ['tariffs'],
        response: { 201: success('The tariff version as the ledger keeps it') },
        security: bearer,
        body: closed(
          {
            tariff: { type: 'object', required: ['id'], description: 'An OCPI 2.2.1 Tariff object (module Tariffs), as the specification writes it' },
            timeZone: { type: 'string', minLength: 1, maxLength: 64, description: 'The IANA time zone of the location (OCPI Location.time_zone), e.g. "Europe/Berlin"' },
          },
          ['tariff'],
        ),
      },
    },
    async (request, reply) => {
      const { tariff, timeZone } = request.body;
      const record = await (await ledgerOf(request)).submit('Tariff:publishTariff', { eventId: ids(request)('evt'), tariff, ...(timeZone === undefined ? {} : { timeZone }) });
      await store.remember(`tariffs:${operatorOf(request)}`, record.tariffId);
      return reply.code(201).send(tariffView(record));
    },
  );

  app.get('/api/tariffs', { onRequest: staff, schema: { summary: 'The latest version of each of the operator’s tariffs, OCPI tariffs as OCPI Tariff objects', tags: ['tariffs'], security: bearer } }, async (request) => {
    const ledger = await ledgerOf(request);
    const records = await rememberedOnLedger(store.list(`tariffs:${operatorOf(request)}`), (tariffId) => ledger.evaluate('Tariff:getTariff', { tariffId }));
    return { tariffs: records.map(tariffView) };
  });

  app.get<{ Params: { tariffId: string }; Querystring: { version?: number } }>(
    '/api/tariffs/:tariffId',
    {
      onRequest: staff,
      schema: {
        summary: 'One tariff, its latest version or the one named: an OCPI tariff as the OCPI Tariff object published, with its time zone',
        tags: ['tariffs'],
        security: bearer,
        params: closed({ tariffId: { type: 'string', pattern: '^[\\x21-\\x7e]{1,36}$' } }, ['tariffId']),
        querystring: closed({ version: positiveInteger }, []),
      },
    },
    async (request) => {
      const { tariffId } = request.params;
      const { version } = request.query;
      return tariffView(await (await ledgerOf(request)).evaluate('Tariff:getTariff', version === undefined ? { tariffId } : { tariffId, version }));
    },
  );

  app.get<{ Params: { accountId: string } }>(
    '/api/accounts/:accountId/settlements',
    {
      onRequest: staff,
      schema: { summary: 'The operator’s account with every settlement (session credits with their receipts, trade escrows and refunds)', tags: ['accounts'], security: bearer, params: closed({ accountId: ledgerId }, ['accountId']) },
    },
    async (request, reply) => {
      const ledger = await ledgerOf(request);
      const account = await ledger.evaluate('Wallet:getAccount', request.params);
      if (!forbidUnless(account.kind === 'operator' && account.ownerId === operatorOf(request), reply, `account ${account.accountId} is not the operator’s`)) return reply;
      return { account, entries: await statementOf(ledger, account.accountId) };
    },
  );

  app.get('/api/offers', { onRequest: staff, schema: { summary: 'Prosumers’ offers open for acceptance', tags: ['trading'], security: bearer } }, async (request) =>
    (await ledgerOf(request)).evaluate('Trading:listOpenOffers', {}),
  );

  app.post<{ Params: { offerId: string }; Body: { operatorAccountId: string; energyWh: number } }>(
    '/api/offers/:offerId/acceptances',
    {
      onRequest: staff,
      schema: {
        summary: 'Accept energy of an offer: its price is escrowed from the operator’s account until delivery is settled',
        tags: ['trading'],
        response: { 201: success('The trade, its price escrowed') },
        security: bearer,
        params: closed({ offerId: ledgerId }, ['offerId']),
        body: closed({ operatorAccountId: ledgerId, energyWh: positiveInteger }, ['operatorAccountId', 'energyWh']),
      },
    },
    async (request, reply) => {
      const offer = await (await ledgerOf(request)).evaluate('Trading:getOffer', { offerId: request.params.offerId });
      if (escrowAmount(request.body.energyWh, offer.priceMicroPerKWh, offer.currency) === 0) {
        const least = leastAcceptableWh(offer.priceMicroPerKWh, offer.currency);
        return reply.code(422).send({ error: 'AmountTooSmall', message: `${request.body.energyWh} Wh of this offer cost less than half a cent and move no money; accept at least ${least} Wh` });
      }
      const trade = await (await ledgerOf(request)).submit('Trading:acceptOffer', { eventId: ids(request)('evt'), offerId: request.params.offerId, ...request.body });
      await store.remember(`purchases:${operatorOf(request)}`, request.params.offerId);
      return reply.code(201).send(trade);
    },
  );

  app.get('/api/purchases', { onRequest: staff, schema: { summary: 'Energy bought from prosumers: the operator’s trades, escrowed or settled', tags: ['trading'], security: bearer } }, async (request) => {
    const ledger = await ledgerOf(request);
    const operatorId = operatorOf(request);
    const offers = await rememberedOnLedger(store.list(`purchases:${operatorId}`), (offerId) => ledger.evaluate('Trading:getOffer', { offerId }));
    const purchases: Purchase[] = offers.map((offer) => {
      const { offerId, prosumerId, priceMicroPerKWh, currency, windowStartMs, windowEndMs } = offer;
      return { offerId, prosumerId, priceMicroPerKWh, currency, windowStartMs, windowEndMs, trades: offer.trades.filter((trade) => trade.operatorId === operatorId) };
    });
    const deliveredWh = purchases.flatMap((purchase) => purchase.trades).reduce((total, trade) => total + (trade.deliveredWh ?? 0), 0);
    return { purchases, deliveredWh };
  });
}
