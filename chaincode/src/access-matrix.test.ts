import { createHash, randomBytes } from 'node:crypto';
import { IDENTITY_ATTRIBUTES, TRANSACTIONS, TRANSIENT_KEYS, type ChaincodeErrorCode, type MspId, type RequestOf, type TransactionName } from './api';
import { aNetwork, anAccount, driverProfile, WALLETS_ONLY, type Cast } from './testing/fixtures';
import type { Identity, TxOptions } from './testing/network';
import { TestMeter } from './testing/ocmf-meter';
import { aChargingSite, aFundedDriver, anOpenSession, anUnsignedPermission, ENERGY_TARIFF, ocmf, openRequest, type Driver, type Site } from './testing/site';

/**
 * Every submit function against every organization and role, on a channel holding what a live one holds:
 * operator op-1's station with a tariff and a registered meter, a funded driver with a linked card, funded
 * operator accounts of op-1 and op-2, prosumer pro-1's account, export meter and open offer. op-1 acts
 * through OperatorsMSP, op-2 (`rival`) through its own Operators2MSP; `impostor` is an identity OperatorsMSP's
 * CA issued naming op-2, refused everywhere (ADR 0038). Each request
 * names op-1's, pro-1's or the driver's objects, so a cell says who may act on them. A cell is endorsed on
 * the peers a client would use and never committed, so every role meets the same state.
 */
const ROLES = ['operator', 'rival', 'impostor', 'anonymousOperator', 'prosumer', 'otherProsumer', 'wallets', 'authority'] as const;
type Role = (typeof ROLES)[number];

const HOUR = 3_600_000;

interface World {
  readonly cast: Cast;
  readonly site: Site;
  readonly driver: Driver;
  readonly exportMeter: TestMeter;
  readonly windowStartMs: number;
  readonly roles: Readonly<Record<Role, Identity>>;
}

/** `bare`: a channel where nothing has happened yet, for the one transaction that runs once per channel (setTokenPepper). */
async function aWorld(bare = false): Promise<World> {
  const cast = aNetwork();
  const roles: Record<Role, Identity> = {
    operator: cast.operator,
    rival: cast.rival,
    impostor: cast.impostor,
    anonymousOperator: cast.anonymousOperator,
    prosumer: cast.prosumer,
    otherProsumer: cast.network.identity('ProsumersMSP', { [IDENTITY_ATTRIBUTES.prosumerId]: 'pro-2' }),
    wallets: cast.wallets,
    authority: cast.authority,
  };
  if (bare) return { cast, roles } as World;
  const site = await aChargingSite(cast);
  await cast.network.submit(cast.wallets, 'Wallet:topUp', { eventId: cast.eventId(), accountId: 'acc-op1', amount: 1000, reference: 'ref-op1' });
  await anAccount(cast, 'acc-op2', 'operator', 'op-2', 1000);
  await anAccount(cast, 'acc-pro1', 'prosumer', 'pro-1', 500);
  const driver = await aFundedDriver(cast, 'drv-1', 10_000, 3000);
  const exportMeter = new TestMeter('MTR-X1');
  await cast.network.submit(cast.authority, 'Registry:registerMeter', {
    eventId: cast.eventId(),
    meterSerial: exportMeter.serial,
    binding: { kind: 'export-point', prosumerId: 'pro-1', exportPointId: 'X1' },
    keyId: 'k1',
    publicKey: exportMeter.publicKey,
  });
  const windowStartMs = cast.network.nowMs + 2 * HOUR;
  await cast.network.submit(cast.prosumer, 'Trading:postOffer', anOffer(cast, 'o-1', windowStartMs));
  return { cast, site, driver, exportMeter, windowStartMs, roles };
}

function anOffer(cast: Cast, offerId: string, windowStartMs: number): RequestOf<'Trading:postOffer'> {
  return {
    eventId: cast.eventId(),
    offerId,
    prosumerAccountId: 'acc-pro1',
    exportPointId: 'X1',
    energyWh: 10_000,
    priceMicroPerKWh: 200_000,
    currency: 'EUR',
    windowStartMs,
    windowEndMs: windowStartMs + HOUR,
    acceptUntilMs: windowStartMs,
  };
}

