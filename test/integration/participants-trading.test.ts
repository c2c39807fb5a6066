import { appendFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { call, ExportMeter, ParticipantsStack } from './participants-support';

/**
 * The prosumers', operators' and Authority's services, each its own process on one embedded ledger: a prosumer
 * signs up, the Authority registers its export meter, Wallets opens the accounts, the prosumer offers energy,
 * the operator accepts it (escrow), and the prosumer settles delivery from the meter's signed records.
 */

let stack: ParticipantsStack;
let url: { wallets: string; operators: string; prosumers: string; authority: string };
let staff: { wallets: string; operators: string; authority: string };
beforeAll(async () => {
  stack = await ParticipantsStack.start(['wallets', 'operators', 'prosumers', 'authority']);
  url = { wallets: stack.url('wallets'), operators: stack.url('operators'), prosumers: stack.url('prosumers'), authority: stack.url('authority') };
  staff = { wallets: await stack.staffToken('wallets'), operators: await stack.staffToken('operators'), authority: await stack.staffToken('authority') };
}, 90_000);
afterAll(async () => {
  await stack?.close();
});

let count = 0;
interface Prosumer {
  readonly token: string;
  readonly prosumerId: string;
  readonly accountId: string;
  readonly meter: ExportMeter;
}

/** A prosumer signed up, with an account Wallets opened and an export meter X1 the Authority registered. */
async function aProsumer(): Promise<Prosumer> {
  const n = ++count;
  const signUp = await call<{ token: string; user: { party: string } }>(url.prosumers, 'POST', '/api/prosumers', { body: { username: `solar-${n}`, password: 'a long password 1' } });
  expect(signUp.status).toBe(201);
  const prosumerId = signUp.body.user.party;
  const accountId = `acc-${prosumerId}`;
  expect((await call(url.wallets, 'POST', '/api/accounts', { token: staff.wallets, body: { accountId, kind: 'prosumer', ownerId: prosumerId, currency: 'EUR' } })).status).toBe(201);
  const meter = new ExportMeter(`PV-${prosumerId}`);
  const registered = await call(url.authority, 'POST', '/api/meters', { token: staff.authority, body: { meterSerial: meter.serial, binding: { kind: 'export-point', prosumerId, exportPointId: 'X1' }, keyId: 'k1', publicKey: meter.publicKey } });
  expect(registered.status).toBe(201);
  return { token: signUp.body.token, prosumerId, accountId, meter };
}

/** The operator op-1's account, opened by Wallets and topped up. */
async function anOperatorAccount(amount = 10_000): Promise<string> {
  const accountId = `acc-op-1-${++count}`;
  expect((await call(url.wallets, 'POST', '/api/accounts', { token: staff.wallets, body: { accountId, kind: 'operator', ownerId: 'op-1', currency: 'EUR' } })).status).toBe(201);
  if (amount > 0) expect((await call(url.wallets, 'POST', `/api/accounts/${accountId}/bank-transfers`, { token: staff.wallets, body: { amount, reference: `bank-${accountId}` } })).status).toBe(200);
  return accountId;
}

const anOffer = (prosumer: Prosumer, windowStartMs: number, overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  prosumerAccountId: prosumer.accountId,
  exportPointId: 'X1',
  energyWh: 10_000,
  priceMicroPerKWh: 200_000,
  currency: 'EUR',
  windowStartMs,
  windowEndMs: windowStartMs + 1_000,
  acceptUntilMs: windowStartMs,
  ...overrides,
});

