import type { Tariff } from '@chargeledger/chaincode/pricing';
import { ledgerMayNeed } from './ledger-readings';

const tariff: Tariff = { id: 'AC-1', version: 1, currency: 'EUR', utcOffsetMinutes: 0, vatBasisPoints: 0, elements: [{ priceComponents: [{ type: 'ENERGY', priceMicro: 1_000_000, stepSize: 1 }] }] };
const pricing = { tariff: { tariffId: 'AC-1', version: 1, currency: 'EUR', priced: tariff }, holdAmount: 1000 };
const session = { startedAt: '2026-11-24T10:00:00.000Z', meterStartWh: 1000 };
const at = (minute: number): string => `2026-11-24T10:${String(minute).padStart(2, '0')}:00.000Z`;

describe('which readings the ledger may need (ADR 0032)', () => {
  it('keeps a reading whose estimate is under 80 % of the hold off the ledger', () => {
    expect(ledgerMayNeed(pricing, session, { timestamp: at(10), registerWh: 1000 })).toBe(false);
    expect(ledgerMayNeed(pricing, session, { timestamp: at(10), registerWh: 8900 })).toBe(false);
  });

  it('sends the reading at 80 % of the hold and every one after it, past the hold included', () => {
    expect(ledgerMayNeed(pricing, session, { timestamp: at(20), registerWh: 9000 })).toBe(true);
    expect(ledgerMayNeed(pricing, session, { timestamp: at(30), registerWh: 50_000 })).toBe(true);
  });

  it('leaves to the bridge a reading it cannot price: energy with no time elapsed, or a time it cannot read', () => {
    expect(ledgerMayNeed(pricing, session, { timestamp: at(0), registerWh: 1500 })).toBe(true);
    expect(ledgerMayNeed(pricing, session, { timestamp: 'not a time', registerWh: 1500 })).toBe(true);
  });

  it('measures from the charger start, so a reading stamped before it counts no time', () => {
    expect(ledgerMayNeed(pricing, { ...session, startedAt: at(5) }, { timestamp: at(1), registerWh: 1000 })).toBe(false);
  });
});
