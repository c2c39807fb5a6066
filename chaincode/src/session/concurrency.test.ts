import { aNetwork, type Cast } from '../testing/fixtures';
import { TestMeter } from '../testing/ocmf-meter';
import { aChargingSite, aFundedDriver, ocmf, openRequest, type Driver } from '../testing/site';

const MINUTE = 60_000;

/** Several sessions on one station's meters, one EVSE and meter each, so every close has its own evidence. */
async function aBusyStation(cast: Cast, evses: number): Promise<TestMeter[]> {
  const { network, operator, authority } = cast;
  await aChargingSite(cast);
  const ids = Array.from({ length: evses }, (_, i) => `E${i + 2}`);
  await network.submit(operator, 'Registry:updateStation', {
    eventId: cast.eventId(),
    stationId: 'st-1',
    evses: ['E1', ...ids].map((evseId) => ({ evseId, connectors: [{ connectorId: 'C1', type: 'IEC_62196_T2_COMBO' as const, maxPowerW: 150_000 }] })),
  });
  const meters: TestMeter[] = [];
  for (const evseId of ids) {
    const meter = new TestMeter(`MTR-${evseId}`);
    await network.submit(authority, 'Registry:registerMeter', {
      eventId: cast.eventId(),
      meterSerial: meter.serial,
      binding: { kind: 'evse', stationId: 'st-1', evseId },
      keyId: 'k1',
      publicKey: meter.publicKey,
    });
    meters.push(meter);
  }
  return meters;
}

describe('Concurrent settlement', () => {
  it('commits fifty settlements at one station in one block: no shared balance key', async () => {
    const cast = aNetwork();
    const meters = await aBusyStation(cast, 50);
    const opened = cast.network.nowMs + 1000;
    const drivers: Driver[] = [];
    for (const [i] of meters.entries()) {
      const driver = await aFundedDriver(cast, `drv-${i}`, 5000, 2000);
      drivers.push(driver);
      await cast.network.submit(cast.operator, 'Session:openSession', { ...openRequest(cast, `s-${i}`, driver), evseId: `E${i + 2}` }, { transient: driver.proof, timestampMs: opened });
    }
    cast.network.advance(60 * MINUTE);

    const endorsed = await Promise.all(
      meters.map((meter, i) =>
        cast.network.endorse(cast.operator, 'Session:closeSession', { eventId: cast.eventId(), sessionId: `s-${i}`, evidence: { kind: 'ocmf' } }, {
          transient: ocmf(meter.session({ timeMs: opened, registerWh: 0 }, { timeMs: opened + 30 * MINUTE, registerWh: 10_000 })),
        }),
      ),
    );
    const outcomes = cast.network.commit(endorsed);
    expect(outcomes.filter((failure) => failure !== undefined)).toEqual([]);
    const payee = await cast.network.evaluate(cast.operator, 'Wallet:getAccount', { accountId: 'acc-op1' });
    expect(payee.balance).toBe(50 * 476);
  });

  it('lets only one of two concurrent holds on the same driver commit', async () => {
    const cast = aNetwork();
    const [meter] = await aBusyStation(cast, 1);
    expect(meter).toBeDefined();
    const driver = await aFundedDriver(cast, 'drv-1', 5000, 3000);
    const first = await cast.network.endorse(cast.operator, 'Session:openSession', openRequest(cast, 's-a', driver), { transient: driver.proof });
    const second = await cast.network.endorse(cast.operator, 'Session:openSession', { ...openRequest(cast, 's-b', driver), evseId: 'E2' }, { transient: driver.proof });
    const [ok, conflict] = cast.network.commit([first, second]);
    expect(ok).toBeUndefined();
    expect(conflict).toMatchObject({ name: 'CommitError', code: expect.stringMatching(/MVCC_READ_CONFLICT|PHANTOM_READ_CONFLICT/) });
    const account = await cast.network.evaluate(cast.wallets, 'Wallet:getAccount', { accountId: 'drv-1' });
    expect(account).toMatchObject({ held: 3000, available: 2000 });
  });
});
