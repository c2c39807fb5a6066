import { escrowAmount, leastAcceptableWh } from './escrow';

describe('the escrow of a trade', () => {
  it('rounds the price to the nearest cent, half a cent up', () => {
    // 0.10 EUR/kWh: 49 Wh is 0.49 cent, 50 Wh 0.5 cent, 149 Wh 1.49 cents, 150 Wh 1.5 cents.
    expect(escrowAmount(49, 100_000, 'EUR')).toBe(0);
    expect(escrowAmount(50, 100_000, 'EUR')).toBe(1);
    expect(escrowAmount(149, 100_000, 'EUR')).toBe(1);
    expect(escrowAmount(150, 100_000, 'EUR')).toBe(2);
    expect(escrowAmount(6_000, 200_000, 'EUR')).toBe(120);
  });

  it('names the least energy that costs one cent at a price', () => {
    expect(leastAcceptableWh(100_000, 'EUR')).toBe(50);
    expect(escrowAmount(leastAcceptableWh(123_456, 'EUR'), 123_456, 'EUR')).toBe(1);
    expect(escrowAmount(leastAcceptableWh(123_456, 'EUR') - 1, 123_456, 'EUR')).toBe(0);
  });
});
