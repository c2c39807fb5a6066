import { randomBytes } from 'node:crypto';
import { TRANSIENT_KEYS, type StationPolicy } from '@chargeledger/chaincode/api';
import type { Tariff } from '@chargeledger/chaincode/pricing';
import { ensureTokenPepper, linkCard } from '@chargeledger/ledger-client';
import { type ChargerTemplate, ledgerEvses } from '@chargeledger/simulators';
import type { LedgerUnderTest } from './ledgers';

/**
 * The ledger as a real deployment sets it up before a charger's first session: each organization acting
 * with its own identity, no shortcut through the world state. Ids are unique per run, since a Fabric
 * network keeps its ledger from one test run to the next.
 */

export const uniqueId = (prefix: string): string => `${prefix}-${randomBytes(5).toString('hex')}`;
export const eventId = (): string => uniqueId('evt');

/** FLAT 0.35 EUR, 0.39 EUR/kWh and 0.60 EUR/h (billed per started minute), 19 % VAT: every dimension a session has. */
export function anAcTariff(overrides: Partial<Tariff> = {}): Tariff {
  return {
    id: uniqueId('AC-DAY'),
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
export async function aDeployedStation(ledger: Pick<LedgerUnderTest, 'party'>, charger: ChargerOnLedger, options: { tariff?: Tariff; policy?: Partial<StationPolicy> } = {}): Promise<DeployedStation> {
  const tariff = options.tariff ?? anAcTariff();
  const payeeAccountId = uniqueId(`payee-${charger.stationId}`);
  await ledger.party('wallets').submit('Wallet:openAccount', { eventId: eventId(), accountId: payeeAccountId, kind: 'operator', ownerId: 'op-1', currency: 'EUR' });
  await ledger.party('operator').submit('Tariff:publishTariff', { eventId: eventId(), tariff });
  const evses = ledgerEvses(charger.template);
  await ledger.party('operator').submit('Registry:registerStation', {
    eventId: eventId(),
    stationId: charger.stationId,
    payeeAccountId,
    latMicroDeg: 52_520_008,
    lonMicroDeg: 13_404_954,
    evses,
    policy: { minimumHold: 500, ...options.policy },
    tariffId: tariff.id,
  });
  await ledger.party('authority').submit('Registry:registerMeter', {
    eventId: eventId(),
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

/** A 7-byte RFID UID, as a card reader reports it: 14 hex digits. */
export const anIdToken = (): string => `04${randomBytes(6).toString('hex').toUpperCase()}`;

const WALLETS_ONLY = { endorsingOrganizations: ['WalletsMSP'] } as const;

/**
 * Wallets opens the driver's account with a session limit, tops it up, and links the RFID card the way
 * ADR 0003 requires: the token pepper once per ledger, the public proof hash, the private token index.
 */
export async function aDriverWithCard(ledger: Pick<LedgerUnderTest, 'party'>, options: { topUp: number; sessionLimit?: number; accountId?: string; idToken?: string }): Promise<DriverOnLedger> {
  const wallets = ledger.party('wallets');
  const accountId = options.accountId ?? uniqueId('drv');
  const idToken = options.idToken ?? anIdToken();
  await wallets.submit('Wallet:openAccount', { eventId: eventId(), accountId, kind: 'driver', currency: 'EUR', sessionLimit: options.sessionLimit ?? 2000 });
  await wallets.submit('Wallet:setDriverProfile', { eventId: eventId(), accountId }, { ...WALLETS_ONLY, transient: { [TRANSIENT_KEYS.driverProfile]: JSON.stringify({ name: 'Erika Mustermann', email: 'erika@example.org', salt: randomBytes(16).toString('hex') }) } });
  if (options.topUp > 0) await wallets.submit('Wallet:topUp', { eventId: eventId(), accountId, amount: options.topUp, reference: `psp-${accountId}` });
  await ensureTokenPepper(wallets, eventId());
  await linkCard(wallets, { accountId, idToken, tokenRef: 'card-1', eventIds: [eventId(), eventId()] });
  return { accountId, idToken };
}

/** An account of operator op-1, opened and topped up by Wallets. */
export async function anOperatorAccount(ledger: LedgerUnderTest, amount: number): Promise<string> {
  const accountId = uniqueId('acc-op-1');
  await ledger.party('wallets').submit('Wallet:openAccount', { eventId: eventId(), accountId, kind: 'operator', ownerId: 'op-1', currency: 'EUR' });
  await ledger.party('wallets').submit('Wallet:topUp', { eventId: eventId(), accountId, amount, reference: `bank-${accountId}` });
  return accountId;
}

/** An account's balance as Wallets reads it. */
export const balanceOn = async (ledger: LedgerUnderTest, accountId: string): Promise<number> => (await ledger.party('wallets').evaluate('Wallet:getAccount', { accountId })).balance;
