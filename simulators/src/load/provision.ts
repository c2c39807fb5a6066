/**
 * Provisions the load generator's chargers and id tokens on a ChargeLedger CSMS through its admin API, so that
 * the chargers are let in and their drivers' cards accepted. Identities the simulator provisioned before get
 * their password rotated: the password of a run is new each time and known only to that run.
 */

export interface AdminApi {
  /** The CSMS's origin, e.g. http://127.0.0.1:8180. */
  readonly url: string;
  /** A key with the admin role: it provisions chargers (admin) and issues tokens (operator). */
  readonly key: string;
  readonly fetch: typeof fetch;
}

export interface Provisioning {
  readonly identities: readonly string[];
  /** Security profile 1 or 2: the password every charger connects with. */
  readonly password: string;
  readonly idTokens: readonly string[];
  /** Which account a token belongs to, in the operator's registry. */
  readonly accountOf: (idToken: string, index: number) => string;
}

/** The admin API answered something other than what provisioning expects. */
export class ProvisioningError extends Error {
  override readonly name = 'ProvisioningError';
  constructor(
    readonly route: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`${route} answered ${status}: ${body}`);
  }
}

/** How many admin calls run at once. */
const CONCURRENCY = 10;

export async function provisionThroughAdminApi(api: Readonly<AdminApi>, what: Readonly<Provisioning>): Promise<void> {
  const call = async (method: 'POST' | 'PUT', route: string, body: object): Promise<{ status: number; text: string }> => {
    const response = await api.fetch(new URL(route, api.url), { method, headers: { authorization: `Bearer ${api.key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, text: await response.text() };
  };
  const charger = async (identity: string): Promise<void> => {
    let answer = await call('POST', '/api/chargers', { identity, password: what.password });
    if (answer.status === 409) answer = await call('POST', '/api/chargers', { identity, password: what.password, rotatePassword: true });
    if (answer.status !== 201) throw new ProvisioningError(`POST /api/chargers (${identity})`, answer.status, answer.text);
  };
  const token = async (idToken: string, index: number): Promise<void> => {
    const route = `/api/id-tokens/${encodeURIComponent(idToken)}`;
    const answer = await call('PUT', route, { accountId: what.accountOf(idToken, index) });
    if (answer.status !== 204) throw new ProvisioningError(`PUT /api/id-tokens/<token ${index + 1}>`, answer.status, answer.text);
  };
  await inBatches(what.identities, (identity) => charger(identity));
  await inBatches(what.idTokens, (idToken, index) => token(idToken, index));
}

async function inBatches<T>(items: readonly T[], each: (item: T, index: number) => Promise<void>): Promise<void> {
  for (let start = 0; start < items.length; start += CONCURRENCY) {
    await Promise.all(items.slice(start, start + CONCURRENCY).map((item, offset) => each(item, start + offset)));
  }
}
