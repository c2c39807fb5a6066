import { readFile } from 'node:fs/promises';
import type { SessionSettlement } from '@chargeledger/ledger-queue';

/** One connector's last StatusNotification: its key is the CSMS's (`<connectorId>` in 1.6, `<evseId>/<connectorId>` in 2.0.1). */
export interface ConnectorLive {
  readonly connector: string;
  readonly status: string;
  readonly errorCode?: string;
  /** When the charger reported the status (ISO 8601, the charger's clock). */
  readonly since: string;
}

/** A charger as the CSMS sees it now: whether it holds a connection, and each connector's last status. */
export interface ChargerLive {
  readonly connected: boolean;
  readonly connectors: readonly ConnectorLive[];
}

/** A charging session as the CSMS's admin API lists it (the id token only as the keyed digest). */
export interface CsmsSession {
  readonly sessionId: string;
  readonly chargerId: string;
  readonly evseId: number;
  readonly connectorId: number;
  readonly startedAt: string;
  readonly endedAt?: string;
  /** What the charger's registers claim. */
  readonly energyWh: number;
  /** What the ledger billed, once settled: the energy the meter signed when verified. */
  readonly billedEnergyWh?: number;
  readonly active: boolean;
  /** How the ledger ended the session: settled with its charge, or refused for good with its code and reason (the hold released). */
  readonly settlement?: SessionSettlement;
  /** What the charger said that the CSMS could not make right, e.g. `claimed-differs-from-signed`. */
  readonly flags: readonly string[];
  /** While it runs: the cost so far as the charger is shown it (minor units), once the CSMS knows the frozen tariff. */
  readonly runningCost?: { readonly amount: number; readonly currency: string };
}

/** The events queue from the CSMS to the ledger bridge, and the Redis under it (the CSMS's GET /api/queue). */
export interface LedgerQueueState {
  readonly sampledAt: string;
  /** Events not yet applied to the ledger. */
  readonly depth: number;
  /** How long the oldest of them has waited: the bridge's lag. */
  readonly oldestWaitingMs: number;
  readonly redisUsedBytes: number;
  readonly redisMaxBytes: number;
  /** false while the CSMS refuses new sessions, its Redis near the memory limit. */
  readonly newSessionsAccepted: boolean;
}

/**
 * What the CSMS answered: `ok`, or why there is no answer (`no-key`: the read-only key file does not exist;
 * `unreachable`: no answer in time, or an error status). The dashboard shows availability as unknown then.
 */
export type CsmsAnswer<T> = { readonly status: 'ok'; readonly value: T } | { readonly status: 'no-key' | 'unreachable'; readonly reason: string };

export interface CsmsReaderOptions {
  /** The CSMS's admin API, e.g. http://127.0.0.1:8180. */
  readonly url: string;
  /** The file holding a read-only API key; read on first use, and again while it is missing. */
  readonly keyFile: string;
  /**
   * The file holding a key of the role `records`, for a session's signed meter records (they carry the card id the
   * meter signed, which a read-only key may not read); undefined: this service reads no records.
   */
  readonly recordsKeyFile?: string;
  readonly timeoutMs?: number;
}

/** The dashboard's fields of a session as the CSMS's admin API answers it (not its token digest). */
function sessionOf(s: CsmsSession): CsmsSession {
  return {
    sessionId: s.sessionId,
    chargerId: s.chargerId,
    evseId: s.evseId,
    connectorId: s.connectorId,
    startedAt: s.startedAt,
    ...(s.endedAt === undefined ? {} : { endedAt: s.endedAt }),
    energyWh: s.energyWh,
    ...(s.billedEnergyWh === undefined ? {} : { billedEnergyWh: s.billedEnergyWh }),
    active: s.active,
    ...(s.settlement === undefined ? {} : { settlement: s.settlement }),
    flags: s.flags,
    ...(s.runningCost === undefined ? {} : { runningCost: s.runningCost }),
  };
}

interface ChargerListed {
  readonly identity: string;
  readonly connected: boolean;
  readonly state?: { readonly connectors?: Readonly<Record<string, { status: string; errorCode?: string; timestamp: string }>> };
}

/**
 * Reads the CSMS's admin API with a read-only key, server side: the key stays in this process and never
 * reaches a browser. Every read answers rather than throws, so a CSMS that is down costs the dashboard its
 * live availability and nothing else.
 */
export class CsmsReader {
  readonly #options: CsmsReaderOptions;
  readonly #keys = new Map<string, string>();

  constructor(options: Readonly<CsmsReaderOptions>) {
    this.#options = options;
  }

