import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Tariff } from '@chargeledger/chaincode/pricing';
import { connectAs, readNetworkDescription } from '@chargeledger/ledger-client';
import type { DeadLetter } from '@chargeledger/ledger-bridge';
import { endedEventId, ledgerQueueNames } from '@chargeledger/ledger-queue';
import { loadTemplate, type OcppVersion } from '@chargeledger/simulators';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { aDeployedStation, aDriverWithCard, anAcTariff } from '../ledger/deployment';
import { openFabric } from '../ledger/ledgers';
import { IsolatedStack } from '../isolated-stack';
import { watchSettlements } from '../settlement-watch';
import { aChargePoint, aSession, CuttableLink, type Driver, type EndedOnCharger, type SimulatedCharger, TEMPLATE } from './charging';
import { auditLedger, type LedgerAudit } from './ledger-audit';

/**
 * The payment system on the real Fabric network while its parts die: simulated chargers of both OCPP
 * versions with signed meter data run sessions through the CSMS, Redis and the ledger bridge, while the
 * bridge, the Wallets' chaincode service, the Wallets' peer, the orderer and Redis are killed with SIGKILL in
 * turn and started again the way the stack starts them; one charger of each version loses its connection
 * mid-session and comes back with its queued messages. Afterwards the ledger itself is audited.
 *
 * Run by its command line, scripts/faults/fabric-faults.ts, and by the jest project faults:fabric:
 *
 *   node --import tsx scripts/faults/fabric-faults.ts [--sessions 200] [--chargers 16] [--ordering raft|bft] [--out report.json]
 *
 * Runs on its own stack (.data-faults, ports of config/defaults.env + 1300; with --ordering bft .data-faults-bft,
 * + 1600), never the standard network. On BFT ordering (one orderer per organization) the kills are the
 * orderers': one of four, while settlement is to go on, then two at once, which stops ordering until they are back.
 */

export interface FaultRunOptions {
  /** At least this many sessions are started; sessions go on until every fault has been recovered from. */
  readonly sessions: number;
  readonly chargers: number;
  readonly dataDir: string;
  readonly portOffset: number;
  /** How the network orders blocks (FABRIC_ORDERING); the kills follow from it (FAULT_PLANS). */
  readonly ordering: 'raft' | 'bft';
  readonly log: (line: string) => void;
}

/** What is killed, in turn, on each kind of ordering service. */
export const FAULT_PLANS: Readonly<Record<FaultRunOptions['ordering'], readonly (readonly string[])[]>> = {
  raft: [['ledger-bridge'], ['chaincode-wallets'], ['fabric-peer-wallets'], ['fabric-orderer0'], ['redis']],
  // One orderer of four (f = 1): the other three order on. Two at once: no quorum, ordering stops until they are back.
  bft: [['fabric-orderer1'], ['fabric-orderer2', 'fabric-orderer3']],
};

/** A session whose end had reached the CSMS but was not settled when a component was killed. */
export interface InFlightSession {
  readonly sessionId: string;
  /** Its end on the charger → the kill. */
  readonly endedBeforeKillMs: number;
  /**
   * The killed component serving again → the session's settlement committed: what a driver waits for beyond
   * the outage. Negative when it committed before the component served again (the component was not on its
   * path); undefined when it never settled.
   */
  readonly settledAfterServingMs: number | undefined;
}

export interface FaultRecovery {
  readonly fault: string;
  readonly killedAt: string;
  /** How long the process stayed dead before it was started again (the supervisor's own delay for the bridge). */
  readonly downMs: number;
  /** Kill → the process serves again (network.sh up returned; the bridge's heartbeat; Redis answers). */
  readonly restartedAfterMs: number;
  /** Kill → the first settlement committed after the restart. */
  readonly settlingAgainAfterMs: number | undefined;
  /** Settlements committed while the killed processes were down, from 3 s after the kill (BFT: one orderer down must not stop them). */
  readonly settledWhileDown: number;
  /**
   * The sessions in flight at the kill. Each kill is timed to one: it falls right after the bridge has taken a
   * session's end (its job active), so that the kill interrupts a settlement.
   */
  readonly inFlight: readonly InFlightSession[];
  /** The slowest of `inFlight`: serving again → the last of them settled. */
  readonly inFlightSettledAfterMs: number | undefined;
}