const acceptPart = (w: World): Promise<unknown> =>
  w.cast.network.submit(w.cast.operator, 'Trading:acceptOffer', { eventId: w.cast.eventId(), offerId: 'o-1', operatorAccountId: 'acc-op1', energyWh: 6000 });
const requestOperatorPayout = (w: World): Promise<unknown> =>
  w.cast.network.submit(w.cast.operator, 'Wallet:requestPayout', { eventId: w.cast.eventId(), accountId: 'acc-op1', payoutId: 'po-1', amount: 400, destination: 'iban:DE89370400440532013000' });

/** A row: the state to build, the call, who may make it; everyone else is refused with ACCESS_DENIED unless `refused` says otherwise. */
interface Row<T extends TransactionName = TransactionName> {
  readonly label: string;
  readonly name: T;
  readonly scene?: (w: World) => Promise<unknown>;
  readonly request: (w: World) => RequestOf<T>;
  readonly options?: (w: World) => TxOptions;
  readonly allowed: readonly Role[];
  readonly refused?: Partial<Record<Role, ChaincodeErrorCode>>;
  readonly bare?: true;
}
const row = <T extends TransactionName>(r: Row<T>): Row => r as unknown as Row;

const privateOnly = WALLETS_ONLY;
const SALT = 'a1'.repeat(16);
const proofHash = (token: string): string => createHash('sha256').update(createHash('sha256').update(`${SALT}:${token}`).digest('hex')).digest('hex');
const linkCard2 = (w: World): Promise<unknown> =>
  w.cast.network.submit(w.cast.wallets, 'Wallet:linkIdToken', { eventId: w.cast.eventId(), accountId: 'drv-1', tokenRef: 'card-2', proofHash: proofHash('TAG-2') });
const sessionRecords = (w: World): Record<string, string> => {
  const start = w.cast.network.nowMs - 30 * 60_000;
  return ocmf(w.site.meter.session({ timeMs: start, registerWh: 1000 }, { timeMs: start + 20 * 60_000, registerWh: 6000 }));
};

/** The same records as one settlement of a batch, under the event id `batchedClose` gives it. */
const BATCHED_EVENT_ID = 'ev-batched-close';
const batchedRecords = (w: World): Record<string, string> => ({
  [TRANSIENT_KEYS.ocmfRecordsByEvent]: JSON.stringify({ [BATCHED_EVENT_ID]: JSON.parse(sessionRecords(w)[TRANSIENT_KEYS.ocmfRecords] as string) as unknown }),
});
const batchedClose = (): RequestOf<'Session:closeSessions'> => ({ settlements: [{ eventId: BATCHED_EVENT_ID, sessionId: 's-1', evidence: { kind: 'ocmf' } }] });

/** An open of a batch, under the event id `batchedProof` gives the driver's proof. */
const BATCHED_OPEN_EVENT_ID = 'ev-batched-open';
const batchedOpen = (): RequestOf<'Session:openSessions'> => ({ opens: [{ eventId: BATCHED_OPEN_EVENT_ID, sessionId: 's-9', stationId: 'st-1', evseId: 'E1', connectorId: 'C1', driverAccountId: 'drv-1', tokenRef: 'card-1' }] });
const batchedProof = (w: World): Record<string, string> => ({ [TRANSIENT_KEYS.tokenProofsByEvent]: JSON.stringify({ [BATCHED_OPEN_EVENT_ID]: w.driver.proof[TRANSIENT_KEYS.tokenProof] }) });

