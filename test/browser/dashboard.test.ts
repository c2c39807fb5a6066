import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Receipt } from '@chargeledger/chaincode/api';
import { loadConfig } from '@chargeledger/config';
import { LedgerRefusal } from '@chargeledger/ledger-client';
import { type RunningBridge, startBridge } from '@chargeledger/ledger-bridge';
import { ledgerQueueNames } from '@chargeledger/ledger-queue';
import { type ChargePoint, createChargePoint, loadTemplate, ManualClock } from '@chargeledger/simulators';
import { Redis } from 'ioredis';
import pino from 'pino';
import { parseProof, verifyProof } from '@chargeledger/verifier';
import { call, ExportMeter, ParticipantsStack } from '../integration/participants-support';
import { StripeApiStandIn } from '../support/stripe-api-stand-in';
import { adminRequest, LEDGER_QUERIES, provisionCharger, READER_KEY, RECORDS_KEY, type RunningCsms, startCsms } from '../support/csms';

/**
 * The dashboard in Debian's chromium, against the four participants' services on an embedded ledger, a real
 * CSMS (the stack's Redis) and a real ledger bridge: sign-up with a role, a driver's wallet, the stations
 * nearby with their live availability, and the bill of a session charged on a simulated charger and settled
 * by the ledger; a prosumer's sale, the operator's and the Authority's views. Each page is saved to
 * docs/screenshots.
 */

const SCREENSHOTS = path.resolve(__dirname, '..', '..', 'docs', 'screenshots');
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const CHARGER = 'CP-7';
const CHARGER_PASSWORD = 'a-long-charger-password';
const CARD = '04AABBCCDDEE01';

let stack: ParticipantsStack;
let stripe: StripeApiStandIn;
let csms: RunningCsms;
let bridge: RunningBridge;
let bridgeConnection: Redis;
let chargePoint: ChargePoint | undefined;
let browser: Browser;
let page: Page;
beforeAll(async () => {
  csms = await startCsms();
  // The services read the CSMS with a read-only key, as `npm start` gives them one.
  stripe = await StripeApiStandIn.start();
  stack = await ParticipantsStack.start(['wallets', 'operators', 'prosumers', 'authority'], { csms: { url: csms.url, readOnlyKey: READER_KEY, recordsKey: RECORDS_KEY }, env: stripe.env() });
  // The bridge as its main wires it, on the CSMS's queues, acting for operator op-1 on the embedded ledger.
  const { redis } = loadConfig();
  bridgeConnection = new Redis({ host: redis.host, port: redis.port, maxRetriesPerRequest: null });
  bridge = startBridge({
    connection: bridgeConnection,
    prefix: csms.prefix,
    names: ledgerQueueNames({ ledgerEvents: csms.queue.name, ledgerOutcomes: 'ledger-outcomes', ledgerQueries: LEDGER_QUERIES }),
    ledger: stack.ledgerAs('OperatorsMSP', { 'chargeledger.operatorId': 'op-1' }),
    log: pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' }),
    concurrency: 4,
    queryConcurrency: 2,
    orderingDelayMs: 50,
    settlementBatch: loadConfig().bridge.settlementBatch,
    progressAuditMs: loadConfig().bridge.progressAuditMs,
    retention: loadConfig().queue.retention,
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await chargePoint?.close();
  await bridge?.close();
  bridgeConnection?.disconnect();
  await stack?.close();
  await stripe?.close();
  await csms?.stop();
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
const accountInPage = async (): Promise<string> => (await page.evaluate("JSON.parse(sessionStorage.getItem('chargeledger.session') || '{}').user.party")) as string;

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

/** A call to one organization's service as its first member of staff; 201 expected. */
async function asStaff(organization: 'wallets' | 'operators' | 'authority', route: string, body: unknown): Promise<void> {
  const reply = await call(stack.url(organization), 'POST', route, { token: await stack.staffToken(organization), body });
  if (reply.status !== 201) throw new Error(`${organization} ${route}: ${reply.status} ${JSON.stringify(reply.body)}`);
}

/**
 * The deployment before a charger's first session, each organization through its own participants' service:
 * Wallets opens the operator's payee account, the operator publishes its tariff and registers the station
 * (the charger's OCPP identity, its two AC EVSEs), the Authority registers the key of EVSE 1's meter (the
 * simulator names it `<serial>-M1`). The CSMS provisions the charger and the operator issues the card there.
 */
async function aChargerDeployed(accountId: string): Promise<{ chargePoint: ChargePoint; clock: ManualClock }> {
  const template = loadTemplate('voltbridge-ac22-duo');
  const clock = new ManualClock(Date.now());
  await provisionCharger(csms, CHARGER, CHARGER_PASSWORD);
  const charger = createChargePoint({ protocol: '2.0.1', identity: CHARGER, serialNumber: CHARGER, endpoint: csms.ocppEndpoint, password: CHARGER_PASSWORD, template, clock, backoff: { initialDelayMs: 20, maxDelayMs: 100, factor: 2, jitter: 0 } });
  await asStaff('wallets', '/api/accounts', { accountId: 'payee-op-1', kind: 'operator', ownerId: 'op-1', currency: 'EUR' });
  await asStaff('operators', '/api/tariffs', { tariff: { id: 'AC-DAY', version: 1, currency: 'EUR', utcOffsetMinutes: 60, vatBasisPoints: 1900, elements: [{ priceComponents: [{ type: 'ENERGY', priceMicro: 390_000, stepSize: 1 }] }] } });
  const evses = template.evses.map((evse, e) => ({ evseId: String(e + 1), connectors: evse.connectors.map((connector, c) => ({ connectorId: String(c + 1), type: 'IEC_62196_T2', maxPowerW: connector.maxPowerW })) }));
  await asStaff('operators', '/api/stations', { stationId: CHARGER, payeeAccountId: 'payee-op-1', latMicroDeg: 52_525_000, lonMicroDeg: 13_410_000, evses, minimumHold: 500, tariffId: 'AC-DAY' });
  await asStaff('authority', '/api/meters', { meterSerial: `${CHARGER}-M1`, binding: { kind: 'evse', stationId: CHARGER, evseId: '1' }, keyId: 'k1', publicKey: charger.meterPublicKey(1) });
  const issued = await adminRequest(csms, 'PUT', `/api/id-tokens/${CARD}`, { accountId });
  if (issued.status !== 204) throw new Error(`issuing the card at the CSMS: ${issued.status} ${issued.body}`);
  // The charger's sessions start after the deployment: the tariff in force is the one just published.
  await clock.advance(Math.max(0, Date.now() - clock.now()) + 1_000);
  return { chargePoint: charger, clock };
}

/** The receipt the ledger wrote when the bridge closed the session; polled, as the bridge applies events in its own time. */
async function receiptOnLedger(sessionId: string): Promise<Receipt> {
  const operator = stack.ledgerAs('OperatorsMSP', { 'chargeledger.operatorId': 'op-1' });
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      return await operator.evaluate('Session:getReceipt', { sessionId });
    } catch (error) {
      if (!(error instanceof LedgerRefusal && error.code === 'NOT_FOUND') || Date.now() > deadline) throw error;
    }
    await sleep(100);
  }
}

/** Asks the dashboard for the stations again until the table says `text` (the CSMS learns connector statuses as the charger sends them). */
async function findStationsUntil(text: string): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    await page.locator('#find-stations button').click();
    await page.locator('#find-stations .ok').waitFor();
    const table = (await page.locator('#stations-table tbody').textContent()) ?? '';
    if (table.includes(text) || Date.now() > deadline) return table;
    await sleep(200);
  }
}

