import type { ConnectorType, StationPolicy } from '../api';
import { refuse } from '../core/errors';
import { member } from '../core/request-shape';

export const CONNECTOR_TYPES: readonly ConnectorType[] = [
  'IEC_62196_T1',
  'IEC_62196_T2',
  'IEC_62196_T2_COMBO',
  'IEC_62196_T1_COMBO',
  'CHADEMO',
  'DOMESTIC_F',
  'TESLA_S',
];
const MAX_POWER_W = 1_000_000;

/** A station's EVSEs and their connectors, each id once. */
export const EVSES = member.checked(
  member.arrayOf(1, 64, {
    evseId: member.id(),
    connectors: member.checked(
      member.arrayOf(1, 8, { connectorId: member.id(), type: member.oneOf(CONNECTOR_TYPES), maxPowerW: member.int(1, MAX_POWER_W) }),
      (connectors, path) => unique(connectors.map((c) => c.connectorId), path),
    ),
  }),
  (evses, path) => unique(evses.map((e) => e.evseId), path),
);

const POLICY = member.object({ minimumHold: member.int(1, 1_000_000) });

/** A station's policy; naming acceptUnsignedMeterData is refused, for that is the Authority's to grant. */
export const STATION_POLICY = member.custom(POLICY.schema, (fields, key): StationPolicy => {
  if (fields.object(key, ['acceptUnsignedMeterData', 'minimumHold']).has('acceptUnsignedMeterData')) {
    refuse('ACCESS_DENIED', 'the Authority decides whether a station may settle from unsigned meter data (Registry:allowUnsignedMeterData)');
  }
  return POLICY.read(fields, key);
});

function unique(ids: readonly string[], path: string): void {
  if (new Set(ids).size !== ids.length) refuse('BAD_REQUEST', `${path} has duplicate ids`);
}

/** Grid cells of 0.1° (100 000 micro-degrees) index stations for proximity queries. */
export const CELL_MICRO_DEG = 100_000;

export function cellOf(microDeg: number): string {
  return String(Math.floor(microDeg / CELL_MICRO_DEG));
}

const EARTH_RADIUS_M = 6_371_000;

/**
 * Great-circle distance in metres, rounded. Floating point is acceptable here because only queries (never
 * endorsed writes) use it.
 */
export function distanceM(latA: number, lonA: number, latB: number, lonB: number): number {
  const rad = (microDeg: number): number => (microDeg / 1_000_000) * (Math.PI / 180);
  const dLat = rad(latB - latA);
  const dLon = rad(lonB - lonA);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(latA)) * Math.cos(rad(latB)) * Math.sin(dLon / 2) ** 2;
  return Math.round(2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h))));
}

/** The cells a circle of `radiusM` around the point can touch. */
export function cellsAround(latMicroDeg: number, lonMicroDeg: number, radiusM: number): [string, string][] {
  const latSpan = Math.ceil((radiusM / 111_000) * 1_000_000);
  const cosLat = Math.max(0.01, Math.cos((latMicroDeg / 1_000_000) * (Math.PI / 180)));
  const lonSpan = Math.ceil(latSpan / cosLat);
  const cells: [string, string][] = [];
  for (let lat = Math.floor((latMicroDeg - latSpan) / CELL_MICRO_DEG); lat <= Math.floor((latMicroDeg + latSpan) / CELL_MICRO_DEG); lat++) {
    for (let lon = Math.floor((lonMicroDeg - lonSpan) / CELL_MICRO_DEG); lon <= Math.floor((lonMicroDeg + lonSpan) / CELL_MICRO_DEG); lon++) {
      cells.push([String(lat), String(lon)]);
    }
  }
  return cells;
}
