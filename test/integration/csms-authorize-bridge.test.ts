import { bridgeHeartbeatKey } from '@chargeledger/ledger-queue';
import { adminRequest } from '../support/csms';
import { aDriverWithCard } from '../../support/ledger/deployment';
import { openEmbedded } from '../../support/ledger/embedded';
import type { LedgerUnderTest } from '../../support/ledger/ledgers';
import { AN_EV, aPipeline, type Pipeline } from '../ledger/support/pipeline';

/**
 * Authorize costs what asking the ledger costs: with a bridge running (startBridge, on the embedded ledger)
 * a question the cache cannot answer is answered in milliseconds, and once the bridge is gone and its
 * heartbeat lapsed the charger is answered by the fallback at once, not after the question's timeout.
 */

const TIMEOUT_MS = 2_000;

describe('Authorize with a ledger bridge running and after it stopped', () => {
  let ledger: LedgerUnderTest;
  let pipeline: Pipeline;

  beforeAll(async () => {
    ledger = await openEmbedded();
  });
  afterAll(async () => {
    await ledger.close();
  });

  beforeEach(async () => {
    pipeline = await aPipeline(ledger, '2.0.1', { ledgerAuthorization: { timeoutMs: TIMEOUT_MS, cacheTtlMs: 0, whenUnavailable: 'registry' } });
  });
  afterEach(async () => {
    await pipeline.close();
  });

  const decisions = async (): Promise<string[]> => (await adminRequest(pipeline.csms, 'GET', '/metrics')).body.split('\n').filter((line) => line.startsWith('csms_authorizations_total{'));

  /** Presents the card where a vehicle is plugged in; the time is the Authorize call's alone, as the charger measured it. */
  async function timedAuthorize(idToken: string): Promise<{ readonly accepted: boolean; readonly ms: number }> {
    const answered = pipeline.chargePoint.next('callAnswered', ({ action }) => action === 'Authorize');
    await pipeline.chargePoint.plugIn(1, AN_EV);
    const start = await pipeline.chargePoint.authorizeAndStart(idToken, 1);
    return { accepted: start.accepted, ms: (await answered).latencyMs };
  }

  it('answers a cache miss from the ledger in milliseconds', async () => {
    const driver = await aDriverWithCard(ledger, { topUp: 5000, sessionLimit: 2000 });
    await pipeline.issueCard(driver);
    const answer = await timedAuthorize(driver.idToken);
    expect(answer.accepted).toBe(true);
    expect(answer.ms).toBeLessThan(500);
    expect(await decisions()).toContain('csms_authorizations_total{source="ledger",status="Accepted"} 1');
  });

  it('takes the fallback at once when the bridge has stopped and its heartbeat lapsed', async () => {
    const driver = await aDriverWithCard(ledger, { topUp: 5000, sessionLimit: 2000 });
    await pipeline.issueCard(driver);
    await pipeline.bridge.stop();
    // What BRIDGE_HEARTBEAT_TTL_MS does to a stopped bridge's heartbeat, without waiting for it.
    await pipeline.csms.redis.del(bridgeHeartbeatKey(pipeline.csms.prefix));

    const answer = await timedAuthorize(driver.idToken);
    expect(answer.accepted).toBe(true);
    expect(answer.ms).toBeLessThan(250);
    expect(await decisions()).toContain('csms_authorizations_total{source="fallback",status="Accepted"} 1');
  });
});
