/**
 * A household's consumption through the day, after the shape of the German standard load profile H0 for a
 * weekday: low at night, a morning rise, a midday plateau and the evening peak. Deterministic.
 */

/** Relative demand at each full local hour 0–23; scaled below so that the mean is 1. */
const HOURLY_SHAPE = [0.55, 0.45, 0.4, 0.38, 0.38, 0.45, 0.7, 1.0, 1.05, 0.95, 0.9, 0.95, 1.1, 1.05, 0.9, 0.85, 0.95, 1.2, 1.55, 1.7, 1.6, 1.35, 1.05, 0.75] as const;
const SHAPE_MEAN = HOURLY_SHAPE.reduce((total, value) => total + value, 0) / HOURLY_SHAPE.length;
const HOURS_PER_YEAR = 8_760;

export interface HouseholdProfile {
  /** What the household consumes in a year, in kWh (a German household of four: about 4000). */
  readonly annualKwh: number;
  /** The household's local time: UTC + this, e.g. 60 for CET. */
  readonly utcOffsetMinutes: number;
}

/** The household's demand at `atMs` in W, interpolated linearly between full hours. */
export function householdLoadW(profile: HouseholdProfile, atMs: number): number {
  const localHours = (((atMs / 3_600_000 + profile.utcOffsetMinutes / 60) % 24) + 24) % 24;
  const hour = Math.floor(localHours);
  const from = HOURLY_SHAPE[hour] ?? SHAPE_MEAN;
  const to = HOURLY_SHAPE[(hour + 1) % 24] ?? SHAPE_MEAN;
  const shape = from + (to - from) * (localHours - hour);
  return ((profile.annualKwh * 1000) / HOURS_PER_YEAR) * (shape / SHAPE_MEAN);
}
