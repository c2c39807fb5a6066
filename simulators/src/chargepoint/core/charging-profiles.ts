/** Smart charging without the protocol: 1.6 csChargingProfiles and 2.0.1 chargingProfile both become this. */

export type ProfilePurpose = 'StationMax' | 'TxDefault' | 'Tx';

export interface SchedulePeriod {
  /** Seconds from the start of the schedule. */
  readonly startS: number;
  readonly limit: number;
  readonly phases?: number;
}

export interface ChargingLimitProfile {
  readonly id: number;
  readonly stackLevel: number;
  readonly purpose: ProfilePurpose;
  /** 0 addresses the whole station. */
  readonly evseId: number;
  /** Tx profiles only: the charge point's id of the transaction they limit. */
  readonly transactionId?: string;
  readonly kind: 'Absolute' | 'Recurring' | 'Relative';
  readonly recurrency?: 'Daily' | 'Weekly';
  readonly startScheduleMs?: number;
  readonly durationS?: number;
  readonly validFromMs?: number;
  readonly validToMs?: number;
  readonly unit: 'W' | 'A';
  /** Sorted by startS, the first at 0. */
  readonly periods: readonly SchedulePeriod[];
}

/** What both protocol versions' charging profiles say, in their own field names (times as ISO 8601 text). */
export interface WireProfile {
  readonly id: number;
  readonly stackLevel: number;
  readonly purpose: ProfilePurpose;
  readonly evseId: number;
  readonly transactionId: string | undefined;
  readonly kind: ChargingLimitProfile['kind'];
  readonly recurrencyKind?: 'Daily' | 'Weekly';
  readonly validFrom?: string;
  readonly validTo?: string;
  readonly schedule: {
    readonly chargingRateUnit: 'W' | 'A';
    readonly startSchedule?: string;
    readonly duration?: number;
    readonly chargingSchedulePeriod: readonly { readonly startPeriod: number; readonly limit: number; readonly numberPhases?: number }[];
  };
}

/** The protocol-free profile: times parsed, periods sorted, absent optional fields left out. */
export function toLimitProfile(wire: WireProfile): ChargingLimitProfile {
  const optionalTime = (text: string | undefined): number | undefined => (text === undefined ? undefined : Date.parse(text));
  const fields = {
    recurrency: wire.recurrencyKind,
    startScheduleMs: optionalTime(wire.schedule.startSchedule),
    durationS: wire.schedule.duration,
    validFromMs: optionalTime(wire.validFrom),
    validToMs: optionalTime(wire.validTo),
    transactionId: wire.transactionId,
  };
  return {
    id: wire.id,
    stackLevel: wire.stackLevel,
    purpose: wire.purpose,
    evseId: wire.evseId,
    kind: wire.kind,
    unit: wire.schedule.chargingRateUnit,
    periods: [...wire.schedule.chargingSchedulePeriod]
      .sort((a, b) => a.startPeriod - b.startPeriod)
      .map((p) => ({ startS: p.startPeriod, limit: p.limit, ...(p.numberPhases === undefined ? {} : { phases: p.numberPhases }) })),
    ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)),
  };
}

export interface ProfileCriteria {
  readonly id?: number;
  readonly evseId?: number;
  readonly purpose?: ProfilePurpose;
  readonly stackLevel?: number;
}

/** What turns an ampere limit into watts on one EVSE. */
export interface Electrical {
  readonly phases: number;
  readonly voltageV: number;
}

interface Installed {
  readonly profile: ChargingLimitProfile;
  readonly installedAtMs: number;
}

const RECURRENCE_MS = { Daily: 86_400_000, Weekly: 604_800_000 } as const;

function scheduleStartMs(entry: Installed, transactionStartMs: number | undefined, atMs: number): number | undefined {
  const { profile } = entry;
  const base = profile.startScheduleMs ?? entry.installedAtMs;
  switch (profile.kind) {
    case 'Absolute':
      return base;
    case 'Relative':
      return transactionStartMs;
    case 'Recurring': {
      const periodMs = RECURRENCE_MS[profile.recurrency ?? 'Daily'];
      return base + Math.floor((atMs - base) / periodMs) * periodMs;
    }
  }
}

