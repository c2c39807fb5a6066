import type { FastifyInstance } from 'fastify';
import type { NearResult, TariffRecord } from '@chargeledger/chaincode/api';
import { LedgerRefusal } from '@chargeledger/ledger-client';
import type { Role } from '../auth/sessions';
import { liveOf, type StationLive } from '../csms/csms-reader';
import type { RouteContext } from '../http/app';
import { bearer, closed } from '../http/schemas';

const degrees = { type: 'string', pattern: '^-?[0-9]{1,3}(\\.[0-9]{1,7})?$', description: 'decimal degrees, e.g. 52.520008' } as const;
const kilometres = { type: 'string', pattern: '^[0-9]{1,3}(\\.[0-9]{1,3})?$', description: 'kilometres; the ledger searches at most 25' } as const;

export interface StationNearby {
  readonly station: NearResult['stations'][number];
  /** The tariff in force for new sessions at the station, latest version; undefined without one. */
  readonly tariff?: TariffRecord;
  /** Live availability from the CSMS: whether the charger is connected and each connector's status. */
  readonly live: StationLive;
}

/**
 * The stations nearest a place, sorted by distance, each with its tariff and its live availability at the CSMS. Query values are the strings they
 * are on the wire (nothing is coerced); this route reads them as decimals in one spelling.
 */
export function registerStationFinder(app: FastifyInstance, context: RouteContext, roles: readonly Role[]): void {
  const ledger = context.ledger.ledger;
  app.get<{ Querystring: { lat: string; lon: string; radiusKm?: string } }>(
    '/api/stations/near',
    {
      onRequest: context.guard.allow(...roles),
      schema: { summary: 'Stations near a place, nearest first, with their tariffs and live availability from the CSMS', tags: ['stations'], security: bearer, querystring: closed({ lat: degrees, lon: degrees, radiusKm: kilometres }, ['lat', 'lon']) },
    },
    async (request, reply) => {
      const lat = Number(request.query.lat);
      const lon = Number(request.query.lon);
      if (Math.abs(lat) > 90 || Math.abs(lon) > 180) return reply.code(400).send({ error: 'BadRequest', message: 'lat must lie within ±90 and lon within ±180' });
      const radiusM = Math.round(Number(request.query.radiusKm ?? '25') * 1000);
      const [near, chargers] = await Promise.all([
        ledger.evaluate('Registry:findStationsNear', { latMicroDeg: Math.round(lat * 1e6), lonMicroDeg: Math.round(lon * 1e6), radiusM: Math.max(1, radiusM) }),
        context.csms.chargers(),
      ]);
      if (chargers.status === 'unreachable') request.log.warn({ reason: chargers.reason }, 'no live availability from the CSMS');
      const tariffs = new Map<string, Promise<TariffRecord | undefined>>();
      const tariffOf = (tariffId: string): Promise<TariffRecord | undefined> => {
        let tariff = tariffs.get(tariffId);
        if (tariff === undefined) {
          tariff = ledger.evaluate('Tariff:getTariff', { tariffId }).catch((error: unknown) => {
            if (error instanceof LedgerRefusal && error.code === 'NOT_FOUND') return undefined;
            throw error;
          });
          tariffs.set(tariffId, tariff);
        }
        return tariff;
      };
      const stations = [...near.stations].sort((a, b) => a.distanceM - b.distanceM);
      const nearby: StationNearby[] = await Promise.all(
        stations.map(async (station) => {
          const tariff = station.tariffId === undefined ? undefined : await tariffOf(station.tariffId);
          const live = liveOf(chargers, station.stationId);
          return tariff === undefined ? { station, live } : { station, tariff, live };
        }),
      );
      return { stations: nearby };
    },
  );
}