const MATRIX: readonly Row[] = [
  row({ label: 'admits operator op-3 in Operators3MSP', name: 'Registry:admitOperator', request: (w) => ({ eventId: w.cast.eventId(), operatorId: 'op-3', mspId: 'Operators3MSP' }), allowed: ['authority'] }),
  row({ label: 'opens an account', name: 'Wallet:openAccount', request: (w) => ({ eventId: w.cast.eventId(), accountId: 'acc-new', kind: 'operator', ownerId: 'op-1', currency: 'EUR' }), allowed: ['wallets'] }),
  row({ label: "tops up the driver's account", name: 'Wallet:topUp', request: (w) => ({ eventId: w.cast.eventId(), accountId: 'drv-1', amount: 100, reference: 'bank-in-1' }), allowed: ['wallets'] }),
  row({ label: "asks for op-1's money", name: 'Wallet:requestPayout', request: (w) => ({ eventId: w.cast.eventId(), accountId: 'acc-op1', payoutId: 'po-9', amount: 100, destination: 'iban:DE89370400440532013000' }), allowed: ['operator'] }),
  row({ label: "asks for pro-1's money", name: 'Wallet:requestPayout', request: (w) => ({ eventId: w.cast.eventId(), accountId: 'acc-pro1', payoutId: 'po-9', amount: 100, destination: 'iban:DE02120300000000202051' }), allowed: ['prosumer'] }),
  row({ label: "asks for the driver's money", name: 'Wallet:requestPayout', request: (w) => ({ eventId: w.cast.eventId(), accountId: 'drv-1', payoutId: 'po-9', amount: 100, destination: 'refund:ref-drv-1', requestRef: 'a'.repeat(64) }), allowed: ['wallets'] }),
  row({ label: "confirms the driver's bank account", name: 'Wallet:confirmPayoutDestination', request: (w) => ({ eventId: w.cast.eventId(), accountId: 'drv-1', destinationId: 'bank-9', fingerprint: 'a'.repeat(64), confirmation: 'b'.repeat(64) }), allowed: ['wallets'] }),
  row({ label: "pays op-1's requested payout", name: 'Wallet:payout', scene: requestOperatorPayout, request: (w) => ({ eventId: w.cast.eventId(), accountId: 'acc-op1', payoutId: 'po-1', reference: 'bank-out-1' }), allowed: ['wallets'] }),
  row({ label: "returns op-1's requested payout", name: 'Wallet:returnPayout', scene: requestOperatorPayout, request: (w) => ({ eventId: w.cast.eventId(), accountId: 'acc-op1', payoutId: 'po-1', reference: 'bounce-1' }), allowed: ['wallets'] }),
  row({ label: "sets the driver's session limit", name: 'Wallet:setSessionLimit', request: (w) => ({ eventId: w.cast.eventId(), accountId: 'drv-1', sessionLimit: 2000 }), allowed: ['wallets'] }),
  row({ label: 'sets the token pepper on a new channel', name: 'Wallet:setTokenPepper', request: (w) => ({ eventId: w.cast.eventId() }), options: () => ({ ...privateOnly, transient: { [TRANSIENT_KEYS.tokenPepper]: randomBytes(32) } }), allowed: ['wallets'], bare: true }),
  row({ label: "stores the driver's profile", name: 'Wallet:setDriverProfile', request: (w) => ({ eventId: w.cast.eventId(), accountId: 'drv-1' }), options: () => ({ ...privateOnly, transient: driverProfile() }), allowed: ['wallets'] }),
  row({ label: 'links a card to the driver', name: 'Wallet:linkIdToken', request: (w) => ({ eventId: w.cast.eventId(), accountId: 'drv-1', tokenRef: 'card-2', proofHash: proofHash('TAG-2') }), allowed: ['wallets'] }),
  row({
    label: 'indexes a linked card privately',
    name: 'Wallet:indexIdToken',
    scene: linkCard2,
    request: (w) => ({ eventId: w.cast.eventId(), accountId: 'drv-1', tokenRef: 'card-2' }),
    options: () => ({ ...privateOnly, transient: { [TRANSIENT_KEYS.idToken]: 'TAG-2', [TRANSIENT_KEYS.idTokenSalt]: SALT } }),
    allowed: ['wallets'],
  }),
  row({ label: "forgets the driver's card", name: 'Wallet:forgetIdToken', request: (w) => ({ eventId: w.cast.eventId() }), options: () => ({ ...privateOnly, transient: { [TRANSIENT_KEYS.idToken]: 'TAG-drv-1' } }), allowed: ['wallets'] }),
  row({ label: "unlinks the driver's card", name: 'Wallet:unlinkIdToken', request: (w) => ({ eventId: w.cast.eventId(), accountId: 'drv-1', tokenRef: 'card-1' }), allowed: ['wallets'] }),
  row({
    label: 'registers a station paid into op-1',
    name: 'Registry:registerStation',
    request: (w) => ({
      eventId: w.cast.eventId(),
      stationId: 'st-2',
      payeeAccountId: 'acc-op1',
      latMicroDeg: 52_500_000,
      lonMicroDeg: 13_400_000,
      evses: [{ evseId: 'E1', connectors: [{ connectorId: 'C1', type: 'IEC_62196_T2', maxPowerW: 11_000 }] }],
      policy: { minimumHold: 500 },
    }),
    allowed: ['operator'],
  }),
  row({ label: "updates op-1's station", name: 'Registry:updateStation', request: (w) => ({ eventId: w.cast.eventId(), stationId: 'st-1', policy: { minimumHold: 800 } }), allowed: ['operator'] }),
  row({ label: "registers the driver's EV", name: 'Registry:registerEv', request: (w) => ({ eventId: w.cast.eventId(), evId: 'ev-1', ownerAccountId: 'drv-1', batteryCapacityWh: 60_000 }), allowed: ['wallets'] }),
  row({
    label: "registers a meter at pro-1's export point",
    name: 'Registry:registerMeter',
    request: (w) => ({ eventId: w.cast.eventId(), meterSerial: 'MTR-X2', binding: { kind: 'export-point', prosumerId: 'pro-1', exportPointId: 'X2' }, keyId: 'k1', publicKey: w.exportMeter.publicKey }),
    allowed: ['authority'],
  }),
  row({ label: "rotates the station meter's key", name: 'Registry:rotateMeterKey', request: (w) => ({ eventId: w.cast.eventId(), meterSerial: 'MTR-E1', keyId: 'k2', publicKey: new TestMeter('MTR-E1').publicKey }), allowed: ['authority'] }),
  row({ label: "revokes the station meter's key", name: 'Registry:revokeMeterKey', request: (w) => ({ eventId: w.cast.eventId(), meterSerial: 'MTR-E1', keyId: 'k1' }), allowed: ['authority'] }),
  row({
    label: 'lets the station settle from unsigned meter data',
    name: 'Registry:allowUnsignedMeterData',
    request: (w) => ({ eventId: w.cast.eventId(), stationId: 'st-1', validUntilMs: w.cast.network.nowMs + 24 * HOUR, maxEnergyWh: 40_000, maxPowerW: 11_000 }),
    allowed: ['authority'],
  }),
  row({ label: 'withdraws that permission', name: 'Registry:revokeUnsignedMeterData', scene: (w) => anUnsignedPermission(w.cast), request: (w) => ({ eventId: w.cast.eventId(), stationId: 'st-1' }), allowed: ['authority'] }),
  row({ label: "publishes version 2 of op-1's tariff", name: 'Tariff:publishTariff', request: (w) => ({ eventId: w.cast.eventId(), tariff: { ...ENERGY_TARIFF, version: 2 } }), allowed: ['operator'] }),
  row({
    label: "opens a session at op-1's station on the driver's card",
    name: 'Session:openSession',
    request: (w) => openRequest(w.cast, 's-9', w.driver),
    options: (w) => ({ transient: w.driver.proof }),
    allowed: ['operator'],
  }),
  row({
    label: "opens a session at op-1's station on the driver's card in a batch",
    name: 'Session:openSessions',
    request: () => batchedOpen(),
    options: (w) => ({ transient: batchedProof(w) }),
    allowed: ['operator'],
  }),
  row({ label: "records progress of op-1's session", name: 'Session:recordProgress', scene: (w) => anOpenSession(w.cast, 's-1', w.driver), request: (w) => ({ eventId: w.cast.eventId(), sessionId: 's-1', energyWh: 2000 }), allowed: ['operator'] }),
  row({
    label: "closes op-1's session on signed records",
    name: 'Session:closeSession',
    scene: async (w) => {
      await anOpenSession(w.cast, 's-1', w.driver);
      w.cast.network.advance(40 * 60_000);
    },
    request: (w) => ({ eventId: w.cast.eventId(), sessionId: 's-1', evidence: { kind: 'ocmf' } }),
    options: (w) => ({ transient: sessionRecords(w) }),
    allowed: ['operator'],
  }),
  row({
    label: "closes op-1's session on signed records in a batch",
    name: 'Session:closeSessions',
    scene: async (w) => {
      await anOpenSession(w.cast, 's-1', w.driver);
      w.cast.network.advance(40 * 60_000);
    },
    request: () => batchedClose(),
    options: (w) => ({ transient: batchedRecords(w) }),
    allowed: ['operator'],
  }),
  row({
    label: "abandons op-1's session an hour after it opened",
    name: 'Session:abandonSession',
    scene: async (w) => {
      await anOpenSession(w.cast, 's-1', w.driver);
      w.cast.network.advance(HOUR);
    },
    request: (w) => ({ eventId: w.cast.eventId(), sessionId: 's-1' }),
    allowed: ['operator'],
    refused: { wallets: 'INVALID_STATE' },
  }),
  row({
    label: "abandons op-1's session 73 hours after it opened",
    name: 'Session:abandonSession',
    scene: async (w) => {
      await anOpenSession(w.cast, 's-1', w.driver);
      w.cast.network.advance(73 * HOUR);
    },
    request: (w) => ({ eventId: w.cast.eventId(), sessionId: 's-1' }),
    allowed: ['operator', 'wallets'],
  }),
  row({ label: "posts an offer paid into pro-1's account", name: 'Trading:postOffer', request: (w) => anOffer(w.cast, 'o-2', w.windowStartMs), allowed: ['prosumer'] }),
  row({ label: "accepts pro-1's offer, escrowing from op-1's account", name: 'Trading:acceptOffer', request: (w) => ({ eventId: w.cast.eventId(), offerId: 'o-1', operatorAccountId: 'acc-op1', energyWh: 1000 }), allowed: ['operator'] }),
  row({
    label: 'settles the delivery of an offer op-1 took part of',
    name: 'Trading:settleDelivery',
    scene: async (w) => {
      await acceptPart(w);
      w.cast.network.advance(4 * HOUR);
    },
    request: (w) => ({ eventId: w.cast.eventId(), offerId: 'o-1' }),
    options: (w) => ({ transient: ocmf(w.exportMeter.session({ timeMs: w.windowStartMs, registerWh: 0 }, { timeMs: w.windowStartMs + HOUR - 60_000, registerWh: 5000 })) }),
    allowed: ['operator', 'prosumer'],
  }),
  row({
    label: 'expires an offer op-1 took part of, after its deadline',
    name: 'Trading:expireOffer',
    scene: async (w) => {
      await acceptPart(w);
      w.cast.network.advance(3 * HOUR);
    },
    request: (w) => ({ eventId: w.cast.eventId(), offerId: 'o-1' }),
    allowed: ['operator', 'prosumer'],
  }),
];

