import { priceSession, type PricedTariff } from '@chargeledger/chaincode/pricing';
import { aDriverWithCard, eventId } from '../../support/ledger/deployment';
import { type LedgerUnderTest, openLedgerUnderTest } from '../../support/ledger/ledgers';
import { aPipeline, chargeAndStop, jobIds, MINUTE_MS, type Pipeline, readLedger, startCharging } from './support/pipeline';

/**
 * An OCPI 2.2.1 tariff published as OCPI writes it, and a session over OCPP priced under it on the ledger under
 * test (the embedded ledger, or the Fabric network) at the total the specification states.
 */

/** OCPI 2.2.1, example tariff_12: 0.25 per kWh at 10 % VAT, at least 0.50 excl. and 0.55 incl. VAT a session. */
const tariff12 = (id: string): Record<string, unknown> => ({
  country_code: 'DE',
  party_id: 'ALL',
  id,
  currency: 'EUR',
  min_price: { excl_vat: 0.5, incl_vat: 0.55 },
  elements: [{ price_components: [{ type: 'ENERGY', price: 0.25, vat: 10.0, step_size: 1 }] }],
  last_updated: '2018-12-17T16:45:21Z',
});

let ledger: LedgerUnderTest;
let pipeline: Pipeline;
beforeAll(async () => {
  ledger = await openLedgerUnderTest();
});
afterAll(async () => {
  await ledger.close();
});
afterEach(async () => {
  await pipeline.close();
});

it('settles a session under OCPI 2.2.1\'s tariff_12 at the specification\'s total: under 2 kWh, 0.50 excl. and 0.55 incl. VAT', async () => {
  pipeline = await aPipeline(ledger, '1.6');
  // The station's tariff id gets a second version: the OCPI tariff, with the location's time zone.
  const tariffId = pipeline.station.tariff.id;
  const published = await ledger.party('operator').submit('Tariff:publishTariff', { eventId: eventId(), tariff: tariff12(tariffId), timeZone: 'Europe/Berlin' });
  expect(published).toMatchObject({ tariffId, version: 2, tariff: { pricingRules: 2, timeZone: 'Europe/Berlin', ocpi: tariff12(tariffId) } });
  // Sessions that start after the publication are priced under it.
  await pipeline.clock.advance(Math.max(0, Date.now() - pipeline.clock.now()) + 1_000);

  const driver = await aDriverWithCard(ledger, { topUp: 5000, sessionLimit: 2000 });
  await pipeline.issueCard(driver);
  const session = await startCharging(pipeline, driver.idToken);
  const { stop, endedAtMs } = await chargeAndStop(pipeline, 6 * MINUTE_MS);
  await pipeline.bridge.completed(jobIds(session.sessionId).ended);

  const receipt = await readLedger(ledger).receipt(session.sessionId);
  expect(stop.energyWh).toBeGreaterThan(0);
  expect(stop.energyWh).toBeLessThan(2_000);
  expect(receipt).toMatchObject({ tariffId, tariffVersion: 2, energyWh: stop.energyWh, totalNet: 50, priced: 55, charged: 55, verification: 'verified' });
  expect(receipt.priceLimit?.net).toBeGreaterThan(0);
  expect(await readLedger(ledger).account(driver.accountId)).toMatchObject({ balance: 5000 - 55, held: 0 });

  // Anyone re-prices the receipt from the tariff version the ledger froze, and gets the same lines.
  const frozen = await ledger.party('wallets').evaluate('Tariff:getTariff', { tariffId, version: 2 });
  const again = priceSession(frozen.tariff as PricedTariff, { startMs: session.startedAtMs, endMs: endedAtMs, samples: [{ timestampMs: session.startedAtMs, registerWh: 0 }, { timestampMs: endedAtMs, registerWh: stop.energyWh }] });
  expect({ lineItems: again.lineItems, total: again.total }).toEqual({ lineItems: receipt.lineItems, total: receipt.priced });
});
