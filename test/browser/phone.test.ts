import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import type { Receipt } from '@chargeledger/chaincode/api';
import { priceMeasurement, validateTariff } from '@chargeledger/chaincode/pricing';
import { loadConfig } from '@chargeledger/config';
import { LedgerRefusal } from '@chargeledger/ledger-client';
import { type RunningBridge, startBridge } from '@chargeledger/ledger-bridge';
import { ledgerQueueNames } from '@chargeledger/ledger-queue';
import { type ChargePoint, createChargePoint, loadTemplate, ManualClock } from '@chargeledger/simulators';
import { parseProof, verifyProof } from '@chargeledger/verifier';
import { Redis } from 'ioredis';
import pino from 'pino';
import { call, ParticipantsStack } from '../integration/participants-support';
import { adminRequest, LEDGER_QUERIES, provisionCharger, READER_KEY, RECORDS_KEY, type RunningCsms, startCsms } from '../support/csms';

/**
 * The dashboard as a driver's phone app, in Debian's chromium at a phone's size (390×844) and a desktop's:
 * installable (its manifest as chromium reads it, the service worker), the running session updating live
 * while a simulated charger meters it, the bill's power and cost curve from the meter's signed readings, the
 * month's spending, the receipt and its proof opened with the network off, and the operator's sales per day
 * and per station. Every chart is checked on the figures it carries, against the ledger's. Screenshots go to
 * docs/screenshots.
 */

const SCREENSHOTS = path.resolve(__dirname, '..', '..', 'docs', 'screenshots');
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1200, height: 900 };
const CHARGER = 'CP-P1';
const CHARGER_PASSWORD = 'a-long-charger-password';
const CARD = '04AABBCCDDEE77';
const PASSWORD = 'a long password 1';
const TARIFF = { id: 'AC-DAY', version: 1, currency: 'EUR', utcOffsetMinutes: 60, vatBasisPoints: 1900, elements: [{ priceComponents: [{ type: 'ENERGY', priceMicro: 390_000, stepSize: 1 }] }] };
const TIME_ZONE = 'Europe/Berlin';

let stack: ParticipantsStack;
let csms: RunningCsms;
let bridge: RunningBridge;
let bridgeConnection: Redis;
let chargePoint: ChargePoint | undefined;
let browser: Browser;
let context: BrowserContext;
let page: Page;
/** The driver's account and the receipt of the session the first test charges; the later tests read them. */
let accountId = '';
let receipt: Receipt | undefined;

beforeAll(async () => {
  csms = await startCsms();
  stack = await ParticipantsStack.start(['wallets', 'operators', 'authority'], { csms: { url: csms.url, readOnlyKey: READER_KEY, recordsKey: RECORDS_KEY } });
  const { redis } = loadConfig();
  bridgeConnection = new Redis({ host: redis.host, port: redis.port, maxRetriesPerRequest: null });
  bridge = startBridge({
    connection: bridgeConnection,
    prefix: csms.prefix,
    names: ledgerQueueNames({ ledgerEvents: csms.queue.name, ledgerOutcomes: 'ledger-outcomes', ledgerQueries: LEDGER_QUERIES }),
    ledger: stack.ledgerAs('OperatorsMSP', { 'chargeledger.operatorId': 'op-1' }),
    log: pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' }),
    progressAuditMs: loadConfig().bridge.progressAuditMs,
    concurrency: 4,
    queryConcurrency: 2,
    orderingDelayMs: 50,
    settlementBatch: loadConfig().bridge.settlementBatch,
    retention: loadConfig().queue.retention,
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
}, 120_000);
afterAll(async () => {
  await context?.close();
  await browser?.close();
  await chargePoint?.close();
  await bridge?.close();
  bridgeConnection?.disconnect();
  await stack?.close();
  await csms?.stop();
});

async function openAt(viewport: { width: number; height: number }): Promise<void> {
  await context?.close();
  context = await browser.newContext({ viewport, timezoneId: TIME_ZONE, serviceWorkers: 'allow', acceptDownloads: true });
  page = await context.newPage();
  await page.goto(stack.url('wallets'));
}
const shoot = (name: string): Promise<Buffer> => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
// Read in the page as source text: this project's TypeScript knows no DOM.
const inPage = <T>(expression: string): Promise<T> => page.evaluate(expression) as Promise<T>;
const tokenInPage = (): Promise<string> => inPage<string>("JSON.parse(sessionStorage.getItem('chargeledger.session') || '{}').token");
/** Whether anything is wider than the window: a page laid out for its size scrolls only down. */
const overflowsSideways = (): Promise<boolean> => inPage<boolean>('document.documentElement.scrollWidth > window.innerWidth');

/** The month (YYYY-MM) or day (YYYY-MM-DD) of an instant in the browser's time zone, as the charts group them. */
function localDate(ms: number): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(ms));
  return parts;
}