describe('the dashboard', () => {
  it('lets a driver sign up, top up, link a card, find the nearest station live, charge on a simulated charger and see the bill the ledger computed', async () => {
    await shoot('sign-up');
    await signUp('driver', 'erika');
    await expect(page.locator('#balance').textContent()).resolves.toBe('0.00 EUR');
    await page.locator('#top-up input[name=amount]').fill('25');
    await page.locator('#top-up button').click();
    const asked = (await page.locator('#top-up .ok').textContent()) ?? '';
    const paymentId = /payment (pi_\w+)/.exec(asked)?.[1] ?? '';
    await expect(page.locator('#balance').textContent()).resolves.toBe('0.00 EUR');
    // The card payment succeeds at the provider, which tells Wallets with a signed webhook: only that credits.
    const succeeded = stripe.succeed(paymentId);
    const delivered = await fetch(`${stack.url('wallets')}/api/payments/stripe/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': stripe.sign(succeeded.payload) }, body: succeeded.payload });
    expect(delivered.status).toBe(200);
    await page.reload();
    await page.locator('#balance', { hasText: '25.00 EUR' }).waitFor();
    await page.locator('#link-card input[name=idToken]').fill(CARD);
    await page.locator('#link-card button').click();
    await page.locator('#link-card .ok', { hasText: 'confirm' }).waitFor();
    const accountId = await accountInPage();
    // Wallets' staff confirm the driver's card request (decision 0030): only then is the card linked on the ledger.
    const staffToken = await stack.staffToken('wallets');
    const requests = await call<{ requests: { requestRef: string; accountId: string }[] }>(stack.url('wallets'), 'GET', '/api/card-requests', { token: staffToken });
    const cardRequest = requests.body.requests.find((request) => request.accountId === accountId);
    expect((await call(stack.url('wallets'), 'POST', `/api/card-requests/${cardRequest?.requestRef ?? ''}/confirmation`, { token: staffToken, body: {} })).status).toBe(201);

    const deployed = await aChargerDeployed(accountId);
    chargePoint = deployed.chargePoint;
    // Before the charger connects, the CSMS knows it but it is offline.
    await expect(findStationsUntil('offline')).resolves.toMatch(/CP-7.*km.*offline.*AC-DAY v1/);
    await expect(chargePoint.connect()).resolves.toBe('Accepted');
    await expect(findStationsUntil('1/1: Available')).resolves.toMatch(/CP-7.*online · 1\/1: Available, 2\/1: Available.*AC-DAY v1/);

    // The driver plugs in and presents the card; the charger meters ten minutes and the driver stops.
    await chargePoint.plugIn(1, { batteryCapacityWh: 60_000, initialSocPercent: 20, maxPowerW: 11_000 });
    const start = await chargePoint.authorizeAndStart(CARD, 1);
    if (!start.accepted) throw new Error(`the CSMS refused the card: ${start.status}`);
    const sessionId = `${CHARGER}-${start.transactionId ?? ''}`;
    await expect(findStationsUntil('1/1: Occupied')).resolves.toMatch(/online · 1\/1: Occupied, 2\/1: Available/);
    await chargePoint.advance(10 * 60_000);
    await chargePoint.stop('Local', 1);
    await chargePoint.settle();
    const receipt = await receiptOnLedger(sessionId);
    expect(receipt.verification).toBe('verified');
    expect(receipt.driverAccountId).toBe(accountId);
    expect(receipt.charged).toBeGreaterThan(0);

    await page.reload();
    const bill = page.locator('#receipts tbody tr').first();
    await expect(bill.textContent()).resolves.toContain(sessionId);
    await expect(bill.textContent()).resolves.toContain(`${(receipt.charged / 100).toFixed(2)} EUR`);
    await expect(bill.textContent()).resolves.toContain(receipt.txId);
    await expect(bill.textContent()).resolves.toContain(`${(receipt.energyWh / 1000).toFixed(3)} kWh`);
    await expect(page.locator('#balance').textContent()).resolves.toBe(`${((2500 - receipt.charged) / 100).toFixed(2)} EUR`);

    // The bill's proof, as the driver downloads it, verifies without the operator: the blocks, the signatures, the meter's records and the price.
    const proofRoute = `${stack.url('wallets')}/api/accounts/${accountId}/receipts/${sessionId}/proof`;
    const authorization = { authorization: `Bearer ${await tokenInPage()}` };
    const proofReply = await fetch(proofRoute, { headers: authorization });
    expect(proofReply.headers.get('content-disposition')).toBe(`attachment; filename="${sessionId}.proof.json"`);
    const verdict = verifyProof(parseProof(await proofReply.text()));
    expect(verdict.checks.filter((check) => !check.ok)).toEqual([]);
    expect(verdict.receipt).toMatchObject({ sessionId, charged: receipt.charged, recomputedPrice: receipt.priced, transactionId: receipt.txId });
    // The same file from the bill's own link, as the browser saves it.
    const [download] = await Promise.all([page.waitForEvent('download'), bill.locator('button', { hasText: 'proof' }).click()]);
    expect(download.suggestedFilename()).toBe(`${sessionId}.proof.json`);
    expect(verifyProof(parseProof(await readFile((await download.path()) as string, 'utf8'))).verified).toBe(true);
    const xmlReply = await fetch(`${proofRoute}?format=transparency-xml`, { headers: authorization });
    expect(xmlReply.headers.get('content-type')).toBe('application/xml; charset=utf-8');
    expect(await xmlReply.text()).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<values>\n {2}<value transactionId="[0-9]+" context="Transaction.Begin">\n {4}<signedData format="OCMF" encoding="plain">OCMF\|/);
    await page.locator('#find-stations button').click();
    await page.locator('#find-stations .ok').waitFor();
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
    // The energy sold per day, as a bar carrying the delivered Wh the export meter signed.
    await expect(page.evaluate("[...document.querySelectorAll('#sold-chart g.bar')].map((g) => Number(g.dataset.value))")).resolves.toEqual([4000]);
    await shoot('prosumer');

    await page.locator('#sign-out').click();
    await signInAsStaff('operators');
    await page.locator('#account-form input[name=accountId]').fill('acc-op-1');
    await page.locator('#account-form button').click();
    await page.locator('#operator-balance').waitFor();
    await expect(page.locator('#operator-balance').textContent()).resolves.toBe('99.20 EUR');
    await expect(page.locator('#delivered').textContent()).resolves.toBe('4.000 kWh');
    await expect(page.locator('#purchases-table tbody').textContent()).resolves.toContain('offer-roof-1');
    // The energy bought, table and all, stays inside its card.
    await expect(page.evaluate("(() => { const card = document.querySelector('#purchases').getBoundingClientRect(); const table = document.querySelector('#purchases-table').getBoundingClientRect(); return table.right <= card.right && table.left >= card.left; })()")).resolves.toBe(true);
    // The charger of the first test, live from the CSMS, with the session charged there.
    await expect(page.locator('#chargers-table tbody').textContent()).resolves.toMatch(/CP-7.*online · 1\/1: (Available|Occupied), 2\/1: Available.*CP-7-\S+ EVSE 1 \d+\.\d{3} kWh (ended|settled)/);
    // How far the ledger bridge is behind, from the CSMS's queue: the bridge of this test has applied everything.
    await expect(page.locator('#ledger-lag').textContent()).resolves.toMatch(/^(up to date|\d+ event\(s\) waiting, the oldest for [\d.]+ s) · Redis \d+ MB(, no limit| of \d+ MB) · new sessions accepted$/);
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
