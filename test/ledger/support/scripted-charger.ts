import { TestMeter } from '@chargeledger/chaincode/testing';
import { loadTemplate } from '@chargeledger/simulators';
import type { RPCClient } from 'ocpp-rpc';
import { ocppClient } from '../../../support/ocpp-client';
import { provisionCharger, type RunningCsms } from '../../support/csms';
import { aDeployedStation, type DeployedStation, uniqueId } from '../../../support/ledger/deployment';
import type { LedgerUnderTest } from '../../../support/ledger/ledgers';

const PASSWORD = 'a-scripted-charger-password';

/** What a scripted charger says at the stop: the register it claims, and the signed records it sends (none: unsigned). */
export interface ScriptedStop {
  readonly meterStopWh: number;
  readonly records: readonly string[];
}

export interface ScriptedSession {
  readonly sessionId: string;
  readonly transactionId: number;
}

/**
 * An OCPP 1.6 charger whose every word the test chooses, where the simulator would only tell the truth: which
 * records it signs and with which key, what it claims at the stop. Its meter behind connector 1 is registered
 * with the Authority as the station is deployed (`meter`); a test may sign with another key.
 */
export class ScriptedCharger {
  readonly identity: string;
  readonly meter: TestMeter;
  readonly station: DeployedStation;
  readonly #client: RPCClient;

  private constructor(identity: string, meter: TestMeter, station: DeployedStation, client: RPCClient) {
    this.identity = identity;
    this.meter = meter;
    this.station = station;
    this.#client = client;
  }

  static async connect(ledger: LedgerUnderTest, csms: RunningCsms): Promise<ScriptedCharger> {
    const identity = uniqueId('SCR');
    const meter = new TestMeter(`${identity}-M1`);
    await provisionCharger(csms, identity, PASSWORD);
    const station = await aDeployedStation(ledger, { stationId: identity, template: loadTemplate('voltbridge-ac22-duo'), meter: { serial: meter.serial, publicKey: meter.publicKey } });
    const client = ocppClient({ endpoint: csms.ocppEndpoint, identity, password: PASSWORD, protocols: ['ocpp1.6'], strictMode: true, reconnect: false });
    await client.connect();
    const boot = (await client.call('BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'Scripted' })) as { status: string };
    if (boot.status !== 'Accepted') throw new Error(`the CSMS did not accept ${identity}: ${boot.status}`);
    return new ScriptedCharger(identity, meter, station, client);
  }

  async start(idTag: string, startedAtMs: number, meterStartWh: number): Promise<ScriptedSession> {
    const answer = (await this.#client.call('StartTransaction', { connectorId: 1, idTag, meterStart: meterStartWh, timestamp: new Date(startedAtMs).toISOString() })) as { transactionId: number; idTagInfo: { status: string } };
    if (answer.idTagInfo.status !== 'Accepted') throw new Error(`the CSMS refused ${idTag}: ${answer.idTagInfo.status}`);
    return { sessionId: `${this.identity}-${answer.transactionId}`, transactionId: answer.transactionId };
  }

  async stop(session: ScriptedSession, endedAtMs: number, stop: ScriptedStop): Promise<void> {
    const transactionData = stop.records.map((record, i) => ({
      timestamp: new Date(endedAtMs).toISOString(),
      sampledValue: [{ value: Buffer.from(record, 'utf8').toString('base64'), format: 'SignedData', context: i === 0 ? 'Transaction.Begin' : 'Transaction.End' }],
    }));
    await this.#client.call('StopTransaction', {
      transactionId: session.transactionId,
      meterStop: stop.meterStopWh,
      timestamp: new Date(endedAtMs).toISOString(),
      reason: 'Local',
      ...(transactionData.length === 0 ? {} : { transactionData }),
    });
  }

  async close(): Promise<void> {
    await this.#client.close({ force: true });
  }
}