describe('a P2P trade through the participants’ services', () => {
  it('offers, accepts with escrow, settles from signed readings and pays the prosumer min(accepted, delivered), visible on both sides', async () => {
    const prosumer = await aProsumer();
    const operatorAccount = await anOperatorAccount();
    const windowStartMs = Date.now() + 4_000;
    const posted = await call<{ offerId: string }>(url.prosumers, 'POST', '/api/offers', { token: prosumer.token, body: anOffer(prosumer, windowStartMs) });
    expect(posted).toMatchObject({ status: 201, body: { status: 'open', remainingWh: 10_000, meterSerial: prosumer.meter.serial } });
    const { offerId } = posted.body;

    const open = await call<{ offers: { offerId: string }[] }>(url.operators, 'GET', '/api/offers', { token: staff.operators });
    expect(open.body.offers.map((offer) => offer.offerId)).toContain(offerId);
    const accepted = await call(url.operators, 'POST', `/api/offers/${offerId}/acceptances`, { token: staff.operators, body: { operatorAccountId: operatorAccount, energyWh: 6_000 } });
    expect(accepted).toMatchObject({ status: 201, body: { acceptedWh: 6_000, escrowAmount: 120, status: 'escrowed' } });
    expect(await call(url.operators, 'POST', `/api/offers/${offerId}/acceptances`, { token: staff.operators, body: { operatorAccountId: operatorAccount, energyWh: 5_000 } })).toMatchObject({
      status: 422,
      body: { error: 'LedgerRefusal', code: 'OFFER_EXHAUSTED' },
    });

    const mine = await call<{ offers: { trades: unknown[] }[] }>(url.prosumers, 'GET', '/api/offers', { token: prosumer.token });
    expect(mine.body.offers).toEqual([expect.objectContaining({ offerId, remainingWh: 4_000, trades: [expect.objectContaining({ operatorId: 'op-1', acceptedWh: 6_000 })] })]);

    const records = prosumer.meter.delivery({ timeMs: windowStartMs, registerWh: 120_000 }, { timeMs: windowStartMs + 900, deliveredWh: 4_000 });
    const settle = () => call(url.prosumers, 'POST', `/api/offers/${offerId}/settlement`, { token: prosumer.token, body: { ocmfRecords: records } });
    expect(await settle()).toMatchObject({ status: 422, body: { code: 'INVALID_STATE' } });
    await sleep(Math.max(0, windowStartMs + 1_100 - Date.now()));
    const settled = await settle();
    expect(settled).toMatchObject({ status: 200, body: { deliveredWh: 4_000, trades: [expect.objectContaining({ deliveredWh: 4_000, paid: 80, refunded: 40, status: 'settled' })] } });
    expect(await settle()).toMatchObject({ status: 422, body: { code: 'INVALID_STATE' } });

    expect((await call(url.prosumers, 'GET', `/api/accounts/${prosumer.accountId}/earnings`, { token: prosumer.token })).body).toMatchObject({ earned: 80, account: { balance: 80 } });
    expect((await call(url.operators, 'GET', '/api/purchases', { token: staff.operators })).body).toMatchObject({ deliveredWh: 4_000, purchases: [expect.objectContaining({ offerId, prosumerId: prosumer.prosumerId })] });
    const settlements = await call<{ entries: { reason: string; amount: number }[] }>(url.operators, 'GET', `/api/accounts/${operatorAccount}/settlements`, { token: staff.operators });
    expect(settlements.body.entries.map((entry) => [entry.reason, entry.amount])).toEqual(expect.arrayContaining([['trade-escrow', -120], ['trade-refund', 40]]));
  });
});

describe('the prosumers’ service', () => {
  it('refuses offers the chaincode refuses, with its code: no meter at the export point (404), another’s account (403), an id taken (409), a window in the past (422)', async () => {
    const prosumer = await aProsumer();
    const other = await aProsumer();
    const start = Date.now() + 60_000;
    const post = (body: Record<string, unknown>) => call(url.prosumers, 'POST', '/api/offers', { token: prosumer.token, body });
    expect(await post(anOffer(prosumer, start, { exportPointId: 'X9' }))).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    expect(await post(anOffer(prosumer, start, { prosumerAccountId: other.accountId }))).toMatchObject({ status: 403, body: { code: 'ACCESS_DENIED' } });
    expect((await post(anOffer(prosumer, start, { offerId: `o-${prosumer.prosumerId}` }))).status).toBe(201);
    expect(await post(anOffer(prosumer, start, { offerId: `o-${prosumer.prosumerId}` }))).toMatchObject({ status: 409, body: { code: 'ALREADY_EXISTS' } });
    expect(await post(anOffer(prosumer, Date.now() - 60_000))).toMatchObject({ status: 422, body: { code: 'BAD_REQUEST' } });
    expect((await post({ ...anOffer(prosumer, start), energyWh: '10000' })).status).toBe(400);
  });

  it('shows a prosumer only its own offers and account (403), and answers 401 without a session', async () => {
    const prosumer = await aProsumer();
    const other = await aProsumer();
    const offer = await call<{ offerId: string }>(url.prosumers, 'POST', '/api/offers', { token: prosumer.token, body: anOffer(prosumer, Date.now() + 60_000) });
    const offerId = offer.body.offerId;
    expect((await call(url.prosumers, 'GET', `/api/offers/${offerId}`, { token: prosumer.token })).status).toBe(200);
    expect((await call(url.prosumers, 'GET', `/api/offers/${offerId}`, { token: other.token })).status).toBe(403);
    expect((await call(url.prosumers, 'GET', `/api/accounts/${prosumer.accountId}/earnings`, { token: other.token })).status).toBe(403);
    expect((await call(url.prosumers, 'POST', `/api/offers/${offerId}/settlement`, { token: other.token, body: { ocmfRecords: [] } })).status).toBe(403);
    expect((await call<{ offers: unknown[] }>(url.prosumers, 'GET', '/api/offers', { token: other.token })).body.offers).toEqual([]);
    expect((await call(url.prosumers, 'GET', '/api/offers/o-nobody', { token: prosumer.token })).status).toBe(404);
    for (const [method, route] of [['GET', '/api/offers'], ['POST', '/api/offers'], ['GET', `/api/offers/${offerId}`], ['POST', `/api/offers/${offerId}/settlement`], ['GET', `/api/accounts/${prosumer.accountId}/earnings`]] as const) {
      expect([route, (await call(url.prosumers, method, route, { body: method === 'POST' ? {} : undefined })).status]).toEqual([route, 401]);
    }
    expect((await call(url.prosumers, 'POST', '/api/prosumers', { body: { username: 'solar-1', password: 'a long password 1' } })).status).toBe(409);
    expect((await call(url.operators, 'GET', '/api/offers', { token: prosumer.token })).status).toBe(401);
  });
});