const submits = (Object.keys(TRANSACTIONS) as TransactionName[]).filter((name) => TRANSACTIONS[name].kind === 'submit');

describe('The access matrix', () => {
  it('has a row for every submit function the contracts expose', () => {
    expect([...new Set(MATRIX.map((r) => r.name))].sort()).toEqual([...submits].sort());
  });

  it.each(MATRIX.map((r) => [`${r.name}: ${r.label}`, r] as const))('%s', async (_title, r) => {
    const world = await aWorld(r.bare);
    await r.scene?.(world);
    const verdicts: Record<string, string> = {};
    const expected: Record<string, string> = {};
    for (const role of ROLES) {
      expected[role] = r.allowed.includes(role) ? 'allowed' : (r.refused?.[role] ?? 'ACCESS_DENIED');
      try {
        await world.cast.network.endorse(world.roles[role], r.name, r.request(world) as never, r.options?.(world) ?? {});
        verdicts[role] = 'allowed';
      } catch (error) {
        verdicts[role] = (error as { code?: string }).code ?? String(error);
      }
    }
    expect(verdicts).toEqual(expected);
  });
});

/**
 * Who must endorse a movement of money: the owner organization of every account it debits or holds and of
 * the session it settles (key-level policies, ADR 0014 and 0038), and Wallets and the Authority (the chaincode
 * policy, through the event record, ADR 0039). A credit needs no owner. However many operators join, a
 * settlement needs three: the session's operator, Wallets, the Authority. Refused endorsements are tried
 * first; they commit nothing, so the last, sufficient set meets the same state.
 */
