import { aNetwork, type Cast } from '../testing/fixtures';
import { ENERGY_TARIFF } from '../testing/site';

describe('Tariff contract', () => {
  let cast: Cast;
  beforeEach(() => {
    cast = aNetwork();
  });
  const publish = (tariff: unknown, who = cast.operator) => cast.network.submit(who, 'Tariff:publishTariff', { eventId: cast.eventId(), tariff });

  it('publishes consecutive versions owned by the operator and serves the latest or a named one', async () => {
    expect(await publish(ENERGY_TARIFF)).toMatchObject({ tariffId: 'AC-STD', version: 1, operatorId: 'op-1', currency: 'EUR' });
    expect(cast.network.events.at(-1)).toMatchObject({ name: 'TariffPublished', payload: { tariffId: 'AC-STD', version: 1 } });
    await publish({ ...ENERGY_TARIFF, version: 2, vatBasisPoints: 700 });
    expect(await cast.network.evaluate(cast.wallets, 'Tariff:getTariff', { tariffId: 'AC-STD' })).toMatchObject({ version: 2 });
    expect(await cast.network.evaluate(cast.wallets, 'Tariff:getTariff', { tariffId: 'AC-STD', version: 1 })).toMatchObject({ version: 1, tariff: { vatBasisPoints: 1900 } });
  });

  it('refuses a skipped or repeated version', async () => {
    await publish(ENERGY_TARIFF);
    await expect(publish(ENERGY_TARIFF)).rejects.toMatchObject({ code: 'INVALID_STATE' });
    await expect(publish({ ...ENERGY_TARIFF, version: 3 })).rejects.toMatchObject({ code: 'INVALID_STATE' });
  });

  it('refuses a tariff the validator rejects', async () => {
    await expect(publish({ ...ENERGY_TARIFF, currency: 'euro' })).rejects.toMatchObject({ code: 'TARIFF_INVALID' });
    await expect(publish({ ...ENERGY_TARIFF, surprise: 1 })).rejects.toMatchObject({ code: 'TARIFF_INVALID' });
  });

  it('refuses a new version of another operator\'s tariff', async () => {
    await publish(ENERGY_TARIFF);
    await expect(publish({ ...ENERGY_TARIFF, version: 2 }, cast.rival)).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
  });

  it.each(['ProsumersMSP', 'WalletsMSP', 'AuthorityMSP'] as const)('refuses publication by %s', async (msp) => {
    await expect(publish(ENERGY_TARIFF, cast.as(msp))).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
  });
});