describe('the operators’ service', () => {
  const aStation = (stationId: string, payeeAccountId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
    stationId,
    payeeAccountId,
    latMicroDeg: 52_520_008,
    lonMicroDeg: 13_404_954,
    evses: [{ evseId: '1', connectors: [{ connectorId: '1', type: 'IEC_62196_T2', maxPowerW: 22_000 }] }],
    minimumHold: 500,
    ...overrides,
  });
  const aTariff = (id: string): Record<string, unknown> => ({
    id,
    version: 1,
    currency: 'EUR',
    utcOffsetMinutes: 60,
    vatBasisPoints: 1900,
    elements: [{ priceComponents: [{ type: 'ENERGY', priceMicro: 390_000, stepSize: 1 }] }],
  });

  it('registers the operator’s stations and tariffs, and lists only those', async () => {
    const payee = await anOperatorAccount(0);
    expect(await call(url.operators, 'POST', '/api/tariffs', { token: staff.operators, body: { tariff: aTariff('AC-1') } })).toMatchObject({ status: 201, body: { tariffId: 'AC-1', version: 1, operatorId: 'op-1' } });
    const station = await call(url.operators, 'POST', '/api/stations', { token: staff.operators, body: aStation('CP-1', payee, { tariffId: 'AC-1' }) });
    expect(station).toMatchObject({ status: 201, body: { stationId: 'CP-1', operatorId: 'op-1', tariffId: 'AC-1', policy: { minimumHold: 500 } } });
    expect((await call(url.operators, 'GET', '/api/stations', { token: staff.operators })).body).toEqual({ stations: [expect.objectContaining({ stationId: 'CP-1' })] });
    expect((await call(url.operators, 'PATCH', '/api/stations/CP-1', { token: staff.operators, body: { minimumHold: 800 } })).body).toMatchObject({ policy: { minimumHold: 800 } });
    expect((await call(url.operators, 'GET', '/api/tariffs', { token: staff.operators })).body).toEqual({ tariffs: [expect.objectContaining({ tariffId: 'AC-1' })] });
    // This stack gives the services no CSMS key: the chargers are listed, their live state unknown and why.
    expect((await call(url.operators, 'GET', '/api/chargers', { token: staff.operators })).body).toEqual({ chargers: [{ stationId: 'CP-1', live: { known: false, why: 'no-key' }, sessions: [] }] });
  });

  it('publishes an OCPI 2.2.1 Tariff object unchanged with its time zone, serves it back as one, and names the field it refuses', async () => {
    // OCPI 2.2.1, example tariff_9: a 0.50 start fee and 0.25 per kWh.
    const ocpi = {
      country_code: 'DE',
      party_id: 'ALL',
      id: '17',
      currency: 'EUR',
      elements: [{ price_components: [{ type: 'FLAT', price: 0.5, vat: 20.0, step_size: 1 }, { type: 'ENERGY', price: 0.25, vat: 10.0, step_size: 1 }] }],
      last_updated: '2018-12-17T11:36:01Z',
    };
    const published = await call(url.operators, 'POST', '/api/tariffs', { token: staff.operators, body: { tariff: ocpi, timeZone: 'Europe/Berlin' } });
    expect(published).toMatchObject({ status: 201, body: { tariffId: '17', version: 1, pricingRules: 2, timeZone: 'Europe/Berlin', tariff: ocpi } });
    expect((await call(url.operators, 'GET', '/api/tariffs/17', { token: staff.operators })).body).toMatchObject({ version: 1, timeZone: 'Europe/Berlin', tzdb: expect.stringMatching(/^20[0-9]{2}[a-z]$/), tariff: ocpi });
    expect((await call(url.operators, 'GET', '/api/tariffs', { token: staff.operators })).body).toMatchObject({ tariffs: expect.arrayContaining([expect.objectContaining({ tariffId: '17', tariff: ocpi })]) });
    const byCurrent = { ...ocpi, elements: [{ ...ocpi.elements[0], restrictions: { max_current: 32.0 } }] };
    const refused = await call<{ code: string; reason: string }>(url.operators, 'POST', '/api/tariffs', { token: staff.operators, body: { tariff: byCurrent, timeZone: 'Europe/Berlin' } });
    expect(refused).toMatchObject({ status: 422, body: { code: 'TARIFF_INVALID', reason: expect.stringContaining('UNSUPPORTED at tariff.elements[0].restrictions.max_current') } });
  });

  it('lists what the ledger knows, leaving out ids the service remembers from when its data folder served another ledger', async () => {
    const payee = await anOperatorAccount(0);
    expect((await call(url.operators, 'POST', '/api/tariffs', { token: staff.operators, body: { tariff: aTariff('AC-KEPT') } })).status).toBe(201);
    expect((await call(url.operators, 'POST', '/api/stations', { token: staff.operators, body: aStation('CP-KEPT', payee, { tariffId: 'AC-KEPT' }) })).status).toBe(201);
    await stack.restart('operators', async (storeFile) => {
      const remembered = [
        { op: 'remember', list: 'tariffs:op-1', id: 'AC-ELSEWHERE' },
        { op: 'remember', list: 'stations:op-1', id: 'CP-ELSEWHERE' },
      ];
      await appendFile(storeFile, remembered.map((change) => `${JSON.stringify(change)}\n`).join(''));
    });
    staff.operators = await stack.staffToken('operators');
    const tariffs = (await call<{ tariffs: { tariffId: string }[] }>(url.operators, 'GET', '/api/tariffs', { token: staff.operators })).body.tariffs.map((tariff) => tariff.tariffId);
    expect(tariffs).toContain('AC-KEPT');
    expect(tariffs).not.toContain('AC-ELSEWHERE');
    const stations = (await call<{ stations: { stationId: string }[] }>(url.operators, 'GET', '/api/stations', { token: staff.operators })).body.stations.map((station) => station.stationId);
    expect(stations).toContain('CP-KEPT');
    expect(stations).not.toContain('CP-ELSEWHERE');
  });

  it('answers the chaincode’s refusals: a station id taken (409), another operator’s station or account (403), an unknown one (404), an invalid tariff (422)', async () => {
    const payee = await anOperatorAccount(0);
    expect((await call(url.operators, 'POST', '/api/stations', { token: staff.operators, body: aStation('CP-2', payee) })).status).toBe(201);
    expect(await call(url.operators, 'POST', '/api/stations', { token: staff.operators, body: aStation('CP-2', payee) })).toMatchObject({ status: 409, body: { code: 'ALREADY_EXISTS' } });
    // Another operator: op-2, through its own organization (ADR 0038).
    const rival = stack.ledgerAs('Operators2MSP', { 'chargeledger.operatorId': 'op-2' });
    await stack.ledgerAs('WalletsMSP').submit('Wallet:openAccount', { eventId: 'evt-rival-acc', accountId: 'acc-rival', kind: 'operator', ownerId: 'op-2', currency: 'EUR' });
    await rival.submit('Registry:registerStation', { eventId: 'evt-rival-st', stationId: 'CP-RIVAL', payeeAccountId: 'acc-rival', latMicroDeg: 0, lonMicroDeg: 0, evses: [{ evseId: '1', connectors: [{ connectorId: '1', type: 'IEC_62196_T2', maxPowerW: 11_000 }] }], policy: { minimumHold: 1 } });
    expect((await call(url.operators, 'GET', '/api/stations/CP-RIVAL', { token: staff.operators })).status).toBe(403);
    expect(await call(url.operators, 'PATCH', '/api/stations/CP-RIVAL', { token: staff.operators, body: { minimumHold: 1 } })).toMatchObject({ status: 403, body: { code: 'ACCESS_DENIED' } });
    expect((await call(url.operators, 'GET', '/api/accounts/acc-rival/settlements', { token: staff.operators })).status).toBe(403);
    expect(await call(url.operators, 'GET', '/api/stations/CP-NONE', { token: staff.operators })).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    expect(await call(url.operators, 'POST', '/api/tariffs', { token: staff.operators, body: { tariff: { ...aTariff('AC-BAD'), currency: 'euro' } } })).toMatchObject({ status: 422, body: { code: 'TARIFF_INVALID' } });
    expect(await call(url.operators, 'POST', '/api/offers/o-none/acceptances', { token: staff.operators, body: { operatorAccountId: payee, energyWh: 1 } })).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    for (const [method, route] of [['GET', '/api/stations'], ['POST', '/api/stations'], ['GET', '/api/stations/CP-2'], ['PATCH', '/api/stations/CP-2'], ['POST', '/api/tariffs'], ['GET', '/api/tariffs'], ['GET', '/api/offers'], ['POST', '/api/offers/o-1/acceptances'], ['GET', '/api/purchases'], ['GET', '/api/chargers'], ['GET', `/api/accounts/${payee}/settlements`]] as const) {
      expect([route, (await call(url.operators, method, route, { body: method === 'GET' ? undefined : {} })).status]).toEqual([route, 401]);
    }
  });
});