interface MoneyRow {
  readonly label: string;
  readonly scene?: (w: World) => Promise<unknown>;
  readonly caller: Role;
  readonly name: TransactionName;
  readonly request: (w: World) => unknown;
  readonly options?: (w: World) => TxOptions;
  readonly insufficient: readonly (readonly MspId[])[];
  readonly sufficient: readonly MspId[];
}

const WITHOUT_WALLETS: readonly MspId[] = ['OperatorsMSP', 'Operators2MSP', 'ProsumersMSP', 'AuthorityMSP'];
const WITHOUT_AUTHORITY: readonly MspId[] = ['OperatorsMSP', 'Operators2MSP', 'ProsumersMSP', 'WalletsMSP'];
/** The chaincode policy's organizations and op-2's: everything but op-1's own. */
const WITHOUT_OP1: readonly MspId[] = ['Operators2MSP', 'ProsumersMSP', 'WalletsMSP', 'AuthorityMSP'];
const POLICY: readonly MspId[] = ['WalletsMSP', 'AuthorityMSP'];

const MONEY: readonly MoneyRow[] = [
  {
    label: "a top-up of the driver's account: Wallets and the Authority",
    caller: 'wallets',
    name: 'Wallet:topUp',
    request: (w) => ({ eventId: w.cast.eventId(), accountId: 'drv-1', amount: 100, reference: 'bank-in-2' }),
    insufficient: [WITHOUT_WALLETS, WITHOUT_AUTHORITY, ['WalletsMSP']],
    sufficient: POLICY,
  },
  {
    label: "a top-up of op-1's account, a credit: Wallets and the Authority, without Operators",
    caller: 'wallets',
    name: 'Wallet:topUp',
    request: (w) => ({ eventId: w.cast.eventId(), accountId: 'acc-op1', amount: 100, reference: 'bank-in-3' }),
    insufficient: [['WalletsMSP', 'OperatorsMSP'], WITHOUT_AUTHORITY],
    sufficient: POLICY,
  },
  {
    label: "op-1's payout request: op-1's organization, Wallets and the Authority; op-2's cannot stand in",
    caller: 'operator',
    name: 'Wallet:requestPayout',
    request: (w) => ({ eventId: w.cast.eventId(), accountId: 'acc-op1', payoutId: 'po-2', amount: 100, destination: 'iban:DE89370400440532013000' }),
    insufficient: [WITHOUT_OP1, ['OperatorsMSP', 'WalletsMSP'], ['OperatorsMSP']],
    sufficient: ['OperatorsMSP', ...POLICY],
  },
  {
    label: "op-2's payout request: op-2's organization, Wallets and the Authority; op-1's cannot stand in",
    caller: 'rival',
    name: 'Wallet:requestPayout',
    request: (w) => ({ eventId: w.cast.eventId(), accountId: 'acc-op2', payoutId: 'po-5', amount: 100, destination: 'iban:DE89370400440532013000' }),
    insufficient: [['OperatorsMSP', 'ProsumersMSP', 'WalletsMSP', 'AuthorityMSP'], ['Operators2MSP', 'WalletsMSP']],
    sufficient: ['Operators2MSP', ...POLICY],
  },
  {
    label: "pro-1's payout request: Prosumers, Wallets and the Authority",
    caller: 'prosumer',
    name: 'Wallet:requestPayout',
    request: (w) => ({ eventId: w.cast.eventId(), accountId: 'acc-pro1', payoutId: 'po-3', amount: 100, destination: 'iban:DE02120300000000202051' }),
    insufficient: [['OperatorsMSP', 'Operators2MSP', 'WalletsMSP', 'AuthorityMSP'], ['ProsumersMSP', 'WalletsMSP']],
    sufficient: ['ProsumersMSP', ...POLICY],
  },
  {
    label: "the driver's payout request: Wallets and the Authority",
    caller: 'wallets',
    name: 'Wallet:requestPayout',
    request: (w) => ({ eventId: w.cast.eventId(), accountId: 'drv-1', payoutId: 'po-4', amount: 100, destination: 'refund:ref-drv-1', requestRef: 'b'.repeat(64) }),
    insufficient: [WITHOUT_WALLETS, ['WalletsMSP', 'ProsumersMSP']],
    sufficient: POLICY,
  },
  {
    label: "opening a session, a hold on the driver's account: Wallets and the Authority",
    caller: 'operator',
    name: 'Session:openSession',
    request: (w) => openRequest(w.cast, 's-8', w.driver),
    options: (w) => ({ transient: w.driver.proof }),
    insufficient: [WITHOUT_WALLETS, ['WalletsMSP', 'OperatorsMSP']],
    sufficient: POLICY,
  },
  {
    label: "opening sessions in a batch, holds on the drivers' accounts: Wallets and the Authority",
    caller: 'operator',
    name: 'Session:openSessions',
    request: () => batchedOpen(),
    options: (w) => ({ transient: batchedProof(w) }),
    insufficient: [WITHOUT_WALLETS, ['WalletsMSP', 'OperatorsMSP']],
    sufficient: POLICY,
  },
  {
    label: "closing a session, the driver's debit and op-1's credit: op-1's organization, Wallets and the Authority",
    caller: 'operator',
    name: 'Session:closeSession',
    scene: async (w) => {
      await anOpenSession(w.cast, 's-1', w.driver);
      w.cast.network.advance(40 * 60_000);
    },
    request: (w) => ({ eventId: w.cast.eventId(), sessionId: 's-1', evidence: { kind: 'ocmf' } }),
    options: (w) => ({ transient: sessionRecords(w) }),
    insufficient: [WITHOUT_WALLETS, WITHOUT_OP1, ['WalletsMSP', 'OperatorsMSP']],
    sufficient: ['OperatorsMSP', ...POLICY],
  },
  {
    label: 'closing sessions in a batch: the same three',
    caller: 'operator',
    name: 'Session:closeSessions',
    scene: async (w) => {
      await anOpenSession(w.cast, 's-1', w.driver);
      w.cast.network.advance(40 * 60_000);
    },
    request: () => batchedClose(),
    options: (w) => ({ transient: batchedRecords(w) }),
    insufficient: [WITHOUT_WALLETS, WITHOUT_OP1, ['WalletsMSP', 'OperatorsMSP']],
    sufficient: ['OperatorsMSP', ...POLICY],
  },
  {
    label: "accepting an offer, an escrow debit of op-1's account: op-1's organization, Wallets and the Authority",
    caller: 'operator',
    name: 'Trading:acceptOffer',
    request: (w) => ({ eventId: w.cast.eventId(), offerId: 'o-1', operatorAccountId: 'acc-op1', energyWh: 1000 }),
    insufficient: [WITHOUT_OP1, ['OperatorsMSP', 'ProsumersMSP', 'AuthorityMSP']],
    sufficient: ['OperatorsMSP', ...POLICY],
  },
  {
    label: 'settling a delivery, credits to pro-1 and op-1: Wallets and the Authority, neither owner needed',
    caller: 'prosumer',
    name: 'Trading:settleDelivery',
    scene: async (w) => {
      await acceptPart(w);
      w.cast.network.advance(4 * HOUR);
    },
    request: (w) => ({ eventId: w.cast.eventId(), offerId: 'o-1' }),
    options: (w) => ({ transient: ocmf(w.exportMeter.session({ timeMs: w.windowStartMs, registerWh: 0 }, { timeMs: w.windowStartMs + HOUR - 60_000, registerWh: 5000 })) }),
    insufficient: [['ProsumersMSP', 'OperatorsMSP'], WITHOUT_AUTHORITY],
    sufficient: POLICY,
  },
];

