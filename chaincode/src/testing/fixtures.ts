import './quiet-fabric-logs';
import { createHash, randomBytes } from 'node:crypto';
import collections from '../../collections_config.json';
import { IDENTITY_ATTRIBUTES, TRANSIENT_KEYS, WALLETS_PRIVATE_COLLECTION, type MspId } from '../api';
import { contracts } from '../index';
import { TestNetwork, type Identity } from './network';
import type { CollectionConfig } from './world-state';

/** 2025-03-03T08:00:00Z, a Monday. */
export const T0 = Date.UTC(2025, 2, 3, 8, 0, 0);

export interface Cast {
  readonly network: TestNetwork;
  readonly wallets: Identity;
  readonly authority: Identity;
  /** Operator op-1 (chargeledger.operatorId=op-1). */
  readonly operator: Identity;
  /** A second operator, op-2 of its own organization Operators2MSP, that owns nothing of op-1's. */
  readonly rival: Identity;
  /** An identity of op-1's organization that claims to act for op-2 (its CA put op-2 in the certificate). */
  readonly impostor: Identity;
  /** An OperatorsMSP identity without the operatorId attribute. */
  readonly anonymousOperator: Identity;
  /** Prosumer pro-1. */
  readonly prosumer: Identity;
  readonly pepper: Buffer;
  eventId(): string;
  as(mspId: MspId): Identity;
}

/** The operators a channel admits before anything else: op-1 in the founding OperatorsMSP, op-2 in Operators2MSP. */
export const OPERATORS = [
  { operatorId: 'op-1', mspId: 'OperatorsMSP' },
  { operatorId: 'op-2', mspId: 'Operators2MSP' },
] as const;

/** A fresh channel and the usual identities; event ids are random so tests never share state. */
export function aNetwork(startMs = T0): Cast {
  const network = new TestNetwork({ contracts, collections: collections as CollectionConfig[], startMs, operators: OPERATORS });
  const prefix = randomBytes(4).toString('hex');
  let n = 0;
  const identities: Record<string, Identity> = {
    OperatorsMSP: network.identity('OperatorsMSP', { [IDENTITY_ATTRIBUTES.operatorId]: 'op-1' }),
    Operators2MSP: network.identity('Operators2MSP', { [IDENTITY_ATTRIBUTES.operatorId]: 'op-2' }),
    ProsumersMSP: network.identity('ProsumersMSP', { [IDENTITY_ATTRIBUTES.prosumerId]: 'pro-1' }),
    WalletsMSP: network.identity('WalletsMSP'),
    AuthorityMSP: network.identity('AuthorityMSP'),
  };
  return {
    network,
    wallets: identities.WalletsMSP as Identity,
    authority: identities.AuthorityMSP as Identity,
    operator: identities.OperatorsMSP as Identity,
    rival: identities.Operators2MSP as Identity,
    impostor: network.identity('OperatorsMSP', { [IDENTITY_ATTRIBUTES.operatorId]: 'op-2' }),
    anonymousOperator: network.identity('OperatorsMSP'),
    prosumer: identities.ProsumersMSP as Identity,
    pepper: randomBytes(32),
    eventId: () => `${prefix}-${++n}`,
    as: (mspId) => identities[mspId] ?? network.identity(mspId),
  };
}

export function driverProfile(name = 'Erika Mustermann', email = 'erika@example.org'): Record<string, string> {
  return { [TRANSIENT_KEYS.driverProfile]: JSON.stringify({ name, email, salt: randomBytes(16).toString('hex') }) };
}

/** Private-collection transactions are endorsed by the Wallets peer alone, so their transient data stays there. */
export const WALLETS_ONLY = { endorsers: ['WalletsMSP'] } as const;

export async function aDriver(cast: Cast, accountId: string, options: { sessionLimit?: number; topUp?: number; profile?: Record<string, string> } = {}): Promise<void> {
  const { network, wallets } = cast;
  await network.submit(wallets, 'Wallet:openAccount', { eventId: cast.eventId(), accountId, kind: 'driver', currency: 'EUR', sessionLimit: options.sessionLimit ?? 5000 });
  await network.submit(wallets, 'Wallet:setDriverProfile', { eventId: cast.eventId(), accountId }, { ...WALLETS_ONLY, transient: options.profile ?? driverProfile() });
  if (options.topUp !== undefined) {
    await network.submit(wallets, 'Wallet:topUp', { eventId: cast.eventId(), accountId, amount: options.topUp, reference: `ref-${accountId}` });
  }
}

export async function anAccount(cast: Cast, accountId: string, kind: 'operator' | 'prosumer', ownerId: string, topUp?: number): Promise<void> {
  await cast.network.submit(cast.wallets, 'Wallet:openAccount', { eventId: cast.eventId(), accountId, kind, ownerId, currency: 'EUR' });
  if (topUp !== undefined) {
    await cast.network.submit(cast.wallets, 'Wallet:topUp', { eventId: cast.eventId(), accountId, amount: topUp, reference: `ref-${accountId}` });
  }
}

/**
 * Links `idToken` to the account as Wallets does: the proof hash in public, the token and salt indexed in
 * private. Returns the transient map an operator presents at openSession (the token proof).
 */
export async function aLinkedToken(cast: Cast, accountId: string, idToken: string, tokenRef = 'card-1'): Promise<Record<string, string>> {
  const { network, wallets } = cast;
  if (network.world.getPrivate(WALLETS_PRIVATE_COLLECTION, '\x00cl.pepper\x00') === undefined) {
    await network.submit(wallets, 'Wallet:setTokenPepper', { eventId: cast.eventId() }, { ...WALLETS_ONLY, transient: { [TRANSIENT_KEYS.tokenPepper]: cast.pepper } });
  }
  const salt = randomBytes(16).toString('hex');
  const tokenProof = createHash('sha256').update(`${salt}:${idToken}`).digest('hex');
  const proofHash = createHash('sha256').update(tokenProof).digest('hex');
  await network.submit(wallets, 'Wallet:linkIdToken', { eventId: cast.eventId(), accountId, tokenRef, proofHash });
  await network.submit(
    wallets,
    'Wallet:indexIdToken',
    { eventId: cast.eventId(), accountId, tokenRef },
    { ...WALLETS_ONLY, transient: { [TRANSIENT_KEYS.idToken]: idToken, [TRANSIENT_KEYS.idTokenSalt]: salt } },
  );
  return { [TRANSIENT_KEYS.tokenProof]: tokenProof };
}
