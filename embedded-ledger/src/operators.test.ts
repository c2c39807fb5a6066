import { IDENTITY_ATTRIBUTES } from '@chargeledger/chaincode/api';
import { openEmbeddedLedger } from './ledger';
import { aDataDir, OPERATOR, removeDataDir, TestClock } from './testing';

/** Operators bound to their organizations at start (ADR 0038), and a ledger from before migrated by opening it. */
describe('the embedded ledger’s operator organizations', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await aDataDir();
  });
  afterEach(async () => {
    await removeDataDir(dataDir);
  });

  const aTariff = (id: string) => ({ eventId: `publish-${id}`, tariff: { id, version: 1, currency: 'EUR', utcOffsetMinutes: 0, vatBasisPoints: 0, elements: [{ priceComponents: [{ type: 'ENERGY' as const, priceMicro: 400_000, stepSize: 1 }] }] } });

  it('refuses op-1 on a ledger where no operator was admitted, and admits it at the next start', async () => {
    const clock = new TestClock();
    // A single-operator deployment's ledger from before the binding: nobody admitted.
    const before = await openEmbeddedLedger({ dataDir, client: OPERATOR, clock, operators: [] });
    await expect(before.submit('Tariff:publishTariff', aTariff('T-1'))).rejects.toMatchObject({ name: 'LedgerRefusal', code: 'ACCESS_DENIED' });
    await before.close();

    clock.advance(1000);
    const after = await openEmbeddedLedger({ dataDir, client: OPERATOR, clock });
    try {
      await expect(after.evaluate('Registry:getOperator', { operatorId: 'op-1' })).resolves.toMatchObject({ mspId: 'OperatorsMSP' });
      await expect(after.submit('Tariff:publishTariff', aTariff('T-2'))).resolves.toMatchObject({ operatorId: 'op-1' });
      // op-2 acts through its own organization; op-1's organization cannot act for it.
      const op2 = after.asOrganization('Operators2MSP', { [IDENTITY_ATTRIBUTES.operatorId]: 'op-2' });
      await expect(op2.submit('Tariff:publishTariff', aTariff('T-3'))).resolves.toMatchObject({ operatorId: 'op-2' });
      const impostor = after.asOrganization('OperatorsMSP', { [IDENTITY_ATTRIBUTES.operatorId]: 'op-2' });
      await expect(impostor.submit('Tariff:publishTariff', aTariff('T-4'))).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    } finally {
      await after.close();
    }
  });

  it('admits each operator once: a restart leaves the chain as it was', async () => {
    const first = await openEmbeddedLedger({ dataDir, client: OPERATOR, clock: new TestClock() });
    const height = first.height();
    await first.close();
    const again = await openEmbeddedLedger({ dataDir, client: OPERATOR, clock: new TestClock() });
    try {
      expect(again.height()).toBe(height);
    } finally {
      await again.close();
    }
  });
});