/** Changes of an operator's own records need its organization's peer: another operator's cannot endorse them (ADR 0038). */
const RECORDS: readonly MoneyRow[] = [
  {
    label: "an update of op-1's station: op-1's organization, Wallets and the Authority",
    caller: 'operator',
    name: 'Registry:updateStation',
    request: (w) => ({ eventId: w.cast.eventId(), stationId: 'st-1', policy: { minimumHold: 900 } }),
    insufficient: [WITHOUT_OP1, ['OperatorsMSP']],
    sufficient: ['OperatorsMSP', ...POLICY],
  },
  {
    label: "an update of op-2's station: op-2's organization; op-1's peer alone or with all the others cannot",
    caller: 'rival',
    scene: (w) =>
      w.cast.network.submit(w.cast.rival, 'Registry:registerStation', {
        eventId: w.cast.eventId(),
        stationId: 'st-op2',
        payeeAccountId: 'acc-op2',
        latMicroDeg: 48_137_154,
        lonMicroDeg: 11_576_124,
        evses: [{ evseId: 'E1', connectors: [{ connectorId: 'C1', type: 'IEC_62196_T2', maxPowerW: 11_000 }] }],
        policy: { minimumHold: 500 },
      }),
    name: 'Registry:updateStation',
    request: (w) => ({ eventId: w.cast.eventId(), stationId: 'st-op2', payeeAccountId: 'acc-op2', policy: { minimumHold: 900 } }),
    insufficient: [['OperatorsMSP'], ['OperatorsMSP', 'ProsumersMSP', 'WalletsMSP', 'AuthorityMSP']],
    sufficient: ['Operators2MSP', ...POLICY],
  },
  {
    label: 'an admission of an operator: Wallets and the Authority',
    caller: 'authority',
    name: 'Registry:admitOperator',
    request: (w) => ({ eventId: w.cast.eventId(), operatorId: 'op-3', mspId: 'Operators3MSP' }),
    insufficient: [['AuthorityMSP'], ['AuthorityMSP', 'OperatorsMSP', 'Operators2MSP', 'ProsumersMSP']],
    sufficient: POLICY,
  },
];

describe.each([
  ['a movement of money', MONEY],
  ["a change of an operator's records", RECORDS],
] as const)('Who must endorse %s', (_what, rows) => {
  it.each(rows.map((r) => [r.label, r] as const))('%s', async (_label, r) => {
    const w = await aWorld();
    await r.scene?.(w);
    for (const endorsers of r.insufficient) {
      await expect(w.cast.network.submit(w.roles[r.caller], r.name, r.request(w) as never, { ...r.options?.(w), endorsers })).rejects.toMatchObject({
        name: 'CommitError',
        code: 'ENDORSEMENT_POLICY_FAILURE',
      });
    }
    await expect(w.cast.network.submit(w.roles[r.caller], r.name, r.request(w) as never, { ...r.options?.(w), endorsers: r.sufficient })).resolves.toBeDefined();
  });
});
