import { californiaPricingLine } from './california-pricing';

const localIds = (csmsId: number): string | undefined => (csmsId === 42 ? 'local-42' : undefined);

describe("the OCA's California Pricing messages on a 1.6 display", () => {
  it('shows the user price, the running cost and the final cost of the transaction', () => {
    expect(californiaPricingLine('SetUserPrice', JSON.stringify({ idToken: 'RFID-1', priceText: '0.39 EUR/kWh' }), localIds)).toEqual({ kind: 'tariff', text: '0.39 EUR/kWh' });
    expect(californiaPricingLine('RunningCost', JSON.stringify({ transactionId: 42, cost: 1.5, state: 'Charging' }), localIds)).toEqual({ kind: 'running-cost', text: '1.50 EUR', cost: 1.5, currency: 'EUR', transactionId: 'local-42' });
    expect(californiaPricingLine('FinalCost', JSON.stringify({ transactionId: 42, cost: 3.25, priceText: 'Paid 3.25 EUR' }), localIds)).toMatchObject({ kind: 'final-cost', text: 'Paid 3.25 EUR', cost: 3.25 });
  });

  it('tells an unknown message from a malformed one', () => {
    expect(californiaPricingLine('SomethingElse', '{}', localIds)).toBeUndefined();
    expect(californiaPricingLine('RunningCost', 'not json', localIds)).toBe('invalid');
    expect(californiaPricingLine('RunningCost', JSON.stringify({ transactionId: 42 }), localIds)).toBe('invalid');
  });
});
