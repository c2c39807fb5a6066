import { createServer, type Server, type Socket, connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Tariff } from '@chargeledger/chaincode/pricing';
import { type ChargePoint, createChargePoint, type EvModel, loadTemplate, ManualClock, type OcppVersion, type StartResult } from '@chargeledger/simulators';
import { RPCError } from 'ocpp-rpc';

/**
 * Simulated chargers of both protocol versions running sessions against the stack's CSMS, each recording
 * what ended on it: the charger's own account of a session (its times and signed energy), which the ledger
 * audit later compares with what the ledger settled.
 */

export const TEMPLATE = 'voltbridge-ac22-duo';
export const MINUTE_MS = 60_000;
const AN_EV: EvModel = { batteryCapacityWh: 80_000, initialSocPercent: 20, maxPowerW: 22_000 };

export interface Driver {
  readonly accountId: string;
  readonly idToken: string;
  /** rich: funds and limit cover every session; capped: the hold (its session limit) caps the charge; poor: funds do not cover the minimum hold. */
  readonly kind: 'rich' | 'capped' | 'poor';
}

export interface SimulatedCharger {
  readonly identity: string;
  readonly protocol: OcppVersion;
  readonly chargePoint: ChargePoint;
  readonly clock: ManualClock;
  readonly tariff: Tariff;
  readonly payeeAccountId: string;
}

/** A session as the charger saw it end. */
export interface EndedOnCharger {
  readonly sessionId: string;
  readonly chargerId: string;
  readonly protocol: OcppVersion;
  readonly driver: Driver;
  readonly payeeAccountId: string;
  readonly tariff: Tariff;
  readonly startedAtMs: number;
  readonly endedAtMs: number;
  readonly energyWh: number;
  readonly stopReason: string;
  /** Real time at which the charger ended it (for StopTransaction → committed). */
  readonly endedAtRealMs: number;
}

export function aChargePoint(protocol: OcppVersion, identity: string, endpoint: string, password: string): { chargePoint: ChargePoint; clock: ManualClock } {
  const clock = new ManualClock(Date.now());
  const chargePoint = createChargePoint({
    protocol,
    identity,
    serialNumber: identity,
    endpoint,
    password,
    template: loadTemplate(TEMPLATE),
    clock,
    // One meter value per five simulated minutes: a session is an open, a progress report or two, and a close.
    settings: { meterValueSampleIntervalS: 300 },
    backoff: { initialDelayMs: 200, maxDelayMs: 2_000, factor: 2, jitter: 0 },
  });
  return { chargePoint, clock };
}

export interface SessionPlan {
  readonly driver: Driver;
  /** Simulated minutes of charging, in one-minute steps. */
  readonly minutes: number;
  /** Real time between the steps, which spreads the sessions over the run. */
  readonly stepPaceMs: number;
  /** Called between steps: the offline charger's outage happens here. */
  readonly duringStep?: (step: number) => Promise<void>;
  /** Called once the session has ended on the charger (its stop answered, or its remote end), before it is unplugged. */
  readonly onEnded?: (sessionId: string) => void;
}

/**
 * One session on EVSE 1. The charger's clock is first brought to the wall clock's now: the ledger stamps
 * transactions with real time and allows 15 minutes of meter clock skew, so simulated time must not run ahead.
 * Resolves with the session as the charger ended it (by the driver, or remotely by the CSMS), or undefined
 * when no transaction started.
 */
export async function aSession(charger: SimulatedCharger, plan: SessionPlan): Promise<EndedOnCharger | undefined> {
  const { chargePoint, clock } = charger;
  await clock.advance(Math.max(0, Date.now() - clock.now()));
  await chargePoint.plugIn(1, AN_EV);
  const startedAtMs = clock.now();
  const start = await presentCard(chargePoint, plan.driver.idToken);
  if (!start.accepted || start.transactionId === undefined) {
    await chargePoint.unplug(1);
    return undefined;
  }
  const sessionId = `${charger.identity}-${start.transactionId}`;
  let remoteEnd: { readonly energyWh: number; readonly reason: string; readonly atMs: number; readonly atRealMs: number } | undefined;
  const onEnded = (ended: { readonly transactionId: string | undefined; readonly energyWh: number; readonly reason: string }): void => {
    if (ended.transactionId === start.transactionId) remoteEnd ??= { energyWh: ended.energyWh, reason: ended.reason, atMs: clock.now(), atRealMs: Date.now() };
  };
  chargePoint.on('transactionEnded', onEnded);
  try {
    for (let step = 0; step < plan.minutes && remoteEnd === undefined; step++) {
      await chargePoint.advance(MINUTE_MS);
      await plan.duringStep?.(step);
      await sleep(plan.stepPaceMs);
    }
    if (remoteEnd === undefined) {
      const stopped = await chargePoint.stop('Local', 1);
      remoteEnd ??= { energyWh: stopped.energyWh, reason: stopped.reason, atMs: clock.now(), atRealMs: Date.now() };
    }
  } finally {
    chargePoint.off('transactionEnded', onEnded);
  }
  plan.onEnded?.(sessionId);
  await chargePoint.unplug(1);
  return {
    sessionId,
    chargerId: charger.identity,
    protocol: charger.protocol,
    driver: plan.driver,
    payeeAccountId: charger.payeeAccountId,
    tariff: charger.tariff,
    startedAtMs,
    endedAtMs: remoteEnd.atMs,
    energyWh: remoteEnd.energyWh,
    stopReason: remoteEnd.reason,
    endedAtRealMs: remoteEnd.atRealMs,
  };
}

/**
 * Presents the card where the EV is plugged in. While Redis is away the CSMS cannot look the card up and answers
 * Authorize with InternalError; the charger shows an error and the driver presents the card again a second later.
 */
async function presentCard(chargePoint: ChargePoint, idToken: string): Promise<StartResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await chargePoint.authorizeAndStart(idToken, 1);
    } catch (error) {
      if (attempt >= 30 || !(error instanceof RPCError && error.rpcErrorCode === 'InternalError')) throw error;
      await sleep(1_000);
    }
  }
}

/**
 * A TCP relay in front of the CSMS for the charger that goes offline: `cut()` drops its connections and
 * refuses new ones (the charger queues its transaction messages), `restore()` lets it reconnect.
 */
export class CuttableLink {
  readonly #target: { readonly host: string; readonly port: number };
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  #port = 0;

  constructor(target: { readonly host: string; readonly port: number }) {
    this.#target = target;
  }

  get endpoint(): string {
    return `ws://127.0.0.1:${this.#port}/ocpp`;
  }

  async open(): Promise<void> {
    const server = createServer((incoming) => {
      const outgoing = connect(this.#target.port, this.#target.host);
      for (const socket of [incoming, outgoing]) {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      incoming.pipe(outgoing).pipe(incoming);
      incoming.on('close', () => outgoing.destroy());
      outgoing.on('close', () => incoming.destroy());
    });
    await new Promise<void>((resolve) => server.listen(this.#port, '127.0.0.1', resolve));
    this.#port = (server.address() as { port: number }).port;
    this.#server = server;
  }

  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.destroy();
    if (server !== undefined) await new Promise((resolve) => server.close(resolve));
  }

  async restore(): Promise<void> {
    await this.open();
  }

  async close(): Promise<void> {
    await this.cut();
  }
}
