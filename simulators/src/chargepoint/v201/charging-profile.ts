import type { ChargingLimitProfile, ProfilePurpose } from '../core/charging-profiles';
import type { ChargingProfileType } from './actions';

const PURPOSE: Partial<Record<ChargingProfileType['chargingProfilePurpose'], ProfilePurpose>> = {
  ChargingStationMaxProfile: 'StationMax',
  TxDefaultProfile: 'TxDefault',
  TxProfile: 'Tx',
};

/** A 2.0.1 chargingProfile as the protocol-free profile; undefined for what a CSMS may not install (external constraints). */
export function fromV201Profile(profile: ChargingProfileType, evseId: number): ChargingLimitProfile | undefined {
  const purpose = PURPOSE[profile.chargingProfilePurpose];
  const schedule = profile.chargingSchedule[0];
  if (purpose === undefined || schedule === undefined) return undefined;
  const optionalTime = (text: string | undefined): number | undefined => (text === undefined ? undefined : Date.parse(text));
  const fields = {
    recurrency: profile.recurrencyKind,
    startScheduleMs: optionalTime(schedule.startSchedule),
    durationS: schedule.duration,
    validFromMs: optionalTime(profile.validFrom),
    validToMs: optionalTime(profile.validTo),
    transactionId: profile.transactionId,
  };
  return {
    id: profile.id,
    stackLevel: profile.stackLevel,
    purpose,
    evseId,
    kind: profile.chargingProfileKind,
    unit: schedule.chargingRateUnit,
    periods: [...schedule.chargingSchedulePeriod]
      .sort((a, b) => a.startPeriod - b.startPeriod)
      .map((p) => ({ startS: p.startPeriod, limit: p.limit, ...(p.numberPhases === undefined ? {} : { phases: p.numberPhases }) })),
    ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)),
  };
}