export interface FaultReport {
  readonly sessionsStarted: number;
  readonly sessionsNotStarted: number;
  readonly sessionFailures: readonly string[];
  readonly audit: LedgerAudit;
  readonly recoveries: readonly FaultRecovery[];
  readonly offlineChargers: readonly { readonly protocol: OcppVersion; readonly sessionId: string; readonly offlineMs: number; readonly queuedMessages: number; readonly deliveredAfterMs: number }[];
  /** Events the bridge gave up on other than refusals (exhausted retries): each would be a lost session. */
  readonly failedEvents: readonly string[];
  readonly drainedAfterMs: number;
  readonly elapsedMs: number;
}

const PASSWORD = 'a-fault-run-charger-password';
/** After a kill, how long settlements ordered before it may still commit. */
const SETTLED_IN_FLIGHT_MS = 3_000;
const AHEAD_LIMIT_MS = 10 * 60_000;
/**
 * Wall time a regular charger spends on each simulated minute. Its clock then runs ahead of the wall clock
 * by about 4 minutes a minute and reaches AHEAD_LIMIT_MS only after some 150 s, so sessions still end, and
 * settle, after the last fault's restart; at a pace of 1 s every charger had used up its lead before the
 * last faults whenever the stack kept up with the sessions.
 */
const STEP_PACE_MS = 12_000;
/** 10 EUR/kWh: a driver whose hold is the 5 EUR minimum pays the hold, not the price, for more than half a kWh. */
const anExpensiveTariff = (): Tariff => ({ ...anAcTariff(), elements: [{ priceComponents: [{ type: 'FLAT', priceMicro: 350_000, stepSize: 1 }] }, { priceComponents: [{ type: 'ENERGY', priceMicro: 10_000_000, stepSize: 1 }] }] });

