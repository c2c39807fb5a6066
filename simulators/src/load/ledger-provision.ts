/**
 * Sets up on the ledger what the load generator's sessions need to be authorized and settled, through the
 * participants' services' REST APIs, each organization with its own staff: Wallets opens the operator's payee
 * account and one driver account per id token, tops it up and links the card; the operator publishes a tariff
 * and registers each charger as a station; the Authority registers each simulated meter's public key, or
 * rotates the meter to it. Whatever a previous run set up is reused: a second run only tops up.
 */
import { randomBytes } from 'node:crypto';
import { ledgerEvses } from '../template/station-layout';
import type { ChargerTemplate } from '../template/template';
import { ProvisioningError } from './provision';

/** A participants' service and the member of staff who acts there. */
export interface StaffSignIn {
  /** The service's origin, e.g. http://127.0.0.1:8281. */
  readonly url: string;
  readonly username: string;
  readonly password: string;
}

export interface ParticipantsApis {
  readonly wallets: StaffSignIn;
  readonly operators: StaffSignIn;
  readonly authority: StaffSignIn;
  readonly fetch: typeof fetch;
}

export interface SimulatedStation {
  /** The charger's OCPP identity: the ledger's station id. */
  readonly stationId: string;
  /** The public key (SPKI DER, hex) of the meter behind each EVSE, in EVSE order; serials `<stationId>-M<evse>`. */
  readonly meterPublicKeys: readonly string[];
}

export interface LedgerSetup {
  /** Names the payee account (`<prefix>-payee`) and the tariff (`<PREFIX>-AC`). */
  readonly prefix: string;
  readonly template: ChargerTemplate;
  readonly stations: readonly SimulatedStation[];
  /** Each id token gets a driver account of its own. */
  readonly drivers: readonly { readonly accountId: string; readonly idToken: string }[];
}

export interface LedgerSetupReport {
  readonly stationsRegistered: number;
  readonly metersRegistered: number;
  readonly metersRotated: number;
  readonly driversOpened: number;
  readonly cardsLinked: number;
  readonly topUps: number;
}

/** The most a session may hold on a driver's account: 20.00 EUR, as for a driver who signs up. */
export const SIMULATED_SESSION_LIMIT = 2000;
/** What a driver's account is topped up by when less than the session limit is available. */
const TOP_UP = 5000;
/** The least a session must be able to hold at the simulated stations. */
const MINIMUM_HOLD = 500;
const CONCURRENCY = 10;


/** FLAT 0.35 EUR, 0.39 EUR/kWh and 0.60 EUR/h, 19 % VAT: the demo's tariff. */
export function simulatedTariff(id: string): Record<string, unknown> {
  return {
    id,
    version: 1,
    currency: 'EUR',
    utcOffsetMinutes: 60,
    vatBasisPoints: 1900,
    elements: [
      { priceComponents: [{ type: 'FLAT', priceMicro: 350_000, stepSize: 1 }] },
      { priceComponents: [{ type: 'ENERGY', priceMicro: 390_000, stepSize: 1 }, { type: 'TIME', priceMicro: 600_000, stepSize: 60 }] },
    ],
  };
}

interface Answer {
  readonly status: number;
  readonly text: string;
}

/** A signed-in member of staff at one service. */
class StaffClient {
  private constructor(
    readonly name: string,
    readonly url: string,
    private readonly token: string,
    private readonly fetchFn: typeof fetch,
  ) {}

  static async signIn(name: string, sign: StaffSignIn, fetchFn: typeof fetch): Promise<StaffClient> {
    const answer = await send(fetchFn, name, sign.url, 'POST', '/api/session', undefined, { username: sign.username, password: sign.password });
    if (answer.status !== 200) throw new ProvisioningError(`sign-in as ${sign.username} at the ${name} service (${sign.url})`, answer.status, answer.text);
    return new StaffClient(name, sign.url, (JSON.parse(answer.text) as { token: string }).token, fetchFn);
  }