/** The profile's limit in watts at `atMs`, or undefined when it does not apply then. */
export function profileLimitW(entry: Installed, electrical: Electrical, transactionStartMs: number | undefined, atMs: number): number | undefined {
  const { profile } = entry;
  if (profile.validFromMs !== undefined && atMs < profile.validFromMs) return undefined;
  if (profile.validToMs !== undefined && atMs >= profile.validToMs) return undefined;
  const startMs = scheduleStartMs(entry, transactionStartMs, atMs);
  if (startMs === undefined || atMs < startMs) return undefined;
  const elapsedS = (atMs - startMs) / 1000;
  if (profile.durationS !== undefined && elapsedS >= profile.durationS) return undefined;
  const period = profile.periods.filter((p) => p.startS <= elapsedS).at(-1);
  if (period === undefined) return undefined;
  const watts = profile.unit === 'W' ? period.limit : period.limit * (period.phases ?? electrical.phases) * electrical.voltageV;
  return Math.max(0, Math.floor(watts));
}

function matches(profile: ChargingLimitProfile, criteria: ProfileCriteria): boolean {
  return (
    (criteria.id === undefined || profile.id === criteria.id) &&
    (criteria.evseId === undefined || profile.evseId === criteria.evseId) &&
    (criteria.purpose === undefined || profile.purpose === criteria.purpose) &&
    (criteria.stackLevel === undefined || profile.stackLevel === criteria.stackLevel)
  );
}

/**
 * Installed profiles. Invariant: at most one profile per id and per (purpose, stack level, EVSE); installing
 * replaces, as both OCPP versions require.
 */
export class ChargingProfileStore {
  readonly #installed = new Map<number, Installed>();

  install(profile: ChargingLimitProfile, atMs: number): void {
    for (const [id, entry] of this.#installed) {
      const p = entry.profile;
      if (p.purpose === profile.purpose && p.stackLevel === profile.stackLevel && p.evseId === profile.evseId) this.#installed.delete(id);
    }
    this.#installed.set(profile.id, { profile, installedAtMs: atMs });
  }

  /** Removes the matching profiles and returns how many there were. */
  clear(criteria: ProfileCriteria): number {
    let removed = 0;
    for (const [id, entry] of this.#installed) {
      if (matches(entry.profile, criteria)) {
        this.#installed.delete(id);
        removed++;
      }
    }
    return removed;
  }

  /** Tx profiles die with their transaction. */
  clearTransaction(transactionId: string): void {
    for (const [id, entry] of this.#installed) if (entry.profile.transactionId === transactionId) this.#installed.delete(id);
  }

  list(): ChargingLimitProfile[] {
    return [...this.#installed.values()].map((e) => e.profile);
  }

  /**
   * The transaction limit of one EVSE: an active Tx profile of its transaction wins over TxDefault; within a
   * purpose the highest stack level wins, and at equal levels an EVSE's own profile beats the station-wide one.
   */
  evseLimitW(evseId: number, electrical: Electrical, transaction: { id: string; startedAtMs: number } | undefined, atMs: number): number | undefined {
    if (transaction === undefined) return undefined;
    const pick = (purpose: ProfilePurpose): number | undefined => {
      const candidates = [...this.#installed.values()]
        .filter(({ profile: p }) => p.purpose === purpose && (p.evseId === evseId || p.evseId === 0))
        .filter(({ profile: p }) => purpose !== 'Tx' || p.transactionId === undefined || p.transactionId === transaction.id)
        .map((entry) => ({ entry, limit: profileLimitW(entry, electrical, transaction.startedAtMs, atMs) }))
        .filter((c): c is { entry: Installed; limit: number } => c.limit !== undefined)
        .sort((a, b) => b.entry.profile.stackLevel - a.entry.profile.stackLevel || b.entry.profile.evseId - a.entry.profile.evseId);
      return candidates[0]?.limit;
    };
    return pick('Tx') ?? pick('TxDefault');
  }

  /** The station-wide maximum at `atMs`, undefined when none applies. */
  stationLimitW(electrical: Electrical, atMs: number): number | undefined {
    const limits = [...this.#installed.values()]
      .filter(({ profile: p }) => p.purpose === 'StationMax')
      .sort((a, b) => b.profile.stackLevel - a.profile.stackLevel)
      .map((entry) => profileLimitW(entry, electrical, undefined, atMs))
      .filter((l): l is number => l !== undefined);
    return limits[0];
  }
}
