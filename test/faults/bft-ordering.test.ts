import { type FaultReport, runFabricFaults, summary } from '../../support/faults/fabric-faults';

/**
 * The fault run on a network whose blocks are ordered by SmartBFT, one orderer per organization, each with its
 * own organization's identity (.data-faults-bft, the ports of config/defaults.env + 1600). One orderer of four is
 * killed while sessions settle: ordering goes on without it. Then two are killed at once: with no quorum left,
 * ordering stops until they are back, and nothing accepted is lost meanwhile. What is asserted is read from the ledger.
 */
const TEN_MINUTES = 10 * 60_000;

describe('settlement on BFT ordering while orderers are killed', () => {
  let report: FaultReport;

  beforeAll(async () => {
    report = await runFabricFaults({ sessions: 80, chargers: 12, dataDir: '.data-faults-bft', portOffset: 1600, ordering: 'bft', log: (line) => process.stdout.write(`${line}\n`) });
    process.stdout.write(`${summary(report)}\n`);
  }, TEN_MINUTES);

  it('settles every session that ended on a charger exactly once, or the ledger refused it: none lost, none doubled, none mispriced', () => {
    expect(report.audit.endedOnChargers).toBeGreaterThanOrEqual(80);
    expect(report.sessionFailures).toEqual([]);
    expect(report.audit.lost).toEqual([]);
    expect(report.audit.doubled).toEqual([]);
    expect(report.audit.mispriced).toEqual([]);
    expect(report.failedEvents).toEqual([]);
    expect(report.audit.settled + report.audit.refused).toBe(report.audit.endedOnChargers);
    expect(report.audit.debits).toBe(report.audit.credits);
  });

  it('goes on settling while one orderer of four is down', () => {
    const one = report.recoveries.find((r) => r.fault === 'fabric-orderer1');
    expect(one?.settledWhileDown).toBeGreaterThan(0);
  });

  it('stops ordering while two of four are down, and settles every session in flight once they are back', () => {
    const two = report.recoveries.find((r) => r.fault === 'fabric-orderer2+fabric-orderer3');
    expect(two?.settledWhileDown).toBe(0);
    expect(two?.settlingAgainAfterMs).toBeDefined();
    expect(two?.inFlightSettledAfterMs).toBeDefined();
  });
});
