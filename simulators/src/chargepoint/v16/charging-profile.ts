import { type ChargingLimitProfile, type ProfilePurpose, toLimitProfile } from '../core/charging-profiles';
import type { V16ChargingProfile } from './actions';

const PURPOSE: Record<V16ChargingProfile['chargingProfilePurpose'], ProfilePurpose> = {
  ChargePointMaxProfile: 'StationMax',
  TxDefaultProfile: 'TxDefault',
  TxProfile: 'Tx',
};

/** A 1.6 csChargingProfiles on one EVSE (0: the charge point) as the protocol-free profile. */
export function fromV16Profile(profile: V16ChargingProfile, evseId: number, transactionId: string | undefined): ChargingLimitProfile {
  return toLimitProfile({
    ...profile,
    id: profile.chargingProfileId,
    purpose: PURPOSE[profile.chargingProfilePurpose],
    evseId,
    transactionId,
    kind: profile.chargingProfileKind,
    schedule: profile.chargingSchedule,
  });
}