/** The manifest as chromium parsed it, and what chromium says keeps the page from being installed. */
async function installability(): Promise<{ manifestErrors: unknown[]; installErrors: unknown[]; manifest: Record<string, unknown> }> {
  const cdp = await context.newCDPSession(page);
  const manifest = (await cdp.send('Page.getAppManifest')) as { errors: unknown[]; data?: string; url: string };
  const installable = (await cdp.send('Page.getInstallabilityErrors')) as { installabilityErrors: unknown[] };
  await cdp.detach();
  return { manifestErrors: manifest.errors, installErrors: installable.installabilityErrors, manifest: JSON.parse(manifest.data ?? '{}') as Record<string, unknown> };
}

/** Installable in chromium: a manifest without errors, icons of the sizes it names, a service worker controlling the page. */
async function expectInstallable(): Promise<void> {
  await page.waitForFunction('navigator.serviceWorker.controller !== null', undefined, { timeout: 20_000 });
  const { manifestErrors, installErrors, manifest } = await installability();
  expect(manifestErrors).toEqual([]);
  // A test's browser context is an incognito one, where chromium installs nothing: that is the only reason allowed.
  expect(installErrors.filter((error) => (error as { errorId: string }).errorId !== 'in-incognito')).toEqual([]);
  expect(manifest).toMatchObject({ name: 'ChargeLedger', start_url: '/', scope: '/', display: 'standalone' });
  for (const icon of manifest['icons'] as { src: string; sizes: string; type: string }[]) {
    const png = Buffer.from(await (await fetch(`${stack.url('wallets')}${icon.src}`)).arrayBuffer());
    // The PNG's own header says its size: width and height at bytes 16 and 20.
    expect(`${png.readUInt32BE(16)}x${png.readUInt32BE(20)}`).toBe(icon.sizes);
    expect(icon.type).toBe('image/png');
  }
}

