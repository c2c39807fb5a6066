import type { FrozenTariff } from '@chargeledger/ledger-queue';
import { tariffText } from './tariff-text';

const FIRST_RULES: FrozenTariff = {
  tariffId: 'AC-1',
  version: 1,
  currency: 'EUR',
  priced: {
    id: 'AC-1',
    version: 1,
    currency: 'EUR',
    utcOffsetMinutes: 60,
    vatBasisPoints: 1900,
    elements: [
      { priceComponents: [{ type: 'FLAT', priceMicro: 350_000, stepSize: 1 }] },
      { priceComponents: [{ type: 'ENERGY', priceMicro: 390_000, stepSize: 1 }, { type: 'TIME', priceMicro: 600_000, stepSize: 60 }] },
      { priceComponents: [{ type: 'ENERGY', priceMicro: 990_000, stepSize: 1 }], restrictions: { startTime: '18:00', endTime: '22:00' } },
    ],
  },
};

const ocpi = (altText: readonly { language: string; text: string }[]): FrozenTariff => ({
  tariffId: 'OCPI-1',
  version: 2,
  currency: 'EUR',
  priced: {
    pricingRules: 2,
    version: 2,
    timeZone: 'Europe/Berlin',
    zone: {},
    ocpi: { country_code: 'DE', party_id: 'CLG', id: 'OCPI-1', currency: 'EUR', tariff_alt_text: altText, elements: [{ price_components: [{ type: 'ENERGY', price: 0.25, step_size: 1 }] }], last_updated: '2026-01-01T00:00:00Z' },
  },
});

describe('the tariff as the driver reads it at Authorize', () => {
  it('lists the first price of each dimension, in the driver language where it is known', () => {
    expect(tariffText(FIRST_RULES, undefined)).toEqual({ language: 'en', content: '0.35 EUR per session, 0.39 EUR/kWh, 0.60 EUR/h charging (excl. VAT)' });
    expect(tariffText(FIRST_RULES, 'de-DE')).toEqual({ language: 'de', content: '0.35 EUR je Vorgang, 0.39 EUR/kWh, 0.60 EUR/h Laden (zzgl. MwSt.)' });
    expect(tariffText(FIRST_RULES, 'fr').language).toBe('en');
  });

  it("uses an OCPI tariff's own alternative text in the driver's language, else its first, else its prices", () => {
    const texts = [{ language: 'en', text: '0.25 EUR per kWh' }, { language: 'de', text: '0,25 EUR je kWh' }];
    expect(tariffText(ocpi(texts), 'de')).toEqual({ language: 'de', content: '0,25 EUR je kWh' });
    expect(tariffText(ocpi(texts), 'nl')).toEqual({ language: 'en', content: '0.25 EUR per kWh' });
    expect(tariffText(ocpi([]), 'en')).toEqual({ language: 'en', content: '0.25 EUR/kWh (excl. VAT)' });
  });
});
