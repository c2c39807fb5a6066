import type { Connector, ConnectorType, Evse, StationPolicy } from '../api';
import { refuse } from '../core/errors';
import { Fields } from '../core/fields';

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

export function readEvses(fields: Fields, key: string): Evse[] {
  const evses = fields.array(key, 1, 64, (element, path) => {
    const evse = new Fields(element, path, ['evseId', 'connectors']);
    const connectors = evse.array('connectors', 1, 8, (item, itemPath): Connector => {
      const connector = new Fields(item, itemPath, ['connectorId', 'type', 'maxPowerW']);
      return { connectorId: connector.id('connectorId'), type: connector.oneOf('type', CONNECTOR_TYPES), maxPowerW: connector.int('maxPowerW', 1, MAX_POWER_W) };
    });
    unique(connectors.map((c) => c.connectorId), `${path}.connectors`);
    return { evseId: evse.id('evseId'), connectors };
  });
  unique(evses.map((e) => e.evseId), key);
  return evses;
}

export function readPolicy(fields: Fields, key: string): StationPolicy {
  if (fields.object(key, ['acceptUnsignedMeterData', 'minimumHold']).has('acceptUnsignedMeterData')) {
    refuse('ACCESS_DENIED', 'the Authority decides whether a station may settle from unsigned meter data (Registry:allowUnsignedMeterData)');
  }
  return { minimumHold: fields.object(key, ['minimumHold']).int('minimumHold', 1, 1_000_000) };
}

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