async function asStaff(organization: 'wallets' | 'operators' | 'authority', route: string, body: unknown): Promise<Record<string, unknown>> {
  const reply = await call(stack.url(organization), 'POST', route, { token: await stack.staffToken(organization), body });
  if (reply.status !== 201 && reply.status !== 200) throw new Error(`${organization} ${route}: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body;
}

/** The driver's money and card, the operator's station with its tariff, the meter's key, the charger at the CSMS; the charger signs every periodic reading. */
async function aStationAndAFundedDriver(): Promise<{ chargePoint: ChargePoint; clock: ManualClock }> {
  const template = loadTemplate('voltbridge-ac22-duo');
  const clock = new ManualClock(Date.now());
  await provisionCharger(csms, CHARGER, CHARGER_PASSWORD);
  const charger = createChargePoint({ protocol: '2.0.1', identity: CHARGER, serialNumber: CHARGER, endpoint: csms.ocppEndpoint, password: CHARGER_PASSWORD, template, clock, settings: { signPeriodicReadings: true, meterValueSampleIntervalS: 60 }, backoff: { initialDelayMs: 20, maxDelayMs: 100, factor: 2, jitter: 0 } });
  await asStaff('wallets', `/api/accounts/${accountId}/bank-transfers`, { amount: 2500, reference: 'bank-phone-1' });
  const driverToken = await tokenInPage();
  expect((await call(stack.url('wallets'), 'POST', `/api/accounts/${accountId}/cards`, { token: driverToken, body: { idToken: CARD } })).status).toBe(202);
  const staffToken = await stack.staffToken('wallets');
  const requests = await call<{ requests: { requestRef: string; accountId: string }[] }>(stack.url('wallets'), 'GET', '/api/card-requests', { token: staffToken });
  const request = requests.body.requests.find((r) => r.accountId === accountId);
  expect((await call(stack.url('wallets'), 'POST', `/api/card-requests/${request?.requestRef ?? ''}/confirmation`, { token: staffToken, body: {} })).status).toBe(201);
  await asStaff('wallets', '/api/accounts', { accountId: 'payee-op-1', kind: 'operator', ownerId: 'op-1', currency: 'EUR' });
  await asStaff('operators', '/api/tariffs', { tariff: TARIFF });
  const evses = template.evses.map((evse, e) => ({ evseId: String(e + 1), connectors: evse.connectors.map((connector, c) => ({ connectorId: String(c + 1), type: 'IEC_62196_T2', maxPowerW: connector.maxPowerW })) }));
  await asStaff('operators', '/api/stations', { stationId: CHARGER, payeeAccountId: 'payee-op-1', latMicroDeg: 52_525_000, lonMicroDeg: 13_410_000, evses, minimumHold: 500, tariffId: 'AC-DAY' });
  await asStaff('authority', '/api/meters', { meterSerial: `${CHARGER}-M1`, binding: { kind: 'evse', stationId: CHARGER, evseId: '1' }, keyId: 'k1', publicKey: charger.meterPublicKey(1) });
  const issued = await adminRequest(csms, 'PUT', `/api/id-tokens/${CARD}`, { accountId });
  if (issued.status !== 204) throw new Error(`issuing the card at the CSMS: ${issued.status} ${issued.body}`);
  await clock.advance(Math.max(0, Date.now() - clock.now()) + 1_000);
  return { chargePoint: charger, clock };
}

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

interface LiveFigures {
  readonly energyWh: number;
  readonly cost: number;
  readonly asOfMs: number;
}
/** The running session as the page shows it now, from the data it drew. */
async function liveInPage(sessionId: string): Promise<LiveFigures | undefined> {
  const figures = await inPage<string[] | null>(`(() => { const e = document.querySelector('.live-session[data-session-id="${sessionId}"]'); return e && [e.dataset.energyWh, e.dataset.cost, e.dataset.asOfMs]; })()`);
  if (figures === null || figures[0] === undefined || figures[0] === '') return undefined;
  return { energyWh: Number(figures[0]), cost: Number(figures[1]), asOfMs: Number(figures[2]) };
}
/** Waits, without reloading, until the page shows more energy than `above`. */
async function liveAbove(sessionId: string, above: number): Promise<LiveFigures> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const figures = await liveInPage(sessionId);
    if (figures !== undefined && figures.energyWh > above) return figures;
    if (Date.now() > deadline) throw new Error(`the page showed ${JSON.stringify(figures)} for ${sessionId}, not more than ${above} Wh`);
    await sleep(200);
  }
}

interface BarFigure {
  readonly key: string;
  readonly value: number;
}
const barsOf = async (chartId: string): Promise<BarFigure[]> =>
  (await inPage<[string, string][]>(`[...document.querySelectorAll('#${chartId} g.bar')].map((g) => [g.dataset.key, g.dataset.value])`)).map(([key, value]) => ({ key, value: Number(value) }));

describe('the dashboard on a phone', () => {
  it('is installable, shows the running session live, and the bill with its power and cost curve, the month\'s spending and the proof, also offline', async () => {
    await openAt(PHONE);
    const form = page.locator('#sign-up');
    await form.locator('select[name=role]').selectOption('driver');
    await form.locator('input[name=username]').fill('erika');
    await form.locator('input[name=password]').fill(PASSWORD);
    await form.locator('input[name=name]').fill('Erika Mustermann');
    await form.locator('input[name=email]').fill('erika@example.org');
    await form.locator('button').click();
    await page.locator('#balance').waitFor();
    accountId = await inPage<string>("JSON.parse(sessionStorage.getItem('chargeledger.session')).user.party");
    await expectInstallable();
    await expect(page.locator('#live-none').textContent()).resolves.toBe('No session running.');

    const deployed = await aStationAndAFundedDriver();
    chargePoint = deployed.chargePoint;
    await expect(chargePoint.connect()).resolves.toBe('Accepted');
    await page.reload();
    await page.locator('#balance', { hasText: '25.00 EUR' }).waitFor();

    // Plugged in and started: the page, not reloaded, shows the session as the charger meters it.
    await chargePoint.plugIn(1, { batteryCapacityWh: 60_000, initialSocPercent: 20, maxPowerW: 11_000 });
    const start = await chargePoint.authorizeAndStart(CARD, 1);
    if (!start.accepted) throw new Error(`the CSMS refused the card: ${start.status}`);
    const sessionId = `${CHARGER}-${start.transactionId ?? ''}`;
    await page.locator(`.live-session[data-session-id="${sessionId}"]`).waitFor({ timeout: 20_000 });
    const opened = await stack.ledgerAs('WalletsMSP').evaluate('Session:getSession', { sessionId });
    const tariff = validateTariff(TARIFF);
    // A dearer version published while the car charges changes nothing for this session: its tariff was frozen at the start.
    await asStaff('operators', '/api/tariffs', { tariff: { ...TARIFF, version: 2, elements: [{ priceComponents: [{ type: 'ENERGY', priceMicro: 990_000, stepSize: 1 }] }] } });
    const seen: LiveFigures[] = [];
    for (const minutes of [4, 4]) {
      await chargePoint.advance(minutes * 60_000);
      const figures = await liveAbove(sessionId, seen.at(-1)?.energyWh ?? 0);
      seen.push(figures);
      // The energy is the CSMS's, the cost the chaincode's pricing of it on the tariff frozen at the start.
      const atCsms = await adminRequest(csms, 'GET', `/api/sessions/${encodeURIComponent(sessionId)}`);
      expect(figures.energyWh).toBeLessThanOrEqual((JSON.parse(atCsms.body) as { energyWh: number }).energyWh);
      expect(figures.cost).toBe(priceMeasurement(tariff, { startMs: opened.startedAtMs, endMs: figures.asOfMs, energyWh: figures.energyWh }).total);
    }
    expect(seen[1]?.cost).toBeGreaterThan(seen[0]?.cost ?? Infinity);
    expect(await overflowsSideways()).toBe(false);
    await shoot('phone-live');

    await chargePoint.stop('Local', 1);
    await chargePoint.settle();
    receipt = await receiptOnLedger(sessionId);
    expect(receipt.verification).toBe('verified');
    await page.locator('#live-none').waitFor({ timeout: 20_000 });

    // The bill, its curve from the meter's signed readings, and the month's spending, all the ledger's figures.
    await page.reload();
    await page.locator('#kept[data-kept="1"]').waitFor({ timeout: 20_000 });
    expect(await barsOf('spending-chart')).toEqual([{ key: localDate(receipt.settledAtMs).slice(0, 7), value: receipt.charged }]);
    await page.locator('#receipts button.open-receipt', { hasText: sessionId }).click();
    await expect(page.locator('#receipt-amount').textContent()).resolves.toBe(`${(receipt.charged / 100).toFixed(2)} EUR`);
    await page.locator('#session-curve circle.reading').first().waitFor();
    const readings = await inPage<{ timeMs: number; energyWh: number; powerW: number; cost: number }[]>(
      "[...document.querySelectorAll('#session-curve circle.reading')].map((c) => ({ timeMs: Number(c.dataset.timeMs), energyWh: Number(c.dataset.energyWh), powerW: Number(c.dataset.powerW), cost: Number(c.dataset.cost) }))",
    );
    // Begin, a signed reading each minute of the eight, end.
    expect(readings.length).toBeGreaterThanOrEqual(9);
    expect(readings[0]).toMatchObject({ timeMs: receipt.startTimeMs, energyWh: 0, cost: 0 });
    expect(readings.at(-1)).toMatchObject({ timeMs: receipt.endTimeMs, energyWh: receipt.energyWh, cost: receipt.priced });
    for (let i = 1; i < readings.length; i++) {
      expect(readings[i]?.energyWh).toBeGreaterThanOrEqual(readings[i - 1]?.energyWh ?? Infinity);
      expect(readings[i]?.cost).toBeGreaterThanOrEqual(readings[i - 1]?.cost ?? Infinity);
    }
    // 11 kW the car takes, as the signed readings say it: within the meter's rounding to whole Wh.
    expect(Math.max(...readings.map((r) => r.powerW))).toBeGreaterThan(9_000);
    expect(Math.max(...readings.map((r) => r.powerW))).toBeLessThanOrEqual(11_100);
    expect(await overflowsSideways()).toBe(false);
    await shoot('phone-receipt');

    // The network goes: the page, the bill, its curve and its proof are still there.
    await context.setOffline(true);
    await page.reload();
    await page.locator('#offline:not([hidden])').waitFor();
    await page.locator('#receipts button.open-receipt', { hasText: sessionId }).click();
    await expect(page.locator('#receipt-amount').textContent()).resolves.toBe(`${(receipt.charged / 100).toFixed(2)} EUR`);
    // The curve is drawn once its answer (kept on the device) is read, after the amount.
    await page.locator('#session-curve circle.reading').nth(readings.length - 1).waitFor();
    await expect(page.locator('#session-curve circle.reading').count()).resolves.toBe(readings.length);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#receipt button', { hasText: 'proof' }).click()]);
    const verdict = verifyProof(parseProof(await readFile((await download.path()) as string, 'utf8')));
    expect(verdict.verified).toBe(true);
    expect(verdict.receipt).toMatchObject({ sessionId, charged: receipt.charged });
    await shoot('phone-offline');
    await context.setOffline(false);
    // Back online, the page reads the services again rather than what was kept.
    await page.reload();
    await page.locator('#balance').waitFor();
    await expect(page.locator('#offline').isHidden()).resolves.toBe(true);

    // Signing out takes the kept copies with it.
    await page.locator('#sign-out').click();
    await page.locator('#sign-in').waitFor();
    await page.waitForFunction("caches.has('chargeledger-kept').then((kept) => !kept)");
  });

  it('lays the same driver\'s page out for a desktop, installable there too', async () => {
    if (receipt === undefined) throw new Error('the first test charged no session');
    await openAt(DESKTOP);
    const form = page.locator('#sign-in');
    await form.locator('select[name=role]').selectOption('driver');
    await form.locator('input[name=username]').fill('erika');
    await form.locator('input[name=password]').fill(PASSWORD);
    await form.locator('button').click();
    await page.locator('#balance').waitFor();
    await expectInstallable();
    expect(await barsOf('spending-chart')).toEqual([{ key: localDate(receipt.settledAtMs).slice(0, 7), value: receipt.charged }]);
    await page.locator('#receipts button.open-receipt').first().click();
    await page.locator('#session-curve circle.reading').first().waitFor();
    expect(await overflowsSideways()).toBe(false);
    await shoot('desktop-driver');
  });

  it('shows the operator energy and revenue per day and per station, from the ledger\'s receipts', async () => {
    if (receipt === undefined) throw new Error('the first test charged no session');
    for (const [viewport, name] of [[DESKTOP, 'operator-charts'], [PHONE, 'phone-operator']] as const) {
      await openAt(viewport);
      const password = (await readFile(path.join(stack.dataDir, 'participants', 'operators-admin-password'), 'utf8')).trim();
      const form = page.locator('#sign-in');
      await form.locator('select[name=role]').selectOption('operator-staff');
      await form.locator('input[name=username]').fill('operators-admin');
      await form.locator('input[name=password]').fill(password);
      await form.locator('button').click();
      await page.locator('#account-form input[name=accountId]').fill('payee-op-1');
      await page.locator('#account-form button').click();
      await page.locator('#energy-per-day g.bar').first().waitFor();
      const day = localDate(receipt.endTimeMs);
      expect(await barsOf('energy-per-day')).toEqual([{ key: day, value: receipt.energyWh }]);
      expect(await barsOf('revenue-per-day')).toEqual([{ key: day, value: receipt.charged }]);
      expect(await barsOf('energy-per-station')).toEqual([{ key: CHARGER, value: receipt.energyWh }]);
      expect(await barsOf('revenue-per-station')).toEqual([{ key: CHARGER, value: receipt.charged }]);
      expect(await overflowsSideways()).toBe(false);
      await shoot(name);
    }
  });
});