describe('the Authority’s service', () => {
  it('registers, rotates and revokes meter keys, lists meters with their history, and passes refusals on', async () => {
    const meter = new ExportMeter('PV-METER-1');
    const next = new ExportMeter('PV-METER-1');
    const body = { meterSerial: meter.serial, binding: { kind: 'export-point', prosumerId: 'pro-9', exportPointId: 'X1' }, keyId: 'k1', publicKey: meter.publicKey };
    expect(await call(url.authority, 'POST', '/api/meters', { token: staff.authority, body: { ...body, binding: { kind: 'evse', stationId: 'CP-NONE', evseId: '1' } } })).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    expect((await call(url.authority, 'POST', '/api/meters', { token: staff.authority, body })).status).toBe(201);
    expect(await call(url.authority, 'POST', '/api/meters', { token: staff.authority, body })).toMatchObject({ status: 409, body: { code: 'ALREADY_EXISTS' } });
    expect((await call(url.authority, 'POST', `/api/meters/${meter.serial}/keys`, { token: staff.authority, body: { keyId: 'k2', publicKey: next.publicKey } })).status).toBe(201);
    expect((await call(url.authority, 'DELETE', `/api/meters/${meter.serial}/keys/k1`, { token: staff.authority })).status).toBe(200);
    const listed = await call<{ meters: { meterSerial: string; keys: { keyId: string; status: string }[] }[] }>(url.authority, 'GET', '/api/meters', { token: staff.authority });
    expect(listed.body.meters.find((m) => m.meterSerial === meter.serial)?.keys.map((key) => [key.keyId, key.status])).toEqual([
      ['k1', 'revoked'],
      ['k2', 'current'],
    ]);
    expect(await call(url.authority, 'GET', '/api/meters/NO-SUCH-METER', { token: staff.authority })).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    expect((await call(url.authority, 'POST', '/api/meters', { token: staff.authority, body: { ...body, binding: { kind: 'export-point', prosumerId: 'pro-9' } } })).status).toBe(400);
    for (const [method, route] of [['GET', '/api/meters'], ['POST', '/api/meters'], ['GET', `/api/meters/${meter.serial}`], ['POST', `/api/meters/${meter.serial}/keys`], ['DELETE', `/api/meters/${meter.serial}/keys/k2`]] as const) {
      expect([route, (await call(url.authority, method, route, { body: method === 'POST' ? {} : undefined })).status]).toEqual([route, 401]);
    }
  });
});

// Last: the purchases it makes would show in the operator's purchases the tests above list.
describe('an energy trade worth less than a cent', () => {
  it('refuses with 422 a trade whose price rounds to zero, and escrows 149 Wh at 0.10 EUR/kWh as one cent', async () => {
    const prosumer = await aProsumer();
    const operatorAccount = await anOperatorAccount();
    const posted = await call<{ offerId: string }>(url.prosumers, 'POST', '/api/offers', { token: prosumer.token, body: anOffer(prosumer, Date.now() + 60_000, { priceMicroPerKWh: 100_000 }) });
    expect(posted.status).toBe(201);
    const accept = (energyWh: number) => call(url.operators, 'POST', `/api/offers/${posted.body.offerId}/acceptances`, { token: staff.operators, body: { operatorAccountId: operatorAccount, energyWh } });
    expect(await accept(49)).toMatchObject({ status: 422, body: { error: 'AmountTooSmall', message: expect.stringContaining('at least 50 Wh') } });
    expect(await accept(149)).toMatchObject({ status: 201, body: { acceptedWh: 149, escrowAmount: 1 } });
  });
});