  call(method: 'GET' | 'POST', route: string, body?: object): Promise<Answer> {
    return send(this.fetchFn, this.name, this.url, method, route, this.token, body);
  }

  /** The answer's JSON when its status is one of `expected`; a ProvisioningError otherwise. */
  async expect<T>(method: 'GET' | 'POST', route: string, expected: readonly number[], body?: object): Promise<{ status: number; body: T }> {
    const answer = await this.call(method, route, body);
    if (!expected.includes(answer.status)) throw new ProvisioningError(`${method} ${this.url}${route}`, answer.status, answer.text);
    return { status: answer.status, body: (answer.text === '' ? {} : JSON.parse(answer.text)) as T };
  }
}

/** A service that does not answer at all says which one, and what to do. */
export class ServiceUnreachable extends Error {
  override readonly name = 'ServiceUnreachable';
  constructor(
    readonly service: string,
    readonly url: string,
    cause: unknown,
  ) {
    super(`the ${service} participants' service at ${url} does not answer (${cause instanceof Error ? (cause.cause instanceof Error ? cause.cause.message : cause.message) : String(cause)})`);
  }
}

async function send(fetchFn: typeof fetch, name: string, url: string, method: string, route: string, token: string | undefined, body: object | undefined): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetchFn(new URL(route, url), { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  } catch (error) {
    throw new ServiceUnreachable(name, url, error);
  }
  return { status: response.status, text: await response.text() };
}

const hexOf = (key: string): string => (/^[0-9A-Fa-f]+$/.test(key) ? key.toLowerCase() : Buffer.from(key, 'base64').toString('hex'));