  /** Every charger the CSMS knows, by OCPP identity. */
  async chargers(): Promise<CsmsAnswer<ReadonlyMap<string, ChargerLive>>> {
    const answer = await this.#get<ChargerListed[]>('/api/chargers');
    if (answer.status !== 'ok') return answer;
    const chargers = new Map<string, ChargerLive>();
    for (const charger of answer.value) {
      const connectors = Object.entries(charger.state?.connectors ?? {})
        // 1.6 reports connector 0 for the charge point as a whole; a driver plugs into the others.
        .filter(([connector]) => connector !== '0')
        .map(([connector, live]) => ({ connector, status: live.status, ...(live.errorCode === undefined || live.errorCode === 'NoError' ? {} : { errorCode: live.errorCode }), since: live.timestamp }))
        .sort((a, b) => a.connector.localeCompare(b.connector, 'en', { numeric: true }));
      chargers.set(charger.identity, { connected: charger.connected, connectors });
    }
    return { status: 'ok', value: chargers };
  }

  /** The charger's latest sessions, newest first. */
  async sessions(chargerId: string, limit: number): Promise<CsmsAnswer<readonly CsmsSession[]>> {
    const answer = await this.#get<{ sessions: CsmsSession[] }>(`/api/sessions?chargerId=${encodeURIComponent(chargerId)}&limit=${limit}`);
    if (answer.status !== 'ok') return answer;
    return {
      status: 'ok',
      value: answer.value.sessions.map(sessionOf),
    };
  }

  /**
   * One session as the CSMS holds it now: while it runs, the energy the charger's registers claim so far
   * (`energyWh`), the figure a driver watches; `not-at-csms` when the CSMS has no session of that id.
   */
  async session(sessionId: string): Promise<CsmsAnswer<CsmsSession | undefined>> {
    const answer = await this.#get<CsmsSession>(`/api/sessions/${encodeURIComponent(sessionId)}`, this.#options.keyFile, [404]);
    if (answer.status !== 'ok') return answer;
    return { status: 'ok', value: answer.value === undefined ? undefined : sessionOf(answer.value) };
  }

  /** The events queue to the ledger bridge: its depth, the oldest event's age, Redis's memory. */
  async ledgerQueue(): Promise<CsmsAnswer<LedgerQueueState>> {
    return this.#get<LedgerQueueState>('/api/queue');
  }

  /** The session's signed meter records as the charger sent them, for a receipt's proof. */
  async meterRecords(sessionId: string): Promise<CsmsAnswer<readonly string[]>> {
    const file = this.#options.recordsKeyFile;
    if (file === undefined) return { status: 'no-key', reason: 'this service reads no meter records' };
    const answer = await this.#get<{ records: { record: string }[] }>(`/api/sessions/${encodeURIComponent(sessionId)}/meter-records`, file);
    return answer.status === 'ok' ? { status: 'ok', value: answer.value.records.map((entry) => entry.record) } : answer;
  }

  /** `absent`: statuses that mean "no such thing", answered as an ok undefined. */
  async #get<T>(route: string, keyFile?: string): Promise<CsmsAnswer<T>>;
  async #get<T>(route: string, keyFile: string, absent: readonly number[]): Promise<CsmsAnswer<T | undefined>>;
  async #get<T>(route: string, keyFile = this.#options.keyFile, absent: readonly number[] = []): Promise<CsmsAnswer<T | undefined>> {
    const key = await this.#readKey(keyFile);
    if (key === undefined) return { status: 'no-key', reason: `no CSMS key in ${keyFile}` };
    try {
      const response = await fetch(`${this.#options.url}${route}`, { headers: { authorization: `Bearer ${key}` }, signal: AbortSignal.timeout(this.#options.timeoutMs ?? 2_000) });
      if (!response.ok) {
        await response.body?.cancel();
        if (absent.includes(response.status)) return { status: 'ok', value: undefined };
        // A key the CSMS no longer knows (rotated) is read again next time.
        if (response.status === 401) this.#keys.delete(keyFile);
        return { status: 'unreachable', reason: `the CSMS answered ${response.status}` };
      }
      return { status: 'ok', value: (await response.json()) as T };
    } catch (error) {
      return { status: 'unreachable', reason: `the CSMS did not answer: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  async #readKey(file: string): Promise<string | undefined> {
    const known = this.#keys.get(file);
    if (known !== undefined) return known;
    try {
      const key = (await readFile(file, 'utf8')).trim();
      if (key !== '') this.#keys.set(file, key);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    return this.#keys.get(file);
  }
}

/** A station's live state as the dashboard shows it, or why there is none (never the CSMS's own reason). */
export type StationLive = ({ readonly known: true } & ChargerLive) | { readonly known: false; readonly why: 'no-key' | 'unreachable' | 'not-at-csms' };

/** The live state of one station (its id is the charger's OCPP identity) from a read of every charger. */
export function liveOf(answer: CsmsAnswer<ReadonlyMap<string, ChargerLive>>, stationId: string): StationLive {
  if (answer.status !== 'ok') return { known: false, why: answer.status };
  const charger = answer.value.get(stationId);
  return charger === undefined ? { known: false, why: 'not-at-csms' } : { known: true, ...charger };
}
