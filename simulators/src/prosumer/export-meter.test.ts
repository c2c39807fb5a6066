import { verifyTransactionEvidence } from '@chargeledger/chaincode/ocmf';
import { ManualClock } from '../clock';
import { generateMeterKey } from '../meter/keys';
import { createExportMeter, type ExportMeter } from './export-meter';
import type { SurplusSource } from './production-curve';

const START = Date.parse('2025-06-21T09:00:00Z');
const MINUTE = 60_000;

function anExportMeter(source: SurplusSource, overrides: { registerWh?: number; nextPage?: number } = {}): { meter: ExportMeter; clock: ManualClock } {
  const clock = new ManualClock(START);
  const meter = createExportMeter({ clock, serial: 'PV-0001', signingKey: generateMeterKey(), source, registerWh: overrides.registerWh ?? 0, stepMs: 1_000, nextPage: overrides.nextPage ?? 1 });
  return { meter, clock };
}

describe('the export meter', () => {
  it('counts what the installation exports into its export register', async () => {
    const { meter, clock } = anExportMeter({ surplusW: () => 4_000 }, { registerWh: 1_000 });
    await clock.advance(30 * MINUTE);
    expect(meter.read()).toMatchObject({ registerWh: 1_000 + 2_000, powerW: 4_000 });
  });

  it('counts nothing while nothing is exported', async () => {
    const { meter, clock } = anExportMeter({ surplusW: () => 0 }, { registerWh: 500 });
    await clock.advance(60 * MINUTE);
    expect(meter.read().registerWh).toBe(500);
  });

  it('signs a delivery window as begin and end records that the chaincode’s verifier accepts with the delivered energy', async () => {
    const { meter, clock } = anExportMeter({ surplusW: (t) => (t < START + 10 * MINUTE ? 6_000 : 3_000) }, { registerWh: 250_000, nextPage: 7 });
    await clock.advance(5 * MINUTE);
    const begin = meter.beginDelivery();
    await clock.advance(15 * MINUTE);
    const end = meter.endDelivery();

    const evidence = verifyTransactionEvidence([begin.record, end.record], meter.publicKeyHex);
    expect(evidence).toMatchObject({
      meterSerial: 'PV-0001',
      gatewaySerial: 'GW-PV-0001',
      obis: '1-b:2.8.0',
      unit: 'kWh',
      startTimeMs: START + 5 * MINUTE,
      endTimeMs: START + 20 * MINUTE,
      energyWh: 500 + 500,
      pagination: ['T7', 'T8'],
      endCode: 'E',
      identificationStatus: false,
    });
    expect(end.registerWh - begin.registerWh).toBe(evidence.energyWh);
  });

  it('produces records another key cannot vouch for', async () => {
    const { meter, clock } = anExportMeter({ surplusW: () => 1_000 });
    const begin = meter.beginDelivery();
    await clock.advance(MINUTE);
    const end = meter.endDelivery();
    const other = anExportMeter({ surplusW: () => 1_000 }).meter;
    expect(() => verifyTransactionEvidence([begin.record, end.record], other.publicKeyHex)).toThrow(expect.objectContaining({ code: 'BAD_SIGNATURE' }));
  });
});