/** Sets up what `setup` needs on the ledger; safe to run again. `log` hears one line per organization's step. */
export async function provisionLedger(apis: Readonly<ParticipantsApis>, setup: Readonly<LedgerSetup>, log: (line: string) => void): Promise<LedgerSetupReport> {
  const [wallets, operators, authority] = await Promise.all([
    StaffClient.signIn('Wallets', apis.wallets, apis.fetch),
    StaffClient.signIn('Operators', apis.operators, apis.fetch),
    StaffClient.signIn('Authority', apis.authority, apis.fetch),
  ]);
  const operatorId = (await operators.expect<{ party?: string }>('GET', '/api/me', [200])).body.party;
  if (operatorId === undefined) throw new Error(`${apis.operators.username} at ${apis.operators.url} acts for no operator`);
  const counts = { stationsRegistered: 0, metersRegistered: 0, metersRotated: 0, driversOpened: 0, cardsLinked: 0, topUps: 0 };

  const payee = `${setup.prefix.toLowerCase()}-payee`;
  if ((await wallets.expect('GET', `/api/accounts/${payee}`, [200, 404])).status === 404) {
    await wallets.expect('POST', '/api/accounts', [201, 409], { accountId: payee, kind: 'operator', ownerId: operatorId, currency: 'EUR' });
    log(`  Wallets opened ${operatorId}'s payee account ${payee}`);
  }

  const tariffId = `${setup.prefix.toUpperCase()}-AC`;
  const { tariffs } = (await operators.expect<{ tariffs: { tariffId: string }[] }>('GET', '/api/tariffs', [200])).body;
  if (!tariffs.some((tariff) => tariff.tariffId === tariffId)) {
    // 422: published before, but not through this service (the chaincode wants the next version).
    const published = await operators.call('POST', '/api/tariffs', { tariff: simulatedTariff(tariffId) });
    if (published.status !== 201 && !(published.status === 422 && published.text.includes('INVALID_STATE'))) throw new ProvisioningError(`POST ${operators.url}/api/tariffs`, published.status, published.text);
    if (published.status === 201) log(`  ${operatorId} published tariff ${tariffId}`);
  }

  const evses = ledgerEvses(setup.template);
  await inBatches(setup.stations, async (station, index) => {
    const known = await operators.expect('GET', `/api/stations/${encodeURIComponent(station.stationId)}`, [200, 404]);
    if (known.status === 404) {
      const latMicroDeg = 52_500_000 + (index % 100) * 1_000;
      const lonMicroDeg = 13_400_000 + Math.floor(index / 100) * 1_000;
      await operators.expect('POST', '/api/stations', [201], { stationId: station.stationId, payeeAccountId: payee, latMicroDeg, lonMicroDeg, evses, minimumHold: MINIMUM_HOLD, tariffId });
      counts.stationsRegistered++;
    }
    for (const [e, publicKey] of station.meterPublicKeys.entries()) {
      const meterSerial = `${station.stationId}-M${e + 1}`;
      const meter = await authority.expect<{ keys: { keyId: string; publicKey: string; status: string }[] }>('GET', `/api/meters/${encodeURIComponent(meterSerial)}`, [200, 404]);
      if (meter.status === 404) {
        await authority.expect('POST', '/api/meters', [201], { meterSerial, binding: { kind: 'evse', stationId: station.stationId, evseId: String(e + 1) }, keyId: 'k1', publicKey });
        counts.metersRegistered++;
      } else if (!meter.body.keys.some((key) => key.status === 'current' && hexOf(key.publicKey) === hexOf(publicKey))) {
        await authority.expect('POST', `/api/meters/${encodeURIComponent(meterSerial)}/keys`, [201], { keyId: `k${meter.body.keys.length + 1}`, publicKey });
        counts.metersRotated++;
      }
    }
  });
  log(`  ${operatorId} registered ${counts.stationsRegistered} stations (${setup.stations.length - counts.stationsRegistered} were registered before); the Authority registered ${counts.metersRegistered} meter keys and rotated ${counts.metersRotated}`);

  const driver = async ({ accountId, idToken }: { accountId: string; idToken: string }): Promise<void> => {
    const route = `/api/accounts/${encodeURIComponent(accountId)}`;
    const account = await wallets.expect<{ available: number }>('GET', route, [200, 404]);
    let available = account.body.available;
    if (account.status === 404) {
      await wallets.expect('POST', '/api/accounts', [201], { accountId, kind: 'driver', currency: 'EUR', sessionLimit: SIMULATED_SESSION_LIMIT });
      counts.driversOpened++;
      available = 0;
    }
    // The account is this token's alone: a card linked to it is this card. An account opened just now has none
    // on this ledger, whatever the service remembers.
    const { tokenRefs } = (await wallets.expect<{ tokenRefs: string[] }>('GET', `${route}/cards`, [200])).body;
    if (account.status === 404 || tokenRefs.length === 0) {
      await wallets.expect('POST', `${route}/cards`, [201], { idToken });
      counts.cardsLinked++;
    }
    if (available < SIMULATED_SESSION_LIMIT) {
      await wallets.expect('POST', `${route}/bank-transfers`, [200, 201], { amount: TOP_UP, reference: `sim-${randomBytes(8).toString('hex')}` });
      counts.topUps++;
    }
  };
  // The first card alone: linking the first card sets the ledger's token pepper, once.
  const [first, ...rest] = setup.drivers;
  if (first !== undefined) await driver(first);
  await inBatches(rest, (each) => driver(each));
  log(`  Wallets opened ${counts.driversOpened} driver accounts (${setup.drivers.length - counts.driversOpened} were open), linked ${counts.cardsLinked} cards and topped up ${counts.topUps} accounts`);
  return counts;
}

async function inBatches<T>(items: readonly T[], each: (item: T, index: number) => Promise<void>): Promise<void> {
  for (let start = 0; start < items.length; start += CONCURRENCY) {
    await Promise.all(items.slice(start, start + CONCURRENCY).map((item, offset) => each(item, start + offset)));
  }
}
