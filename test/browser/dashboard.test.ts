import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium, type Browser, type Page } from 'playwright-core';
import { TRANSIENT_KEYS } from '@chargeledger/chaincode/api';
import { call, ExportMeter, ParticipantsStack } from '../integration/participants-support';

/**
 * The dashboard in Debian's chromium, against the four participants' services on an embedded ledger: sign-up
 * with a role, a driver's wallet and bill after a session the ledger settled, a prosumer's sale, the
 * operator's and the Authority's views. Each page is saved to docs/screenshots.
 */

const SCREENSHOTS = path.resolve(__dirname, '..', '..', 'docs', 'screenshots');
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

let stack: ParticipantsStack;
let browser: Browser;
let page: Page;
beforeAll(async () => {
  stack = await ParticipantsStack.start(['wallets', 'operators', 'prosumers', 'authority']);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});
beforeEach(async () => {
  page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  // The dashboard is opened at the Wallets service; other roles' calls go to their own organization's service.
  await page.goto(stack.url('wallets'));
});
afterEach(async () => {
  await page.close();
});

const shoot = (name: string): Promise<Buffer> => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
// Read in the page as source text: this project's TypeScript knows no DOM.
const tokenInPage = async (): Promise<string> => (await page.evaluate("JSON.parse(sessionStorage.getItem('chargeledger.session') || '{}').token")) as string;

async function signUp(role: 'driver' | 'prosumer', username: string): Promise<void> {
  const form = page.locator('#sign-up');
  await form.locator('select[name=role]').selectOption(role);
  await form.locator('input[name=username]').fill(username);
  await form.locator('input[name=password]').fill('a long password 1');
  if (role === 'driver') {
    await form.locator('input[name=name]').fill('Erika Mustermann');
    await form.locator('input[name=email]').fill('erika@example.org');
  }
  await form.locator('button').click();
}

async function signInAsStaff(organization: 'operators' | 'authority'): Promise<void> {
  const password = (await readFile(path.join(stack.dataDir, 'participants', `${organization}-admin-password`), 'utf8')).trim();
  const form = page.locator('#sign-in');
  await form.locator('select[name=role]').selectOption(organization === 'operators' ? 'operator-staff' : 'authority-staff');
  await form.locator('input[name=username]').fill(`${organization}-admin`);
  await form.locator('input[name=password]').fill(password);
  await form.locator('button').click();
}

/** What the ledger bridge does for a session the CSMS reported: resolve the card, open, close with the meter's signed records. */
async function aSettledSession(stationId: string, meter: ExportMeter, idToken: string): Promise<string> {
  const operator = stack.ledgerAs('OperatorsMSP', { 'chargeledger.operatorId': 'op-1' });
  const resolved = await operator.evaluate('Wallet:resolveIdToken', {}, { endorsingOrganizations: ['WalletsMSP'], transient: { [TRANSIENT_KEYS.idToken]: idToken } });
  const sessionId = `${stationId}-1`;
  const startedAtMs = Date.now();
  await operator.submit('Session:openSession', { eventId: 'evt-open-1', sessionId, stationId, evseId: '1', connectorId: '1', driverAccountId: resolved.accountId, tokenRef: resolved.tokenRef }, { transient: { [TRANSIENT_KEYS.tokenProof]: resolved.tokenProof } });
  // The meter's end reading lies ahead of the wall clock, within the clock skew the ledger allows.
  const records = meter.delivery({ timeMs: startedAtMs, registerWh: 1_000_000 }, { timeMs: startedAtMs + 10 * 60_000, deliveredWh: 2_500 });
  await operator.submit('Session:closeSession', { eventId: 'evt-close-1', sessionId, evidence: { kind: 'ocmf' } }, { transient: { [TRANSIENT_KEYS.ocmfRecords]: JSON.stringify(records) } });
  return sessionId;
}

