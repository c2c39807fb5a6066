import type { StationPolicy } from '@chargeledger/chaincode/api';
import type { Tariff } from '@chargeledger/chaincode/pricing';
import { aDriver, aLinkedToken, anAccount, type Cast } from '@chargeledger/chaincode/testing';
import { type ChargerTemplate, ledgerEvses } from '@chargeledger/simulators';

/**
 * The ledger as a real deployment sets it up before a charger's first session: each organization acting
 * with its own identity on the channel, no shortcut through the world state.
 */

/** FLAT 0.35 EUR, 0.39 EUR/kWh and 0.60 EUR/h (billed per started minute), 19 % VAT: every dimension a session has. */
export function anAcTariff(overrides: Partial<Tariff> = {}): Tariff {
  return {
    id: 'AC-DAY',
    version: 1,
    currency: 'EUR',
    utcOffsetMinutes: 60,
    vatBasisPoints: 1900,
    elements: [
      { priceComponents: [{ type: 'FLAT', priceMicro: 350_000, stepSize: 1 }] },
      {
        priceComponents: [
          { type: 'ENERGY', priceMicro: 390_000, stepSize: 1 },
          { type: 'TIME', priceMicro: 600_000, stepSize: 60 },
        ],
      },
    ],
    ...overrides,
  };
}

export interface ChargerOnLedger {
  /** The OCPP identity: the ledger bridge uses it as the station id. */
  readonly stationId: string;
  /** The charger model: its EVSEs and connectors, numbered from 1 as OCPP 2.0.1 numbers them. */
  readonly template: ChargerTemplate;
  /** The meter behind EVSE 1, as its manufacturer registered it with the Authority. */
  readonly meter: { readonly serial: string; readonly publicKey: string };
}

export interface DeployedStation {
  readonly stationId: string;
  readonly payeeAccountId: string;
  readonly tariff: Tariff;
  readonly meterSerial: string;
}


/**
 * Wallets opens the operator's payee account, the operator publishes its tariff and registers the station
 * (ids are the decimal strings of the OCPP numbers, as the bridge sends them), and the Authority registers
 * the meter's public key bound to EVSE 1.
 */
export async function aDeployedStation(cast: Cast, charger: ChargerOnLedger, options: { tariff?: Tariff; policy?: Partial<StationPolicy> } = {}): Promise<DeployedStation> {
  const { network, operator, authority } = cast;
  const tariff = options.tariff ?? anAcTariff();
  const payeeAccountId = `payee-${charger.stationId}`;
  await anAccount(cast, payeeAccountId, 'operator', 'op-1');
  await network.submit(operator, 'Tariff:publishTariff', { eventId: cast.eventId(), tariff });
  const evses = ledgerEvses(charger.template);
  await network.submit(operator, 'Registry:registerStation', {
    eventId: cast.eventId(),
    stationId: charger.stationId,
    payeeAccountId,
    latMicroDeg: 52_520_008,
    lonMicroDeg: 13_404_954,
    evses,
    policy: { minimumHold: 500, ...options.policy },
    tariffId: tariff.id,
  });
  await network.submit(authority, 'Registry:registerMeter', {
    eventId: cast.eventId(),
    meterSerial: charger.meter.serial,
    binding: { kind: 'evse', stationId: charger.stationId, evseId: '1' },
    keyId: 'k1',
    publicKey: charger.meter.publicKey,
  });
  return { stationId: charger.stationId, payeeAccountId, tariff, meterSerial: charger.meter.serial };
}

export interface DriverOnLedger {
  readonly accountId: string;
  readonly idToken: string;
}

/**
 * Wallets opens the driver's account with a session limit, tops it up, and links the RFID card the way
 * ADR 0003 requires: the token pepper once, the public proof hash, the private token index.
 */
export async function aDriverWithCard(cast: Cast, options: { accountId: string; idToken: string; topUp: number; sessionLimit?: number }): Promise<DriverOnLedger> {
  await aDriver(cast, options.accountId, { topUp: options.topUp, sessionLimit: options.sessionLimit ?? 2000 });
  await aLinkedToken(cast, options.accountId, options.idToken);
  return { accountId: options.accountId, idToken: options.idToken };
}
