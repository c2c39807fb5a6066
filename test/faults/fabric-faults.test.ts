import { type FaultReport, runFabricFaults, summary } from '../../support/faults/fabric-faults';

/**
 * The fault run (scripts/faults/fabric-faults.ts) on a Fabric network, Redis, bridge and CSMS of its own
 * (.data-faults, the ports of config/defaults.env + 1300): at least 200 sessions from chargers of both OCPP
 * versions while the bridge, the Wallets' chaincode service and peer, the orderer and Redis are killed in
 * turn, and two chargers go offline mid-session. What is asserted is read from the ledger.
 */
const TEN_MINUTES = 10 * 60_000;

describe('the payment system on the Fabric network while its parts are killed', () => {
  let report: FaultReport;

  beforeAll(async () => {
    report = await runFabricFaults({ sessions: 200, chargers: 24, dataDir: '.data-faults', portOffset: 1300, ordering: 'raft', log: (line) => process.stdout.write(`${line}\n`) });
    process.stdout.write(`${summary(report)}\n`);
  }, TEN_MINUTES);

  it('ran at least 200 sessions from chargers of both versions, and every one ended on its charger', () => {
    expect(report.audit.endedOnChargers).toBeGreaterThanOrEqual(200);
    expect(report.sessionFailures).toEqual([]);
  });

  it('settles every session that ended on a charger exactly once, or the ledger refused it: none lost, none doubled', () => {
    expect(report.audit.lost).toEqual([]);
    expect(report.audit.doubled).toEqual([]);
    expect(report.failedEvents).toEqual([]);
    expect(report.audit.settled + report.audit.refused).toBe(report.audit.endedOnChargers);
    expect(report.audit.refused).toBeGreaterThan(0);
  });

  it('charges each session the tariff price of its signed energy, capped at its hold', () => {
    expect(report.audit.mispriced).toEqual([]);
  });

  it('debits the drivers exactly what it credits the stations, and no wallet goes below zero', () => {
    expect(report.audit.debits).toBe(report.audit.credits);
    expect(report.audit.debits).toBeGreaterThan(0);
    expect(report.audit.belowZero).toEqual([]);
  });

  it('keeps as dead letters only what the chaincode refused, each with its reason', () => {
    expect(report.audit.deadLetters).toBeGreaterThan(0);
    expect(report.audit.strayDeadLetters).toEqual([]);
  });

  it('settles the session in flight at each kill; the one in flight when the bridge is killed within 5 s of the bridge serving again', () => {
    for (const recovery of report.recoveries) {
      expect({ fault: recovery.fault, inFlight: recovery.inFlight.length > 0 }).toEqual({ fault: recovery.fault, inFlight: true });
      expect({ fault: recovery.fault, settled: recovery.inFlightSettledAfterMs !== undefined }).toEqual({ fault: recovery.fault, settled: true });
    }
    const bridge = report.recoveries.find((r) => r.fault === 'ledger-bridge');
    expect(bridge?.inFlightSettledAfterMs).toBeLessThan(5_000);
  });

  it('recovers from every kill and settles again afterwards', () => {
    expect(report.recoveries.map((r) => r.fault)).toEqual(['ledger-bridge', 'chaincode-wallets', 'fabric-peer-wallets', 'fabric-orderer0', 'redis']);
    for (const recovery of report.recoveries) expect(recovery.settlingAgainAfterMs).toBeDefined();
    expect(report.offlineChargers.map((o) => o.protocol).sort()).toEqual(['1.6', '2.0.1']);
    for (const offline of report.offlineChargers) expect(offline.queuedMessages).toBeGreaterThan(0);
  });
});