describe('the dashboard', () => {
  it('lets a driver sign up, top up, link a card, find the nearest station and see the bill the ledger computed', async () => {
    await shoot('sign-up');
    await signUp('driver', 'erika');
    await expect(page.locator('#balance').textContent()).resolves.toBe('0.00 EUR');
    await page.locator('#top-up input[name=amount]').fill('25');
    await page.locator('#top-up button').click();
    await page.locator('#balance', { hasText: '25.00 EUR' }).waitFor();
    await page.locator('#link-card input[name=idToken]').fill('04AABBCCDDEE01');
    await page.locator('#link-card button').click();
    await page.locator('#link-card .ok').waitFor();

    // The operator's station with its tariff and the meter the Authority registered for its EVSE 1.
    const wallets = stack.ledgerAs('WalletsMSP');
    const operator = stack.ledgerAs('OperatorsMSP', { 'chargeledger.operatorId': 'op-1' });
    await wallets.submit('Wallet:openAccount', { eventId: 'evt-payee', accountId: 'payee-CP-7', kind: 'operator', ownerId: 'op-1', currency: 'EUR' });
    await operator.submit('Tariff:publishTariff', { eventId: 'evt-tariff', tariff: { id: 'AC-DAY', version: 1, currency: 'EUR', utcOffsetMinutes: 60, vatBasisPoints: 1900, elements: [{ priceComponents: [{ type: 'ENERGY', priceMicro: 390_000, stepSize: 1 }] }] } });
    await operator.submit('Registry:registerStation', { eventId: 'evt-station', stationId: 'CP-7', payeeAccountId: 'payee-CP-7', latMicroDeg: 52_525_000, lonMicroDeg: 13_410_000, evses: [{ evseId: '1', connectors: [{ connectorId: '1', type: 'IEC_62196_T2', maxPowerW: 22_000 }] }], policy: { minimumHold: 500 }, tariffId: 'AC-DAY' });
    const meter = new ExportMeter('CP-7-M1');
    await stack.ledgerAs('AuthorityMSP').submit('Registry:registerMeter', { eventId: 'evt-meter', meterSerial: meter.serial, binding: { kind: 'evse', stationId: 'CP-7', evseId: '1' }, keyId: 'k1', publicKey: meter.publicKey });
    const sessionId = await aSettledSession('CP-7', meter, '04AABBCCDDEE01');
    const receipt = await operator.evaluate('Session:getReceipt', { sessionId });

    await page.reload();
    const bill = page.locator('#receipts tbody tr').first();
    await expect(bill.textContent()).resolves.toContain(sessionId);
    await expect(bill.textContent()).resolves.toContain(`${(receipt.charged / 100).toFixed(2)} EUR`);
    await expect(bill.textContent()).resolves.toContain(receipt.txId);
    await expect(bill.textContent()).resolves.toContain('2.500 kWh');
    await page.locator('#find-stations button').click();
    await page.locator('#stations-table').waitFor();
    await expect(page.locator('#stations-table tbody').textContent()).resolves.toMatch(/CP-7.*km.*AC-DAY v1/);
    await shoot('driver');
  });

  it('shows a prosumer its sale, accepted by an operator, delivered and paid, and the operator the energy it bought', async () => {
    await signUp('prosumer', 'solar-roof');
    const prosumerId = (await page.locator('#prosumer-id').textContent()) ?? '';
    expect(prosumerId).toMatch(/^pro-[0-9a-f]{12}$/);
    const prosumerToken = await tokenInPage();

    const wallets = stack.ledgerAs('WalletsMSP');
    await wallets.submit('Wallet:openAccount', { eventId: 'evt-pro-acc', accountId: 'acc-solar', kind: 'prosumer', ownerId: prosumerId, currency: 'EUR' });
    await wallets.submit('Wallet:openAccount', { eventId: 'evt-op-acc', accountId: 'acc-op-1', kind: 'operator', ownerId: 'op-1', currency: 'EUR' });
    await wallets.submit('Wallet:topUp', { eventId: 'evt-op-top', accountId: 'acc-op-1', amount: 10_000, reference: 'bank-1' });
    const meter = new ExportMeter('PV-ROOF-1');
    await stack.ledgerAs('AuthorityMSP').submit('Registry:registerMeter', { eventId: 'evt-pv-meter', meterSerial: meter.serial, binding: { kind: 'export-point', prosumerId, exportPointId: 'X1' }, keyId: 'k1', publicKey: meter.publicKey });

    await page.locator('#account-form input[name=accountId]').fill('acc-solar');
    await page.locator('#account-form button').click();
    await page.locator('#earned').waitFor();
    const windowStartMs = Date.now() + 3_000;
    const offer = await call<{ offerId: string }>(stack.url('prosumers'), 'POST', '/api/offers', {
      token: prosumerToken,
      body: { offerId: 'offer-roof-1', prosumerAccountId: 'acc-solar', exportPointId: 'X1', energyWh: 10_000, priceMicroPerKWh: 200_000, currency: 'EUR', windowStartMs, windowEndMs: windowStartMs + 1_000, acceptUntilMs: windowStartMs },
    });
    expect(offer.status).toBe(201);
    const operatorToken = await stack.staffToken('operators');
    expect((await call(stack.url('operators'), 'POST', '/api/offers/offer-roof-1/acceptances', { token: operatorToken, body: { operatorAccountId: 'acc-op-1', energyWh: 6_000 } })).status).toBe(201);
    await sleep(Math.max(0, windowStartMs + 1_200 - Date.now()));
    const records = meter.delivery({ timeMs: windowStartMs, registerWh: 50_000 }, { timeMs: windowStartMs + 900, deliveredWh: 4_000 });
    expect((await call(stack.url('prosumers'), 'POST', '/api/offers/offer-roof-1/settlement', { token: prosumerToken, body: { ocmfRecords: records } })).status).toBe(200);

    await page.reload();
    await expect(page.locator('#earned').textContent()).resolves.toBe('0.80 EUR');
    await expect(page.locator('#offers-table tbody').textContent()).resolves.toMatch(/offer-roof-1.*settled.*op-1: 6\.000 kWh settled, delivered 4\.000 kWh, paid 0\.80 EUR/);
    await shoot('prosumer');

    await page.locator('#sign-out').click();
    await signInAsStaff('operators');
    await page.locator('#account-form input[name=accountId]').fill('acc-op-1');
    await page.locator('#account-form button').click();
    await page.locator('#operator-balance').waitFor();
    await expect(page.locator('#operator-balance').textContent()).resolves.toBe('99.20 EUR');
    await expect(page.locator('#delivered').textContent()).resolves.toBe('4.000 kWh');
    await expect(page.locator('#purchases-table tbody').textContent()).resolves.toContain('offer-roof-1');
    await shoot('operator');
  });

  it('shows the Authority its meters and their keys', async () => {
    await signInAsStaff('authority');
    const meter = new ExportMeter('PV-ROOF-9');
    const form = page.locator('#meter-form');
    await form.locator('input[name=meterSerial]').fill(meter.serial);
    await form.locator('input[name=prosumerId]').fill('pro-9');
    await form.locator('input[name=publicKey]').fill(meter.publicKey);
    await form.locator('button').click();
    await page.locator('#meters-table', { hasText: 'PV-ROOF-9' }).waitFor();
    await expect(page.locator('#meters-table tbody').textContent()).resolves.toMatch(/PV-ROOF-9.*prosumer pro-9, export point X1.*k1 current/);
    await shoot('authority');
  });

  it('says why next to the form when the service refuses, and keeps the balance', async () => {
    await signUp('driver', 'max');
    await page.locator('#balance').waitFor();
    // More than one top-up may carry: the browser lets it through, the service's schema does not.
    await page.locator('#top-up input[name=amount]').fill('200000');
    await page.locator('#top-up button').click();
    await page.locator('#top-up .error').waitFor();
    await expect(page.locator('#top-up .error').textContent()).resolves.toContain('amount');
    await expect(page.locator('#balance').textContent()).resolves.toBe('0.00 EUR');
  });
});