export async function runFabricFaults(options: Readonly<FaultRunOptions>): Promise<FaultReport> {
  const runStarted = Date.now();
  const { log } = options;
  // Ledger authorization off: every card the registry knows starts a session, and the hold placed when the
  // session opens decides (a driver without funds is refused on the ledger, and the charger stopped).
  const stack = await IsolatedStack.start({ dataDir: options.dataDir, portOffset: options.portOffset, bridge: 'with-the-stack', settings: { CSMS_LEDGER_AUTHORIZATION: 'off', FABRIC_ORDERING: options.ordering }, log });
  const ledger = await openFabric();
  const chargePoints: SimulatedCharger[] = [];
  const offlineLinks = new Map<string, CuttableLink>();
  const settlementsAt: number[] = [];
  const settledAt = new Map<string, number>();
  const description = await readNetworkDescription(stack.config.fabric.networkFile);
  const listener = await connectAs(description, 'operators', 'bridge');
  const watching = watchSettlements(listener.network, description.chaincode, (sessionId) => {
    settlementsAt.push(Date.now());
    if (!settledAt.has(sessionId)) settledAt.set(sessionId, Date.now());
  });
  const probe = new Redis({ host: stack.config.redis.host, port: stack.config.redis.port, maxRetriesPerRequest: 1 });
  probe.on('error', () => undefined);
  // Reads which end the bridge is settling, to time each kill; Redis itself is one of the things killed.
  const events = new Queue(ledgerQueueNames(stack.config.queue).events, { connection: probe, prefix: stack.config.queue.prefix });
  events.on('error', () => undefined);
  try {
    const run = randomBytes(3).toString('hex');
    const csmsUrl = `http://${stack.config.csms.host}:${stack.config.csms.port}`;
    const admin = adminApi(csmsUrl, stack.adminKey);

    // Drivers: the first alone, since it sets the ledger's token pepper once.
    const driverPlans: { kind: Driver['kind']; topUp: number; sessionLimit: number }[] = [
      // One per charger, as a driver charges at one station at a time: a driver's sessions opening or
      // settling in one block conflict on the driver's account (MVCC) and wait for the queue's backoff.
      ...Array.from({ length: options.chargers }, () => ({ kind: 'rich' as const, topUp: 1_000_000, sessionLimit: 2000 })),
      ...Array.from({ length: 2 }, () => ({ kind: 'capped' as const, topUp: 100_000, sessionLimit: 500 })),
      { kind: 'poor', topUp: 300, sessionLimit: 2000 },
    ];
    const makeDriver = async (plan: (typeof driverPlans)[number]): Promise<Driver> => ({ ...(await aDriverWithCard(ledger, plan)), kind: plan.kind });
    const [first, ...others] = driverPlans;
    const drivers: Driver[] = [await makeDriver(first as (typeof driverPlans)[number]), ...(await Promise.all(others.map(makeDriver)))];
    for (const driver of drivers) await admin.issueToken(driver.idToken, driver.accountId);
    log(`${drivers.length} drivers with cards on the ledger`);

    // Chargers: both versions, each a station on the ledger with its meter; two more behind a cuttable link.
    const specs = [
      ...Array.from({ length: options.chargers }, (_, i) => ({ protocol: (i % 2 === 0 ? '1.6' : '2.0.1') as OcppVersion, identity: `FLT-${run}-${String(i + 1).padStart(3, '0')}`, offline: false })),
      { protocol: '1.6' as const, identity: `FLT-${run}-OFF16`, offline: true },
      { protocol: '2.0.1' as const, identity: `FLT-${run}-OFF201`, offline: true },
    ];
    await Promise.all(
      specs.map(async (spec, i) => {
        await admin.provisionCharger(spec.identity, PASSWORD);
        let endpoint = `ws://${stack.config.csms.host}:${stack.config.csms.port}/ocpp`;
        if (spec.offline) {
          const link = new CuttableLink({ host: stack.config.csms.host, port: stack.config.csms.port });
          await link.open();
          offlineLinks.set(spec.identity, link);
          endpoint = link.endpoint;
        }
        const { chargePoint, clock } = aChargePoint(spec.protocol, spec.identity, endpoint, PASSWORD);
        const tariff = i % 2 === 0 ? anAcTariff() : anExpensiveTariff();
        const station = await aDeployedStation(ledger, { stationId: spec.identity, template: loadTemplate(TEMPLATE), meter: { serial: `${spec.identity}-M1`, publicKey: chargePoint.meterPublicKey(1) } }, { tariff });
        chargePoints.push({ identity: spec.identity, protocol: spec.protocol, chargePoint, clock, tariff, payeeAccountId: station.payeeAccountId });
        const status = await chargePoint.connect();
        if (status !== 'Accepted') throw new Error(`the CSMS did not accept ${spec.identity}: ${status}`);
      }),
    );
    log(`${chargePoints.length} chargers on the ledger and connected`);

    const ended: EndedOnCharger[] = [];
    const failures: string[] = [];
    let started = 0;
    let notStarted = 0;
    let faultsDone = false;
    const rich = drivers.filter((d) => d.kind === 'rich');
    const capped = drivers.filter((d) => d.kind === 'capped');
    const poor = drivers.filter((d) => d.kind === 'poor');
    const driverFor = (n: number, charger: number): Driver => (n % 25 === 7 ? poor[0] : n % 10 === 3 ? capped[n % capped.length] : rich[charger % rich.length]) as Driver;
    const record = (session: EndedOnCharger | undefined): void => {
      if (session === undefined) notStarted++;
      else ended.push(session);
    };
    // The ends that are to settle (not the poor driver's, whose sessions the ledger refused to open), as they happen.
    const endedAt = new Map<string, number>();
    const endWaiters: ((sessionId: string) => void)[] = [];
    const onEnded = (driver: Driver) => (sessionId: string): void => {
      if (driver.kind === 'poor') return;
      endedAt.set(sessionId, Date.now());
      for (const waiter of endWaiters.splice(0)) waiter(sessionId);
    };
    const nextEnd = (): Promise<string> => new Promise((resolve) => endWaiters.push(resolve));
    /** Waits until the bridge is settling a session that just ended: its end's job is active (or the limit passed). */
    const settlementUnderWay = async (limitMs: number): Promise<void> => {
      const deadline = Date.now() + limitMs;
      const sessionId = await Promise.race([nextEnd(), sleep(limitMs).then(() => undefined)]);
      if (sessionId === undefined) return;
      while (Date.now() < deadline) {
        const state = await events.getJobState(endedEventId(sessionId)).catch(() => 'unknown');
        if (state === 'active' || state === 'completed' || state === 'failed') return;
        await sleep(5);
      }
    };

    const regular = chargePoints.filter((c) => !offlineLinks.has(c.identity));
    const more = (): boolean => !faultsDone || started < options.sessions;
    const loops = regular.map(async (charger, c) => {
      while (more()) {
        // The ledger refuses a start or a reading more than 15 minutes ahead of its own clock: a charger
        // whose simulated time has run 10 minutes ahead waits for the wall clock.
        while (charger.clock.now() > Date.now() + AHEAD_LIMIT_MS && more()) await sleep(500);
        if (!more()) break;
        const n = started++;
        try {
          const driver = driverFor(n, c);
          record(await aSession(charger, { driver, minutes: 1 + (n % 2), stepPaceMs: STEP_PACE_MS, onEnded: onEnded(driver) }));
        } catch (error) {
          failures.push(`${charger.identity}: ${error instanceof Error ? error.message : String(error)}`);
          await charger.chargePoint.unplug(1).catch(() => undefined);
        }
        if (started % 25 === 0) log(`${started} sessions started, ${ended.length} ended on the chargers`);
      }
    });

    // The chargers that go offline: cut after the first simulated minute, charge and stop while offline, back 15 s later.
    const offline = chargePoints
      .filter((c) => offlineLinks.has(c.identity))
      .map(async (charger) => {
        const link = offlineLinks.get(charger.identity) as CuttableLink;
        let cutAt = 0;
        started++;
        const session = await aSession(charger, {
          driver: rich[0] as Driver,
          minutes: 5,
          stepPaceMs: 1_000,
          duringStep: async (step) => {
            if (step !== 0) return;
            await link.cut();
            cutAt = Date.now();
            log(`${charger.identity} (OCPP ${charger.protocol}) offline mid-session`);
          },
        });
        record(session);
        const queuedMessages = charger.chargePoint.queuedMessages;
        await sleep(Math.max(0, cutAt + 15_000 - Date.now()));
        const restoredAt = Date.now();
        await link.restore();
        while (charger.chargePoint.queuedMessages > 0 || !charger.chargePoint.online) await sleep(50);
        log(`${charger.identity} back online; ${queuedMessages} queued messages delivered in ${Date.now() - restoredAt} ms`);
        return { protocol: charger.protocol, sessionId: session?.sessionId ?? '(none)', offlineMs: restoredAt - cutAt, queuedMessages, deliveredAfterMs: Date.now() - restoredAt };
      });

    // The faults, one after another, while the sessions run.
    const recoveries: (Omit<FaultRecovery, 'inFlight' | 'inFlightSettledAfterMs'> & { readonly inFlightIds: readonly string[] })[] = [];
    const fault = async (names: readonly string[], downMs: number, restart: () => Promise<void>): Promise<void> => {
      await settlementUnderWay(30_000);
      const killedAt = Date.now();
      for (const name of names) stack.kill9(name);
      const inFlightIds = [...endedAt.keys()].filter((id) => !settledAt.has(id));
      await sleep(downMs);
      const restartingAt = Date.now();
      await restart();
      const restartedAfterMs = Date.now() - killedAt;
      // Blocks already cut when the kill fell may still reach the peers in its first seconds: they do not count.
      const settledWhileDown = settlementsAt.filter((at) => at > killedAt + SETTLED_IN_FLIGHT_MS && at <= restartingAt).length;
      const fault = names.join('+');
      log(`${fault}: serving again ${restartedAfterMs} ms after the kill; ${inFlightIds.length} sessions in flight at the kill; ${settledWhileDown} settled while down`);
      recoveries.push({ fault, killedAt: new Date(killedAt).toISOString(), downMs, restartedAfterMs, settlingAgainAfterMs: killedAt + restartedAfterMs, settledWhileDown, inFlightIds });
      await sleep(15_000);
    };
    await sleep(15_000);
    for (const names of FAULT_PLANS[options.ordering]) {
      const [first = ''] = names;
      if (first === 'ledger-bridge') await fault(names, 0, () => stack.bridgeServing(Date.now() - 1));
      else if (first === 'redis') await fault(names, 3_000, () => stack.redisUp());
      // An orderer of a BFT service stays down longer than a leader's heartbeat timeout, so the others must order on without it.
      else await fault(names, options.ordering === 'bft' ? 20_000 : 5_000, () => stack.networkUp());
    }
    faultsDone = true;
    await Promise.all(loops);
    const offlineChargers = await Promise.all(offline);
    log(`${ended.length} sessions ended on the chargers (${notStarted} did not start, ${failures.length} failed on the charger); waiting for the bridge to drain`);

    const drainStarted = Date.now();
    const drainedQueue = await drain(stack, 300_000);
    // The dead-letter list outlives a run in the data folder's Redis: this run's chargers only.
    const ours = (letter: { readonly event: { readonly chargerId: string } }): boolean => letter.event.chargerId.startsWith(`FLT-${run}-`);
    const deadLetters = drainedQueue.deadLetters.filter(ours);
    const failedEvents = drainedQueue.failedEvents.filter((line) => line.includes(`FLT-${run}-`));
    const drainedAfterMs = Date.now() - drainStarted;
    // Settlements committed by the drain are seen by the listener before the audit reads.
    await sleep(1_000);
    const audit = await auditLedger({ operator: ledger.party('operator'), wallets: ledger.party('wallets') }, ended, deadLetters);
    return {
      sessionsStarted: started,
      sessionsNotStarted: notStarted,
      sessionFailures: failures,
      audit,
      recoveries: recoveries.map(({ inFlightIds, ...r }) => {
        // settlingAgainAfterMs held the restart's time until the settlements were all seen.
        const restartedAt = r.settlingAgainAfterMs as number;
        const next = settlementsAt.find((at) => at >= restartedAt);
        const killedAt = Date.parse(r.killedAt);
        const inFlight = inFlightIds.map((sessionId): InFlightSession => {
          const settled = settledAt.get(sessionId);
          return { sessionId, endedBeforeKillMs: killedAt - (endedAt.get(sessionId) as number), settledAfterServingMs: settled === undefined ? undefined : settled - restartedAt };
        });
        const times = inFlight.map((s) => s.settledAfterServingMs);
        const inFlightSettledAfterMs = times.length === 0 || times.includes(undefined) ? undefined : Math.max(...(times as number[]));
        return { ...r, settlingAgainAfterMs: next === undefined ? undefined : next - killedAt, inFlight, inFlightSettledAfterMs };
      }),
      offlineChargers,
      failedEvents,
      drainedAfterMs,
      elapsedMs: Date.now() - runStarted,
    };
  } finally {
    await events.close();
    probe.disconnect();
    await Promise.all(chargePoints.map((c) => c.chargePoint.close().catch(() => undefined)));
    for (const link of offlineLinks.values()) await link.close();
    watching.stop();
    listener.close();
    await ledger.close();
    await stack.stop();
  }
}

