import { type ChargingLimitProfile, type ProfilePurpose, toLimitProfile } from '../core/charging-profiles';
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
  return toLimitProfile({ ...profile, purpose, evseId, transactionId: profile.transactionId, kind: profile.chargingProfileKind, schedule });
}
