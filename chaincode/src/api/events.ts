import type { SettlementRefusalCode, Verification } from './session';
import type { AccountKind } from './wallet';

interface EventBase {
  readonly eventId: string;
  readonly txId: string;
}

/** Chaincode event name → payload (UTF-8 JSON). Payloads never carry personal data. */
export interface ChaincodeEvents {
  AccountOpened: EventBase & { readonly accountId: string; readonly kind: AccountKind };
  AccountToppedUp: EventBase & { readonly accountId: string; readonly amount: number };
  PayoutRequested: EventBase & { readonly accountId: string; readonly payoutId: string; readonly amount: number };
  PayoutMade: EventBase & { readonly accountId: string; readonly payoutId: string; readonly amount: number; readonly destination: string };
  PayoutReturned: EventBase & { readonly accountId: string; readonly payoutId: string; readonly amount: number };
  PayoutDestinationConfirmed: EventBase & { readonly accountId: string; readonly destinationId: string };
  SessionLimitChanged: EventBase & { readonly accountId: string; readonly sessionLimit: number };
  TokenPepperSet: EventBase;
  DriverProfileStored: EventBase & { readonly accountId: string };
  IdTokenIndexed: EventBase & { readonly accountId: string; readonly tokenRef: string };
  IdTokenForgotten: EventBase & { readonly accountId: string; readonly tokenRef: string };
  IdTokenLinked: EventBase & { readonly accountId: string; readonly tokenRef: string };
  IdTokenUnlinked: EventBase & { readonly accountId: string; readonly tokenRef: string };
  OperatorAdmitted: EventBase & { readonly operatorId: string; readonly mspId: string };
  StationRegistered: EventBase & { readonly stationId: string; readonly operatorId: string };
  StationUpdated: EventBase & { readonly stationId: string };
  UnsignedMeterDataAllowed: EventBase & { readonly stationId: string; readonly validUntilMs: number; readonly maxEnergyWh: number; readonly maxPowerW: number };
  UnsignedMeterDataRevoked: EventBase & { readonly stationId: string };
  EvRegistered: EventBase & { readonly evId: string };
  MeterKeyRegistered: EventBase & { readonly meterSerial: string; readonly keyId: string; readonly rotated: boolean };
  MeterKeyRevoked: EventBase & { readonly meterSerial: string; readonly keyId: string };
  TariffPublished: EventBase & { readonly tariffId: string; readonly version: number };
  SessionOpened: EventBase & {
    readonly sessionId: string;
    readonly stationId: string;
    readonly evseId: string;
    readonly driverAccountId: string;
    readonly holdAmount: number;
    readonly tariffId: string;
    readonly tariffVersion: number;
  };
  HoldRefused: EventBase & {
    readonly sessionId: string;
    readonly stationId: string;
    readonly driverAccountId: string;
    readonly reason: 'insufficient-funds' | 'below-minimum-hold';
  };
  /**
   * Session:openSessions: every open the transaction applied, each with its own event id, and every hold it
   * refused (`holdRefused`, absent when none).
   */
  SessionsOpened: {
    readonly txId: string;
    readonly opened: readonly Omit<ChaincodeEvents['SessionOpened'], 'txId'>[];
    readonly holdRefused?: readonly Omit<ChaincodeEvents['HoldRefused'], 'txId'>[];
  };
  SessionProgress: EventBase & { readonly sessionId: string; readonly energyWh: number; readonly estimatedCost: number };
  HoldExhausted: EventBase & {
    readonly sessionId: string;
    readonly energyWh: number;
    readonly estimatedCost: number;
    readonly holdAmount: number;
  };
  SessionSettled: EventBase & {
    readonly sessionId: string;
    readonly stationId: string;
    readonly driverAccountId: string;
    readonly charged: number;
    readonly energyWh: number;
    readonly verification: Verification;
  };
  /** Session:closeSession that refused the settlement for good (ADR 0025): the hold is released, nothing charged. */
  SessionRefused: EventBase & {
    readonly sessionId: string;
    readonly stationId: string;
    readonly driverAccountId: string;
    readonly code: SettlementRefusalCode;
    readonly reason: string;
    readonly released: number;
  };
  /**
   * Session:closeSessions: every settlement the transaction applied, each with its own event id (Fabric allows
   * one event a transaction), and every refusal it recorded (`refused`, absent when none).
   */
  SessionsSettled: {
    readonly txId: string;
    readonly settlements: readonly Omit<ChaincodeEvents['SessionSettled'], 'txId'>[];
    readonly refused?: readonly Omit<ChaincodeEvents['SessionRefused'], 'txId'>[];
  };
  HoldReleased: EventBase & { readonly sessionId: string; readonly driverAccountId: string; readonly released: number };
  OfferPosted: EventBase & { readonly offerId: string; readonly energyWh: number; readonly priceMicroPerKWh: number };
  OfferAccepted: EventBase & {
    readonly offerId: string;
    readonly tradeId: string;
    readonly acceptedWh: number;
    readonly escrowAmount: number;
  };
  DeliverySettled: EventBase & { readonly offerId: string; readonly deliveredWh: number; readonly paid: number; readonly refunded: number };
  OfferExpired: EventBase & { readonly offerId: string; readonly unacceptedWh: number };
}

export type ChaincodeEventName = keyof ChaincodeEvents;
