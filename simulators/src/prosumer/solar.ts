/**
 * A deterministic clear-sky model of a rooftop PV system: the sun's position from date, time and place
 * (Cooper's declination, the equation of time), global horizontal irradiance under a cloudless sky
 * (Haurwitz), and the modules' output as kWp × irradiance / 1000 W/m² × performance ratio. Modules are taken
 * as lying flat, so winter days come out on the low side; no weather, no randomness.
 */

const DEG = Math.PI / 180;
const DAY_MS = 86_400_000;

export interface PvSystem {
  /** Peak power under standard test conditions (1000 W/m²), in kWp. */
  readonly capacityKwp: number;
  /** Degrees north (negative south). */
  readonly latitudeDeg: number;
  /** Degrees east (negative west): places the solar noon in UTC. */
  readonly longitudeDeg: number;
  /** What reaches the meter of what the modules rate: inverter, wiring, temperature and soiling losses (0.75–0.9). */
  readonly performanceRatio: number;
}

export function validatePvSystem(pv: PvSystem): void {
  const problems = [
    pv.capacityKwp > 0 && Number.isFinite(pv.capacityKwp) ? undefined : 'capacityKwp must be positive',
    Math.abs(pv.latitudeDeg) <= 90 ? undefined : 'latitudeDeg must be within -90..90',
    Math.abs(pv.longitudeDeg) <= 180 ? undefined : 'longitudeDeg must be within -180..180',
    pv.performanceRatio > 0 && pv.performanceRatio <= 1 ? undefined : 'performanceRatio must be within 0..1',
  ].filter((p): p is string => p !== undefined);
  if (problems.length > 0) throw new RangeError(`invalid PV system: ${problems.join('; ')}`);
}

/** 1 on January 1st (UTC). */
function dayOfYear(atMs: number): number {
  const date = new Date(atMs);
  return Math.floor((atMs - Date.UTC(date.getUTCFullYear(), 0, 1)) / DAY_MS) + 1;
}

/** Minutes the true solar time runs ahead of the mean solar time on that day. */
export function equationOfTimeMinutes(day: number): number {
  const b = ((360 / 364) * (day - 81)) * DEG;
  return 9.87 * Math.sin(2 * b) - 7.53 * Math.cos(b) - 1.5 * Math.sin(b);
}

/** When the sun stands highest at a longitude on the UTC day of `atMs`, in epoch milliseconds. */
export function solarNoonMs(atMs: number, longitudeDeg: number): number {
  const midnight = Math.floor(atMs / DAY_MS) * DAY_MS;
  const minutes = 720 - 4 * longitudeDeg - equationOfTimeMinutes(dayOfYear(atMs));
  return midnight + Math.round(minutes * 60_000);
}

/** Cosine of the sun's zenith angle; ≤ 0 while the sun is below the horizon. */
export function cosSolarZenith(atMs: number, latitudeDeg: number, longitudeDeg: number): number {
  const day = dayOfYear(atMs);
  const declination = 23.45 * DEG * Math.sin((360 / 365) * (284 + day) * DEG);
  const solarHours = ((atMs % DAY_MS) + DAY_MS) % DAY_MS / 3_600_000 + longitudeDeg / 15 + equationOfTimeMinutes(day) / 60;
  const hourAngle = 15 * (solarHours - 12) * DEG;
  const latitude = latitudeDeg * DEG;
  return Math.sin(latitude) * Math.sin(declination) + Math.cos(latitude) * Math.cos(declination) * Math.cos(hourAngle);
}

/** Haurwitz's clear-sky global horizontal irradiance, W/m². */
export function clearSkyIrradiance(cosZenith: number): number {
  return cosZenith <= 0 ? 0 : 1098 * cosZenith * Math.exp(-0.057 / cosZenith);
}

/** The AC power the system feeds at `atMs` under a clear sky, in W (≥ 0). */
export function clearSkyPowerW(pv: PvSystem, atMs: number): number {
  return pv.capacityKwp * clearSkyIrradiance(cosSolarZenith(atMs, pv.latitudeDeg, pv.longitudeDeg)) * pv.performanceRatio;
}
