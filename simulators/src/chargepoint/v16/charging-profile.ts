import type { ChargingLimitProfile, ProfilePurpose } from '../core/charging-profiles';
import type { V16ChargingProfile } from './actions';

const PURPOSE: Record<V16ChargingProfile['chargingProfilePurpose'], ProfilePurpose> = {
  ChargePointMaxProfile: 'StationMax',
  TxDefaultProfile: 'TxDefault',
  TxProfile: 'Tx',
};

/** A 1.6 csChargingProfiles on one EVSE (0: the charge point) as the protocol-free profile. */
export function fromV16Profile(profile: V16ChargingProfile, evseId: number, transactionId: string | undefined): ChargingLimitProfile {
  const schedule = profile.chargingSchedule;
  const optionalTime = (text: string | undefined): number | undefined => (text === undefined ? undefined : Date.parse(text));
  const fields = {
    recurrency: profile.recurrencyKind,
    startScheduleMs: optionalTime(schedule.startSchedule),
    durationS: schedule.duration,
    validFromMs: optionalTime(profile.validFrom),
    validToMs: optionalTime(profile.validTo),
    transactionId,
  };
  return {
    id: profile.chargingProfileId,
    stackLevel: profile.stackLevel,
    purpose: PURPOSE[profile.chargingProfilePurpose],
    evseId,
    kind: profile.chargingProfileKind,
    unit: schedule.chargingRateUnit,
    periods: [...schedule.chargingSchedulePeriod]
      .sort((a, b) => a.startPeriod - b.startPeriod)
      .map((p) => ({ startS: p.startPeriod, limit: p.limit, ...(p.numberPhases === undefined ? {} : { phases: p.numberPhases }) })),
    ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)),
  };
}
