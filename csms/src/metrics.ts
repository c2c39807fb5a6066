import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { SETTLEMENT_REFUSAL_CODES } from '@chargeledger/ledger-queue';
import { SESSION_FLAGS } from './domain/session-state';
import type { QueueHealthSnapshot } from './queue/queue-health';

export interface MetricsSources {
  readonly connectedChargers: () => number;
  /** A fresh sample of the events queue and Redis (QueueHealth.sample). */
  readonly queueHealth: () => Promise<QueueHealthSnapshot>;
}

/** Prometheus metrics of one CSMS node, served at /metrics. */
export class CsmsMetrics {
  readonly registry = new Registry();
  readonly messages: Counter<'protocol' | 'action' | 'result'>;
  readonly callSeconds: Histogram<'protocol' | 'action'>;
  readonly authorizations: Counter<'source' | 'status'>;
  readonly sessionFlags: Counter<'flag'>;
  readonly settlementsRefused: Counter<'code'>;

  constructor(sources: Readonly<MetricsSources>) {
    this.messages = new Counter({
      name: 'csms_ocpp_messages_total',
      help: 'Charger-initiated OCPP calls by protocol, action and result (ok or the OCPP error code)',
      labelNames: ['protocol', 'action', 'result'],
      registers: [this.registry],
    });
    this.callSeconds = new Histogram({
      name: 'csms_ocpp_call_duration_seconds',
      help: 'Time from receiving a charger call to answering it',
      labelNames: ['protocol', 'action'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
    this.authorizations = new Counter({
      name: 'csms_authorizations_total',
      help: 'Authorize decisions by source (registry, ledger, or fallback while the ledger is unavailable) and OCPP 2.0.1 status',
      labelNames: ['source', 'status'],
      registers: [this.registry],
    });
    this.sessionFlags = new Counter({
      name: 'csms_session_flags_total',
      help: 'What chargers said that the CSMS could not make right, by flag (repeated-stop-differs, meter-stop-below-start, claimed-differs-from-signed); each flagged session shows it in the admin API',
      labelNames: ['flag'],
      registers: [this.registry],
    });
    // Every flag is shown from the start, at 0: an alert on its rate needs the series before the first one.
    for (const flag of SESSION_FLAGS) this.sessionFlags.inc({ flag }, 0);
    this.settlementsRefused = new Counter({
      name: 'csms_settlements_refused_total',
      help: 'Sessions whose settlement the ledger refused for good, by its code: the hold was released and nothing charged; each shows settlement.status refused in the admin API',
      labelNames: ['code'],
      registers: [this.registry],
    });
    for (const code of SETTLEMENT_REFUSAL_CODES) this.settlementsRefused.inc({ code }, 0);
    new Gauge({
      name: 'csms_connected_chargers',
      help: 'Chargers with an open socket on this node',
      registers: [this.registry],
      collect() {
        this.set(sources.connectedChargers());
      },
    });
    // One sample of Redis per scrape, shared by the gauges below: the first collect takes it, the others reuse it.
    let sampling: Promise<QueueHealthSnapshot | undefined> | undefined;
    const sample = (): Promise<QueueHealthSnapshot | undefined> => {
      sampling ??= sources.queueHealth().then(
        (snapshot) => snapshot,
        () => undefined,
      );
      const taken = sampling;
      setImmediate(() => (sampling = undefined));
      return taken;
    };
    const fromQueue = (name: string, help: string, value: (snapshot: QueueHealthSnapshot) => number): void => {
      new Gauge({
        name,
        help,
        registers: [this.registry],
        async collect() {
          const snapshot = await sample();
          this.set(snapshot === undefined ? Number.NaN : value(snapshot));
        },
      });
    };
    fromQueue('csms_ledger_queue_depth', 'Events waiting for the ledger bridge (waiting, delayed, active)', (s) => s.depth);
    fromQueue('csms_ledger_queue_oldest_waiting_seconds', 'How long the oldest event not yet applied has been in the queue: the ledger bridge’s lag', (s) => s.oldestWaitingMs / 1000);
    fromQueue('csms_redis_used_memory_bytes', 'Memory Redis uses (INFO memory used_memory)', (s) => s.redisUsedBytes);
    fromQueue('csms_redis_max_memory_bytes', 'Redis maxmemory; 0 when it has none', (s) => s.redisMaxBytes);
    fromQueue('csms_new_sessions_accepted', '1 while new sessions are accepted, 0 while Redis is near its memory limit and they are refused (ADR 0029)', (s) => (s.newSessionsAccepted ? 1 : 0));
  }
}
