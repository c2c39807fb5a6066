import { IDENTITY_ATTRIBUTES } from '../api';
import { aNetwork, type Cast } from '../testing/fixtures';

/** The ledger's binding of operators to their organizations (ADR 0038). */
describe('Operators bound to their organizations', () => {
  let cast: Cast;
  beforeEach(() => {
    cast = aNetwork();
  });

  const admit = (operatorId: string, mspId: string, eventId = cast.eventId()) => cast.network.submit(cast.authority, 'Registry:admitOperator', { eventId, operatorId, mspId });
  const aStation = (stationId: string, payeeAccountId: string) => ({
    eventId: cast.eventId(),
    stationId,
    payeeAccountId,
    latMicroDeg: 50_110_924,
    lonMicroDeg: 8_682_127,
    evses: [{ evseId: 'E1', connectors: [{ connectorId: 'C1', type: 'IEC_62196_T2' as const, maxPowerW: 11_000 }] }],
    policy: { minimumHold: 500 },
  });

  it('lets an operator act through its organization only once the Authority admitted it there', async () => {
    const op3 = cast.network.identity('Operators3MSP', { [IDENTITY_ATTRIBUTES.operatorId]: 'op-3' });
    await expect(cast.network.submit(op3, 'Tariff:publishTariff', { eventId: cast.eventId(), tariff: { id: 'T3', version: 1, currency: 'EUR', utcOffsetMinutes: 0, vatBasisPoints: 0, elements: [] } })).rejects.toMatchObject({
      code: 'ACCESS_DENIED',
    });
    await expect(cast.network.submit(cast.wallets, 'Wallet:openAccount', { eventId: cast.eventId(), accountId: 'acc-op3', kind: 'operator', ownerId: 'op-3', currency: 'EUR' })).rejects.toMatchObject({ code: 'NOT_FOUND' });

    expect(await admit('op-3', 'Operators3MSP')).toMatchObject({ operatorId: 'op-3', mspId: 'Operators3MSP' });
    expect(cast.network.events.at(-1)).toMatchObject({ name: 'OperatorAdmitted', payload: { operatorId: 'op-3', mspId: 'Operators3MSP' } });
    await cast.network.submit(cast.wallets, 'Wallet:openAccount', { eventId: cast.eventId(), accountId: 'acc-op3', kind: 'operator', ownerId: 'op-3', currency: 'EUR' });
    await expect(cast.network.submit(op3, 'Registry:registerStation', aStation('st-3', 'acc-op3'))).resolves.toMatchObject({ operatorId: 'op-3' });
    await expect(cast.network.evaluate(cast.prosumer, 'Registry:getOperator', { operatorId: 'op-3' })).resolves.toMatchObject({ mspId: 'Operators3MSP' });
  });

  it('never moves a binding: neither the operator to another organization nor the organization to another operator', async () => {
    await expect(admit('op-1', 'Operators2MSP')).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    await expect(admit('op-9', 'OperatorsMSP')).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    await expect(admit('op-2', 'Operators2MSP')).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    // A replay of the admission the channel started with (its event id) is answered with the record.
    await expect(admit('op-2', 'Operators2MSP', 'admit-op-2')).resolves.toMatchObject({ operatorId: 'op-2', mspId: 'Operators2MSP' });
    await expect(cast.network.evaluate(cast.wallets, 'Registry:getOperator', { operatorId: 'op-1' })).resolves.toMatchObject({ mspId: 'OperatorsMSP' });
  });

  it('binds operators to operator organizations only', async () => {
    await expect(admit('op-4', 'WalletsMSP')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(admit('op-4', 'OperatorsMSP2')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it("refuses an identity of op-1's organization naming op-2 for op-2's station, tariff, sessions and money", async () => {
    await cast.network.submit(cast.wallets, 'Wallet:openAccount', { eventId: cast.eventId(), accountId: 'acc-op2', kind: 'operator', ownerId: 'op-2', currency: 'EUR' });
    await cast.network.submit(cast.wallets, 'Wallet:topUp', { eventId: cast.eventId(), accountId: 'acc-op2', amount: 1000, reference: 'ref-op2' });
    await cast.network.submit(cast.rival, 'Registry:registerStation', aStation('st-2', 'acc-op2'));
    const refused = { code: 'ACCESS_DENIED' };
    await expect(cast.network.submit(cast.impostor, 'Registry:registerStation', aStation('st-9', 'acc-op2'))).rejects.toMatchObject(refused);
    await expect(cast.network.submit(cast.impostor, 'Registry:updateStation', { eventId: cast.eventId(), stationId: 'st-2', policy: { minimumHold: 1 } })).rejects.toMatchObject(refused);
    await expect(cast.network.submit(cast.impostor, 'Tariff:publishTariff', { eventId: cast.eventId(), tariff: { id: 'T9', version: 1, currency: 'EUR', utcOffsetMinutes: 0, vatBasisPoints: 0, elements: [] } })).rejects.toMatchObject(refused);
    await expect(
      cast.network.submit(cast.impostor, 'Session:openSession', { eventId: cast.eventId(), sessionId: 's-9', stationId: 'st-2', evseId: 'E1', connectorId: 'C1', driverAccountId: 'drv-1', tokenRef: 'card-1' }),
    ).rejects.toMatchObject(refused);
    await expect(cast.network.submit(cast.impostor, 'Session:closeSession', { eventId: cast.eventId(), sessionId: 's-9', evidence: { kind: 'ocmf' } })).rejects.toMatchObject(refused);
    await expect(cast.network.submit(cast.impostor, 'Wallet:requestPayout', { eventId: cast.eventId(), accountId: 'acc-op2', payoutId: 'po-9', amount: 100, destination: 'iban:DE89370400440532013000' })).rejects.toMatchObject(refused);
    expect(await cast.network.evaluate(cast.wallets, 'Wallet:getAccount', { accountId: 'acc-op2' })).toMatchObject({ balance: 1000, debited: 0 });
  });
});
