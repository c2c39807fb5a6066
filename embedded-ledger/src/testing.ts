/** Builders for the embedded ledger's tests: a ledger in a fresh directory, the channel's parties, a charging site. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDENTITY_ATTRIBUTES, TRANSIENT_KEYS } from '@chargeledger/chaincode/api';
import { type ChargingLedger, ensureTokenPepper, linkCard } from '@chargeledger/ledger-client';
import { openEmbeddedLedger, type Clock, type EmbeddedLedger } from './ledger';

export const MINUTE = 60_000;
/** 2025-03-03T08:00:00Z, a Monday. */
export const T0 = Date.UTC(2025, 2, 3, 8, 0, 0);
export const WALLETS_ONLY = { endorsingOrganizations: ['WalletsMSP'] } as const;

/** A clock the test moves. */
export class TestClock implements Clock {
  #nowMs: number;
  constructor(startMs = T0) {
    this.#nowMs = startMs;
  }
  now(): number {
    return this.#nowMs;
  }
  advance(ms: number): void {
    this.#nowMs += ms;
  }
}

export async function aDataDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'embedded-ledger-'));
}

export async function removeDataDir(dataDir: string): Promise<void> {
  await rm(dataDir, { recursive: true, force: true });
}

/** The bridge's identity: operator op-1 of OperatorsMSP. */
export const OPERATOR = { mspId: 'OperatorsMSP', attributes: { [IDENTITY_ATTRIBUTES.operatorId]: 'op-1' } } as const;

export interface Parties {
  readonly ledger: EmbeddedLedger;
  readonly clock: TestClock;
  readonly operator: ChargingLedger;
  readonly wallets: ChargingLedger;
  readonly authority: ChargingLedger;
  readonly prosumer: ChargingLedger;
  eventId(): string;
}

export async function openAt(dataDir: string, clock: TestClock = new TestClock()): Promise<Parties> {
  const ledger = await openEmbeddedLedger({ dataDir, client: OPERATOR, clock });
  const prefix = randomBytes(4).toString('hex');
  let n = 0;
  return {
    ledger,
    clock,
    operator: ledger,
    wallets: ledger.asOrganization('WalletsMSP'),
    authority: ledger.asOrganization('AuthorityMSP'),
    prosumer: ledger.asOrganization('ProsumersMSP', { [IDENTITY_ATTRIBUTES.prosumerId]: 'pro-1' }),
    eventId: () => `${prefix}-${++n}`,
  };
}

/** 0.40 EUR/kWh net, 19 % VAT: 10 kWh cost 400 + 76 = 476 cents. */
export const ENERGY_TARIFF = {
  id: 'AC-STD',
  version: 1,
  currency: 'EUR',
  utcOffsetMinutes: 0,
  vatBasisPoints: 1900,
  elements: [{ priceComponents: [{ type: 'ENERGY', priceMicro: 400_000, stepSize: 1 }] }],
};

/** A driver account opened and topped up by Wallets, with a profile kept in Wallets' private collection. */
export async function aFundedDriver(parties: Parties, accountId: string, topUp: number, sessionLimit = 3000): Promise<void> {
  const { wallets, eventId } = parties;
  await wallets.submit('Wallet:openAccount', { eventId: eventId(), accountId, kind: 'driver', currency: 'EUR', sessionLimit });
  const profile = JSON.stringify({ name: 'Erika Mustermann', email: `${accountId}@example.org`, salt: randomBytes(16).toString('hex') });
  await wallets.submit('Wallet:setDriverProfile', { eventId: eventId(), accountId }, { ...WALLETS_ONLY, transient: { [TRANSIENT_KEYS.driverProfile]: profile } });
  await wallets.submit('Wallet:topUp', { eventId: eventId(), accountId, amount: topUp, reference: `ref-${accountId}` });
}

/** Links a card to the account as Wallets does: the proof hash in public, the token indexed privately. */
export async function aLinkedCard(parties: Parties, accountId: string, idToken: string): Promise<void> {
  const { wallets, eventId } = parties;
  await ensureTokenPepper(wallets, eventId());
  await linkCard(wallets, { accountId, idToken, tokenRef: 'card-1', eventIds: [eventId(), eventId()] });
}