function adminApi(url: string, key: string): { provisionCharger(identity: string, password: string): Promise<void>; issueToken(idToken: string, accountId: string): Promise<void> } {
  const call = async (method: 'POST' | 'PUT', route: string, body: object, expected: number): Promise<void> => {
    const response = await fetch(new URL(route, url), { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (response.status !== expected) throw new Error(`${method} ${route}: ${response.status} ${await response.text()}`);
  };
  return {
    provisionCharger: (identity, password) => call('POST', '/api/chargers', { identity, password }, 201),
    issueToken: (idToken, accountId) => call('PUT', `/api/id-tokens/${encodeURIComponent(idToken)}`, { accountId }, 204),
  };
}

/** Waits until the bridge has nothing waiting, delayed or active; returns the dead letters and the events it gave up on. */
async function drain(stack: IsolatedStack, limitMs: number): Promise<{ failedEvents: string[]; deadLetters: DeadLetter[] }> {
  const { redis, queue } = stack.config;
  const connection = new Redis({ host: redis.host, port: redis.port, maxRetriesPerRequest: null });
  const names = ledgerQueueNames(queue);
  const events = new Queue(names.events, { connection, prefix: queue.prefix });
  const letters = new Queue<DeadLetter>(names.deadLetters, { connection, prefix: queue.prefix });
  try {
    const deadline = Date.now() + limitMs;
    for (;;) {
      const counts = await events.getJobCounts('waiting', 'delayed', 'active', 'prioritized', 'waiting-children');
      if (Object.values(counts).every((n) => n === 0)) break;
      if (Date.now() > deadline) throw new Error(`the bridge did not drain within ${limitMs} ms: ${JSON.stringify(counts)}`);
      await sleep(500);
    }
    const deadLetters = (await letters.getJobs(['waiting', 'delayed', 'completed', 'failed', 'active'])).map((job) => job.data);
    const refused = new Set(deadLetters.map((letter) => letter.event.eventId));
    const failedEvents = (await events.getJobs(['failed'])).filter((job) => !refused.has(job.data.eventId)).map((job) => `${job.name} ${job.data.sessionId}: ${job.failedReason}`);
    return { failedEvents, deadLetters };
  } finally {
    await events.close();
    await letters.close();
    connection.disconnect();
  }
}

/** Whether a report passes: nothing lost, doubled, mispriced or below zero, and every dead letter a refusal. */
export function problemsOf(report: FaultReport): string[] {
  const { audit } = report;
  return [
    ...audit.lost.map((s) => `lost: ${s}`),
    ...audit.doubled.map((s) => `doubled: ${s}`),
    ...audit.mispriced.map((s) => `mispriced: ${s}`),
    ...audit.belowZero.map((s) => `below zero: ${s}`),
    ...audit.strayDeadLetters.map((s) => `dead letter: ${s}`),
    ...report.failedEvents.map((s) => `gave up: ${s}`),
    ...(audit.debits === audit.credits ? [] : [`debits ${audit.debits} ≠ credits ${audit.credits}`]),
  ];
}

export function summary(report: FaultReport): string {
  const { audit } = report;
  const lines = [
    `sessions ended on the chargers: ${audit.endedOnChargers} (started ${report.sessionsStarted}, not started ${report.sessionsNotStarted})`,
    `settled ${audit.settled}, refused ${audit.refused}, lost ${audit.lost.length}, doubled ${audit.doubled.length}, mispriced ${audit.mispriced.length}`,
    `drivers debited ${audit.debits}, stations credited ${audit.credits}; wallets below zero: ${audit.belowZero.length}; dead letters ${audit.deadLetters} (${audit.strayDeadLetters.length} not a chaincode refusal)`,
    ...report.recoveries.map(
      (r) =>
        `${r.fault}: down ${r.downMs} ms (${r.settledWhileDown} settled meanwhile), serving again after ${r.restartedAfterMs} ms, settling again after ${r.settlingAgainAfterMs ?? '—'} ms; ` +
        `${r.inFlight.length} sessions in flight at the kill, settled ${r.inFlight.map((s) => s.settledAfterServingMs ?? 'never').join(', ')} ms after serving again`,
    ),
    ...report.offlineChargers.map((o) => `offline OCPP ${o.protocol} charger: ${o.offlineMs} ms offline, ${o.queuedMessages} queued messages delivered ${o.deliveredAfterMs} ms after reconnecting`),
    `drained ${report.drainedAfterMs} ms after the last session; whole run ${(report.elapsedMs / 1000).toFixed(0)} s`,
  ];
  return lines.join('\n');
}
